#pragma once
// Bounds proofs of kernels (issue 5): every LOAD and STORE of a kernel AST, INDEX(DEFINE_GLOBAL
// slot, idx[, gate]), is proved in bounds under its gate,
//   ranges of the loop variables ∧ gate  ⇒  0 ≤ idx < buffer size,
// and its index arithmetic (and the gate's) free of int64 overflow; and every STORE injective over
// its loop ranges (two loop points never write one element) and, when ungated, covering [0, size). Interval analysis
// (vmin/vmax) decides most accesses; small finite spaces are evaluated at every point; the rest go to Z3
// (verify/smt.h) under an rlimit. Verdicts are cached per kernel
// AST and per access (both hash-consed, so structure is the key).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil::verify {

struct OobStats {
  uint64_t kernels = 0;             // kernel ASTs proved (each structure once)
  uint64_t kernels_cached = 0;      // realizations answered from the cache
  uint64_t accesses = 0;            // distinct accesses proved
  uint64_t by_interval = 0;         // ... decided by vmin/vmax alone
  uint64_t by_finite = 0;           // ... by evaluating every point (verify/oob/finite_check.h)
  uint64_t finite_points = 0;       // ... points evaluated for them
  uint64_t by_z3 = 0;               // ... that needed a solver call
  uint64_t stores = 0;              // STOREs proved injective (and, ungated, covering)
  uint64_t stores_by_interval = 0;  // ... injective by their affine mixed-radix form alone
  uint64_t stores_by_z3 = 0;        // ... that needed a solver call
  uint64_t findings = 0;            // refuted or unknown
  double z3_seconds = 0;            // in solver calls
  uint64_t z3_rlimit = 0;           // Z3 resource units those calls used
  double total_seconds = 0;         // in prove_kernel_bounds, solver included
};

// One message per access not proved: the kernel, the access, and a counterexample assignment
// of the loop variables (or Z3's reason for an unknown). Empty when every access is proved.
std::vector<std::string> prove_kernel_bounds(const UOp& kernel_ast);

// The store half of prove_kernel_bounds alone: each STORE's index injective over the loop ranges
// (the RANGEs no REDUCE closes) and, ungated, covering its output. A finding names the kernel, the
// store and two colliding loop points (r0 and r0') or the element missed.
std::vector<std::string> prove_kernel_stores(const UOp& kernel_ast);

// Is the bool `claim`, over RANGEs (0 <= r < end) and DEFINE_VARs, true and poison-free for every
// value of its variables? Empty when Z3 proves it; otherwise the counterexample or Z3's reason.
std::string prove_index_claim(const UOp& claim);

OobStats oob_stats();
std::string oob_stats_text();

// Installs prove_kernel_bounds as realize's kernel checker (engine/runtime/kernel_check.h);
// a finding aborts (ANVIL_CHECK). Returns whether ANVIL_CHECK_OOB=1 asked for it when `from_env`.
bool install_oob_checker(bool from_env);

}  // namespace anvil::verify
