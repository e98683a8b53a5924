#include "engine/ir/shape.h"

#include <gtest/gtest.h>

namespace anvil {
namespace {

UOp buffer(int64_t uid, int64_t count) {
  return UOp::make(Op::BUFFER, dtypes::float32, {}, std::vector<int64_t>{uid, count});
}
UOp move(Op op, const UOp& x, std::vector<int64_t> arg) { return UOp::make(op, x.dtype(), {x}, std::move(arg)); }

TEST(Shape, MovementOps) {
  UOp b = move(Op::RESHAPE, buffer(1, 24), {2, 3, 4});
  EXPECT_EQ(*b.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(*move(Op::PERMUTE, b, {2, 0, 1}).shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(*move(Op::PAD, b, {1, 0, 0, 2, 3, 3}).shape(), (Shape{3, 5, 10}));
  EXPECT_EQ(*move(Op::SHRINK, b, {0, 1, 1, 3, 0, 4}).shape(), (Shape{1, 2, 4}));
  EXPECT_EQ(*move(Op::FLIP, b, {0, 2}).shape(), (Shape{2, 3, 4}));
  UOp one = move(Op::RESHAPE, b, {2, 1, 12});
  EXPECT_EQ(*move(Op::EXPAND, one, {2, 5, 12}).shape(), (Shape{2, 5, 12}));
}

TEST(Shape, MalformedNodesHaveNone) {
  UOp b = move(Op::RESHAPE, buffer(2, 24), {2, 3, 4});
  EXPECT_FALSE(move(Op::RESHAPE, b, {5, 5}).shape());             // element count changes
  EXPECT_FALSE(move(Op::PERMUTE, b, {0, 0, 1}).shape());          // not a permutation
  EXPECT_FALSE(move(Op::EXPAND, b, {2, 6, 4}).shape());           // expands a dim that is not 1
  EXPECT_FALSE(move(Op::SHRINK, b, {0, 3, 0, 3, 0, 4}).shape());  // past the end
  EXPECT_FALSE(move(Op::PAD, b, {-1, 0, 0, 0, 0, 0}).shape());
  EXPECT_FALSE(move(Op::FLIP, b, {3}).shape());
  EXPECT_FALSE(move(Op::PAD, b, {INT64_MAX, 1, 0, 0, 0, 0}).shape());  // overflows int64
  UOp huge = move(Op::RESHAPE, buffer(6, 1), {1});
  EXPECT_FALSE(move(Op::RESHAPE, huge, {INT64_MAX, INT64_MAX}).shape());
  UOp other = move(Op::RESHAPE, buffer(3, 24), {4, 6});
  EXPECT_FALSE(UOp::make(Op::ADD, dtypes::float32, {b, other}).shape());  // elementwise needs one shape
}

TEST(Shape, ElementwiseAndReduce) {
  UOp a = move(Op::RESHAPE, buffer(4, 6), {2, 3});
  UOp b = move(Op::RESHAPE, buffer(5, 6), {2, 3});
  UOp sum = UOp::make(Op::ADD, dtypes::float32, {a, b});
  EXPECT_EQ(*sum.shape(), (Shape{2, 3}));
  UOp r = UOp::make(Op::REDUCE_AXIS, dtypes::float32, {sum}, ReduceArg{Op::ADD, {1}});
  EXPECT_EQ(*r.shape(), (Shape{2, 1}));
  EXPECT_EQ(*UOp::constant(dtypes::index, 3).shape(), Shape{});
  EXPECT_EQ(shape_numel({2, 0, 5}), 0);
  EXPECT_EQ(shape_str({2, 3}), "[2, 3]");
}

TEST(Shape, KernelNodesHaveNone) {
  UOp g = UOp::make(Op::DEFINE_GLOBAL, dtypes::float32.ptr(AddrSpace::Global, 4), {}, int64_t{0});
  EXPECT_FALSE(g.shape());
}

}  // namespace
}  // namespace anvil
