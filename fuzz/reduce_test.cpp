// The reducers' cores under a fake bug (a predicate), so the checks are deterministic: a reduced
// case still "fails", is never larger than the input, and is minimal for the predicate.
#include "fuzz/lib/reduce.h"

#include <gtest/gtest.h>

#include "engine/ir/shape.h"
#include "engine/ir/text.h"
#include "fuzz/lib/gen_tensor.h"
#include "fuzz/lib/graph_edit.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/source.h"

namespace anvil::fuzz {
namespace {

// The fake bug: a FLIP directly above a PAD.
bool flip_over_pad(const UOp& root) {
  if (!graph_acceptable(root)) return false;
  for (const UOp& u : root.toposort())
    if (u.op() == Op::FLIP && u.src(0).op() == Op::PAD) return true;
  return false;
}

// Noise around the fake bug: two leaves, broadcasts, a reduce, casts.
constexpr const char* kFlipOverPad = R"(%0 = BUFFER float32 [0, 24]
%1 = RESHAPE float32 (%0) [2, 3, 4]
%2 = BUFFER float32 [1, 12]
%3 = RESHAPE float32 (%2) [1, 3, 4]
%4 = EXPAND float32 (%3) [2, 3, 4]
%5 = ADD float32 (%1, %4)
%6 = EXP2 float32 (%5)
%7 = PAD float32 (%6) [0, 0, 1, 1, 0, 2]
%8 = FLIP float32 (%7) [0, 2]
%9 = REDUCE_AXIS float32 (%8) ADD [1]
%10 = CAST int32 (%9)
%11 = CAST float32 (%10)
%12 = MUL float32 (%11, %11)
)";

TEST(GraphReducer, FlipOverPadReducesToMinimal) {
  const UOp root = parse_one(kFlipOverPad);
  ASSERT_TRUE(flip_over_pad(root));
  const UOp reduced = reduce_graph_with(root, flip_over_pad);
  std::printf("%zu nodes -> %zu nodes:\n%s", node_count(root), node_count(reduced), to_text(reduced).c_str());
  EXPECT_TRUE(flip_over_pad(reduced));
  // A leaf (BUFFER + RESHAPE to rank 3, or a scalar CONST), the PAD and the FLIP.
  EXPECT_LE(node_count(reduced), 4u);
  // Every size the leaf had is shrunk to 1; only the PAD's widths remain.
  for (const UOp& u : reduced.toposort())
    if (u.op() == Op::BUFFER) EXPECT_EQ(u.arg_ints()[1], 1);
}

TEST(GraphReducer, KeepsThePredicateAndNeverGrows) {
  // Fake bug: the graph still has a node of the original root's op and at least one node of
  // four elements or more, so both node deletion and shape shrinking are constrained.
  for (uint64_t seed = 0; seed < 40; ++seed) {
    SeededSource src(seed);
    const UOp root = renumber_buffers(parse_one(kGraphTarget.generate(src)));
    const Op op = root.op();
    auto fails = [&](const UOp& g) {
      if (!graph_acceptable(g)) return false;
      bool has_op = false, has_big = false;
      for (const UOp& u : g.toposort()) {
        has_op |= u.op() == op;
        has_big |= shape_numel(*u.shape()) >= 4;
      }
      return has_op && has_big;
    };
    if (!fails(root)) continue;
    const UOp reduced = reduce_graph_with(root, fails);
    EXPECT_TRUE(fails(reduced)) << "seed " << seed << "\n" << to_text(reduced);
    EXPECT_LE(node_count(reduced), node_count(root)) << "seed " << seed;
    EXPECT_LE(graph_elements(reduced), graph_elements(root)) << "seed " << seed;
  }
}

TEST(GraphReducer, ShrinkDimRewritesArgsConsistently) {
  const UOp root = parse_one(R"(%0 = BUFFER int32 [0, 8]
%1 = RESHAPE int32 (%0) [2, 4]
%2 = BUFFER int32 [1, 4]
%3 = RESHAPE int32 (%2) [1, 4]
%4 = EXPAND int32 (%3) [2, 4]
%5 = ADD int32 (%1, %4)
%6 = SHRINK int32 (%5) [0, 2, 0, 4]
)");
  const UOp smaller = shrink_dim(root, 4, 2);
  ASSERT_TRUE(smaller);
  EXPECT_EQ(*smaller.shape(), (Shape{2, 2}));  // the full-range SHRINK follows the new size
  for (const UOp& u : smaller.toposort()) {
    if (u.op() == Op::BUFFER) EXPECT_EQ(u.arg_ints()[1], u.arg_ints()[0] == 0 ? 4 : 2);
    if (u.op() == Op::EXPAND) EXPECT_EQ(u.arg_ints(), (std::vector<int64_t>{2, 2}));
  }
  // A partial range is clamped into the new size: [1, 3) of 4 becomes [1, 2) of 2.
  const UOp partial = shrink_dim(parse_one(R"(%0 = BUFFER int32 [0, 8]
%1 = RESHAPE int32 (%0) [2, 4]
%2 = SHRINK int32 (%1) [0, 2, 1, 3]
)"),
                                 4, 2);
  ASSERT_TRUE(partial);
  EXPECT_EQ(partial.arg_ints(), (std::vector<int64_t>{0, 2, 1, 2}));
}

TEST(ShapeReducer, FlipAfterPadReducesToMinimal) {
  MoveChain chain{dtypes::int32,
                  24,
                  {{Op::RESHAPE, {2, 3, 4}},
                   {Op::PERMUTE, {2, 0, 1}},
                   {Op::PAD, {0, 1, 1, 0, 0, 0}},
                   {Op::FLIP, {1}},
                   {Op::SHRINK, {0, 2, 0, 3, 1, 3}},
                   {Op::EXPAND, {2, 3, 2}}}};
  auto fails = [](const MoveChain& c) {
    for (size_t i = 0; i + 1 < c.steps.size(); ++i)
      if (c.steps[i].op == Op::PAD && c.steps[i + 1].op == Op::FLIP) return true;
    return false;
  };
  ASSERT_TRUE(fails(repair_chain(chain)));
  const MoveChain reduced = reduce_chain_with(chain, fails);
  EXPECT_TRUE(fails(reduced));
  // The PAD and the FLIP, after the RESHAPE that gives FLIP's axis 1 a rank; an empty leaf.
  EXPECT_LE(reduced.steps.size(), 3u) << to_text(chain_graph(reduced));
  EXPECT_EQ(reduced.count, 0);
}

}  // namespace
}  // namespace anvil::fuzz
