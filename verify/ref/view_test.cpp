// ref's strided views against hand-computed element orders.
#include <gtest/gtest.h>

#include "engine/support/error.h"
#include "verify/ref/ref.h"

namespace anvil::ref {
namespace {

Array iota(const Shape& shape) {
  Array a{dtypes::int32, shape, {}};
  for (int64_t i = 0; i < shape_numel(shape); ++i) a.data.push_back(Value::of_int(i));
  return a;
}

std::vector<int64_t> through(const Array& src, const std::vector<std::pair<Op, std::vector<int64_t>>>& ops) {
  View v = View::contiguous(src.shape);
  for (const auto& [op, arg] : ops) v = v.apply(op, arg);
  return materialize(src, v).ints();
}

TEST(RefView, SingleOps) {
  const Array a = iota({2, 3});  // 0 1 2 / 3 4 5
  EXPECT_EQ(through(a, {{Op::PERMUTE, {1, 0}}}), (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(through(a, {{Op::FLIP, {1}}}), (std::vector<int64_t>{2, 1, 0, 5, 4, 3}));
  EXPECT_EQ(through(a, {{Op::FLIP, {0, 1}}}), (std::vector<int64_t>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(through(a, {{Op::SHRINK, {1, 2, 1, 3}}}), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(through(a, {{Op::PAD, {0, 1, 1, 0}}}), (std::vector<int64_t>{0, 0, 1, 2, 0, 3, 4, 5, 0, 0, 0, 0}));
  EXPECT_EQ(through(iota({2, 1}), {{Op::EXPAND, {2, 3}}}), (std::vector<int64_t>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(through(a, {{Op::RESHAPE, {3, 2}}}), (std::vector<int64_t>{0, 1, 2, 3, 4, 5}));
}

TEST(RefView, ComposedMaskFollowsFlipAndShrink) {
  const Array a = iota({3});  // pad -> [0 0 1 2 0], flip -> [0 2 1 0 0], shrink [1,4) -> [2 1 0]
  EXPECT_EQ(through(a, {{Op::PAD, {1, 1}}, {Op::FLIP, {0}}, {Op::SHRINK, {1, 4}}}), (std::vector<int64_t>{2, 1, 0}));
  EXPECT_EQ(through(a, {{Op::PAD, {2, 0}}, {Op::SHRINK, {0, 2}}}), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(through(iota({1}), {{Op::PAD, {1, 0}}, {Op::SHRINK, {0, 1}}, {Op::EXPAND, {3}}}),
            (std::vector<int64_t>{0, 0, 0}));
}

TEST(RefView, MalformedArgsRaise) {
  const View v = View::contiguous({2, 3});
  EXPECT_THROW(v.apply(Op::PERMUTE, {0, 0}), Error);
  EXPECT_THROW(v.apply(Op::RESHAPE, {4}), Error);
  EXPECT_THROW(v.apply(Op::SHRINK, {0, 3, 0, 1}), Error);
  EXPECT_THROW(v.apply(Op::EXPAND, {2, 6}), Error);
  EXPECT_THROW(v.apply(Op::PERMUTE, {1, 0}).apply(Op::RESHAPE, {6}), Error);  // ref materializes first
}

}  // namespace
}  // namespace anvil::ref
