#pragma once
// The shape target: a `.uop` movement sequence (RESHAPE, PERMUTE, EXPAND, PAD, SHRINK, FLIP in any
// order) over one int32/int64 BUFFER leaf holding its element numbers + 1 (0 is padding). The
// engine's scheduled index (realize_graph on interp) must read, at every output element, the same
// source element as a direct strided reference (ref::View::apply, one movement op at a time).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/ir/shape.h"
#include "engine/ir/uop.h"
#include "fuzz/lib/targets.h"

namespace anvil::fuzz {

// A movement sequence as data: the leaf and its steps, leaf first.
struct MoveStep {
  Op op;
  std::vector<int64_t> arg;
};
struct MoveChain {
  DType dtype = dtypes::int32;
  int64_t count = 0;  // the leaf's elements
  std::vector<MoveStep> steps;
};

// The chain of a `.uop` text this target accepts, or nullopt (not one BUFFER under single-source
// movement ops of one int32/int64 dtype, or too large).
std::optional<MoveChain> parse_chain(std::string_view input);
// The graph of a chain (BUFFER uid 0); an empty UOp when a step does not apply to its input.
UOp chain_graph(const MoveChain& chain);
// Each step adapted to the shape it now receives (EXPAND/SHRINK args clamped), or dropped where it
// cannot apply (a RESHAPE whose count changed, a rank change): valid after any edit.
MoveChain repair_chain(const MoveChain& chain);
// A random movement op valid for `in`, keeping every shape within `max_elements`.
std::optional<MoveStep> gen_move_step(Source& src, const Shape& in, int64_t max_elements);
// The shape after each step: shapes[0] is the leaf's, shapes[i + 1] after step i.
std::vector<Shape> chain_shapes(const MoveChain& chain);

Outcome check_chain(const MoveChain& chain);

// The structure-aware mutator and the reducer (shape_mutate.cpp).
std::string mutate_shape(std::string_view input, uint64_t seed, size_t max_size);
std::string reduce_shape(std::string_view input, const Signature& signature);

}  // namespace anvil::fuzz
