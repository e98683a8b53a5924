#pragma once
// The graph target's leaves: a `.uop` tensor graph names its BUFFER leaves {uid, count}; here each
// gets a fresh process uid and storage filled from (text uid, element index, dtype) alone, so the
// text reproduces a case. A fixed share of elements are edge values (0, -0, ±inf, NaN, denormals,
// integer extremes, ±1); the rest are small and exact in every dtype.
#include <cstdint>
#include <vector>

#include "engine/ir/alu.h"
#include "engine/ir/uop.h"

namespace anvil::fuzz {

// The value of element `i` of the leaf with text uid `uid`, of scalar type `s`.
Value leaf_value(int64_t uid, int64_t i, Scalar s);

// A graph whose BUFFER leaves are rebound to fresh uids with registered storage. The storage is
// released (claimed and dropped) when this goes.
class BoundGraph {
 public:
  explicit BoundGraph(const UOp& text_root);
  ~BoundGraph();
  BoundGraph(const BoundGraph&) = delete;
  BoundGraph& operator=(const BoundGraph&) = delete;
  const UOp& root() const { return root_; }

 private:
  UOp root_;
  std::vector<int64_t> uids_;
};

// The graph with its BUFFER uids renumbered first, first + 1, ... in topological order: generated
// text does not depend on how many buffers the process made before.
UOp renumber_buffers(const UOp& root, int64_t first = 0);

}  // namespace anvil::fuzz
