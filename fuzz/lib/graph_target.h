#pragma once
// The graph target: a random tensor program (`.uop` text) runs on the engine (schedule -> lower ->
// every registered backend; in a campaign, in the kernel worker) and on ref (op by op); the results
// must agree: integers and bools exactly, floats within the tolerance rule (tolerance.h), NaN where
// ref has NaN, poison only where ref has poison.
#include <cstdint>
#include <memory>
#include <string>

#include "engine/ir/buffer.h"
#include "engine/ir/uop.h"
#include "fuzz/lib/targets.h"

namespace anvil::fuzz {

// Tensor graphs this target runs: Tensor-stage valid, every node shaped, only ops the Tensor API
// makes, and small (no node past the element cap). Leaves are BUFFERs with text uids.
bool graph_acceptable(const UOp& root);

// Binds the leaves (graph_leaves.h), evaluates both ways and compares. Rejected where ref gives
// the graph no meaning (a mutant with an op its dtype lacks).
Outcome check_graph(const UOp& root);

// The engine half on one registered backend, for a graph whose leaves are bound (graph_leaves.h):
// its output, null for no elements. In a campaign it runs in the kernel worker (worker.h).
std::shared_ptr<Buffer> realize_on(const UOp& bound, const std::string& backend);

// An element as a mismatch message shows it: "poison", an integer, or a float with its bits.
std::string value_text(Scalar s, const Value& v);

// Running totals over this process's checks: how many output elements were compared and how many
// of them ref gave as NaN or poison (a generator whose outputs are mostly NaN tests little).
struct GraphStats {
  uint64_t checks = 0, rejected = 0, elements = 0, nan = 0, poison = 0;
  std::string str() const;
};
GraphStats graph_stats();

// The structure-aware mutator and the reducer (graph_mutate.cpp).
std::string mutate_graph(std::string_view input, uint64_t seed, size_t max_size);
std::string reduce_graph(std::string_view input, const Signature& signature);

}  // namespace anvil::fuzz
