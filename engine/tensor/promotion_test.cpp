// Shapes, dtypes and PyTorch's promotion rules of the graph each op builds.
#include <gtest/gtest.h>

#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

Tensor of(DType d, Shape s = {2, 3}) { return Tensor::zeros(s, d); }

TEST(Promotion, TensorWithTensor) {
  EXPECT_EQ((of(dtypes::int32) + of(dtypes::float16)).dtype(), dtypes::float16);
  EXPECT_EQ((of(dtypes::uint8) + of(dtypes::int8)).dtype(), dtypes::int16);
  EXPECT_EQ((of(dtypes::bool_) + of(dtypes::bool_)).dtype(), dtypes::bool_);
  EXPECT_EQ((of(dtypes::float16) + of(dtypes::bfloat16)).dtype(), dtypes::float32);
  EXPECT_EQ((of(dtypes::int32) * of(dtypes::int64)).dtype(), dtypes::int64);
}

TEST(Promotion, Numbers) {
  EXPECT_EQ((of(dtypes::int32) + 2.5).dtype(), dtypes::float32);
  EXPECT_EQ((of(dtypes::float16) + 2.0).dtype(), dtypes::float16);
  EXPECT_EQ((of(dtypes::bool_) + 1).dtype(), dtypes::int64);
  EXPECT_EQ((of(dtypes::int8) + 1000).dtype(), dtypes::int8);
  EXPECT_EQ((of(dtypes::uint8) + true).dtype(), dtypes::uint8);
  EXPECT_EQ((2.5 - of(dtypes::int32)).dtype(), dtypes::float32);
  EXPECT_EQ((1 - of(dtypes::int16)).dtype(), dtypes::int16);
}

TEST(Promotion, ZeroDimTensorsCountOnlyByCategory) {
  EXPECT_EQ((of(dtypes::int32) + Tensor::scalar(5)).dtype(), dtypes::int32);
  EXPECT_EQ((of(dtypes::float32) + Tensor::scalar(1.0, dtypes::float64)).dtype(), dtypes::float32);
  EXPECT_EQ((of(dtypes::int32) + Tensor::scalar(1.5, dtypes::float64)).dtype(), dtypes::float64);
  EXPECT_EQ((Tensor::scalar(1, dtypes::int32) + 2).dtype(), dtypes::int32);
  EXPECT_EQ(result_type({of(dtypes::uint8), Tensor::scalar(1, dtypes::int64), 2.0}), dtypes::float32);
}

TEST(Promotion, OpFamilies) {
  const Tensor i = of(dtypes::int32), h = of(dtypes::float16);
  EXPECT_EQ(i.div(i).dtype(), dtypes::float32);
  EXPECT_EQ(h.div(2).dtype(), dtypes::float16);
  EXPECT_EQ(i.floor_divide(2).dtype(), dtypes::int32);
  EXPECT_EQ(i.lt(2.5).dtype(), dtypes::bool_);
  EXPECT_EQ(i.logical_and(h).dtype(), dtypes::bool_);
  EXPECT_EQ(i.bitwise_xor(of(dtypes::int64)).dtype(), dtypes::int64);
  EXPECT_EQ(i.exp().dtype(), dtypes::float32);
  EXPECT_EQ(h.exp().dtype(), dtypes::float16);
  EXPECT_EQ(of(dtypes::bool_).sqrt().dtype(), dtypes::float32);
  EXPECT_EQ(i.floor().dtype(), dtypes::int32);
  EXPECT_EQ(i.abs().dtype(), dtypes::int32);
  EXPECT_EQ(i.clamp(0, 2.5).dtype(), dtypes::float32);
  EXPECT_EQ(of(dtypes::bool_).where(i, 1.5).dtype(), dtypes::float32);
  EXPECT_EQ(i.to(dtypes::float64).dtype(), dtypes::float64);
}

TEST(Promotion, ReductionDtypes) {
  EXPECT_EQ(of(dtypes::uint8).sum().dtype(), dtypes::int64);
  EXPECT_EQ(of(dtypes::bool_).sum().dtype(), dtypes::int64);
  EXPECT_EQ(of(dtypes::int32).prod(0).dtype(), dtypes::int64);
  EXPECT_EQ(of(dtypes::float16).sum().dtype(), dtypes::float16);
  EXPECT_EQ(of(dtypes::int32).sum({}, false, dtypes::float32).dtype(), dtypes::float32);
  EXPECT_EQ(of(dtypes::int8).max().dtype(), dtypes::int8);
  EXPECT_EQ(of(dtypes::float16).mean().dtype(), dtypes::float16);
  // float16 accumulates in float32: REDUCE_AXIS names the accumulator, a CAST brings it back.
  const UOp s = of(dtypes::float16).sum(1, true).uop();
  ASSERT_EQ(s.op(), Op::CAST);
  EXPECT_EQ(s.src(0).op(), Op::REDUCE_AXIS);
  EXPECT_EQ(s.src(0).dtype(), dtypes::float32);
}

TEST(Shapes, BroadcastAndReduce) {
  const Tensor a = Tensor::zeros({2, 1, 3}), b = Tensor::zeros({4, 1});
  EXPECT_EQ((a + b).shape(), (Shape{2, 4, 3}));
  EXPECT_EQ((a + 1).shape(), (Shape{2, 1, 3}));
  EXPECT_EQ(a.sum().shape(), Shape{});
  EXPECT_EQ(a.sum({0, -1}).shape(), (Shape{1}));
  EXPECT_EQ(a.sum({0, -1}, true).shape(), (Shape{1, 1, 1}));
  EXPECT_EQ(a.max(-1).shape(), (Shape{2, 1}));
  EXPECT_EQ(Tensor::scalar(1.0).sum(0).shape(), Shape{});
}

TEST(Shapes, Movement) {
  const Tensor a = Tensor::zeros({2, 3, 4});
  EXPECT_EQ(a.reshape({4, -1}).shape(), (Shape{4, 6}));
  EXPECT_EQ(a.permute({2, 0, 1}).shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(a.transpose().shape(), (Shape{2, 4, 3}));
  EXPECT_EQ(Tensor::zeros({3, 1}).expand({2, -1, 5}).shape(), (Shape{2, 3, 5}));
  EXPECT_EQ(a.pad({{1, 0}, {0, 0}, {2, -1}}).shape(), (Shape{3, 3, 5}));
  EXPECT_EQ(a.shrink({{0, 1}, {1, 3}, {0, 4}}).shape(), (Shape{1, 2, 4}));
  EXPECT_EQ(a.slice(-1, -3, std::nullopt).shape(), (Shape{2, 3, 3}));
  EXPECT_EQ(a.slice(1, 5, 9).shape(), (Shape{2, 0, 4}));
  EXPECT_EQ(a.flatten().shape(), (Shape{24}));
  EXPECT_EQ(a.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(Tensor::zeros({1, 3, 1}).squeeze().shape(), (Shape{3}));
  EXPECT_EQ(Tensor::zeros({1, 3, 1}).squeeze(1).shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(a.unsqueeze(-1).shape(), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(Tensor::cat({a, a}, 1).shape(), (Shape{2, 6, 4}));
  EXPECT_EQ(Tensor::stack({a, a}, -1).shape(), (Shape{2, 3, 4, 2}));
  EXPECT_EQ(Tensor::cat({Tensor::zeros({2}, dtypes::int32), Tensor::zeros({1})}).dtype(), dtypes::float32);
}

TEST(Shapes, Matmul) {
  EXPECT_EQ(Tensor::zeros({2, 3}).matmul(Tensor::zeros({3, 4})).shape(), (Shape{2, 4}));
  EXPECT_EQ(Tensor::zeros({5, 1, 2, 3}).matmul(Tensor::zeros({4, 3, 2})).shape(), (Shape{5, 4, 2, 2}));
  EXPECT_EQ(Tensor::zeros({3}).matmul(Tensor::zeros({3, 4})).shape(), (Shape{4}));
  EXPECT_EQ(Tensor::zeros({2, 3}).matmul(Tensor::zeros({3})).shape(), (Shape{2}));
  EXPECT_EQ(Tensor::zeros({3}).matmul(Tensor::zeros({3})).shape(), Shape{});
  EXPECT_EQ(Tensor::zeros({2, 3}, dtypes::int32).matmul(Tensor::zeros({3, 2}, dtypes::int32)).dtype(), dtypes::int32);
}

TEST(Graph, ConventionsHold) {
  // Constants are CONST -> RESHAPE -> EXPAND; broadcasting is RESHAPE then EXPAND; promotion is CAST.
  const Tensor a = Tensor::zeros({2, 3}, dtypes::int32);
  const UOp sum = (a + 1).uop();
  ASSERT_EQ(sum.op(), Op::ADD);
  const UOp& c = sum.src(1);
  ASSERT_EQ(c.op(), Op::EXPAND);
  ASSERT_EQ(c.src(0).op(), Op::RESHAPE);
  EXPECT_EQ(*c.src(0).shape(), (Shape{1, 1}));
  EXPECT_EQ(c.src(0).src(0).op(), Op::CONST);
  const UOp mixed = (a + Tensor::zeros({3}, dtypes::float32)).uop();
  EXPECT_EQ(mixed.src(0).op(), Op::CAST);
  EXPECT_EQ(mixed.src(1).op(), Op::EXPAND);
  // Every node of a composite graph has a shape.
  const Tensor g = Tensor::cat({a.exp(), a.sigmoid().pad({{1, 1}, {0, 0}}, 2.0).shrink({{1, 3}, {0, 3}})}, 0).mean(1);
  for (const UOp& u : g.uop().toposort()) EXPECT_TRUE(u.shape().has_value()) << u.brief();
}

}  // namespace
}  // namespace anvil
