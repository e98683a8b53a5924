#pragma once
// A finite check is a proof too: when an access's index and gate depend only on loop variables with
// constant ends and bounded DEFINE_VARs, and those span few points, evaluate both at every point
// with the IR's own semantics (interp::eval_all, exec_alu: wrapping, index overflow and division by
// zero are poison) and decide exactly, with no solver.
#include <cstdint>
#include <optional>
#include <string>

#include "engine/ir/uop.h"

namespace anvil::verify {

// The most points enumerated; larger spaces go to Z3.
constexpr uint64_t kMaxFinitePoints = uint64_t{1} << 16;

struct FiniteVerdict {
  bool proved = false;
  std::string counterexample;  // when not proved: "r0 = 3, r1 = 2, idx = 17, gate = 1"
  uint64_t points = 0;         // evaluated
};

// Over every point: idx and gate (when given) are not poison, and where the gate holds,
// 0 <= idx < size. nullopt when the space is not finite and small (a loaded value, a symbolic
// loop end, more than kMaxFinitePoints points) or an op cannot be evaluated: ask Z3 then.
std::optional<FiniteVerdict> check_access_finite(const UOp& idx, const UOp& gate, int64_t size);

}  // namespace anvil::verify
