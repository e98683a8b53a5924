#include <gtest/gtest.h>

#include "engine/tensor/storage.h"
#include "engine/tensor/tensor.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;

TEST(Creation, FromHostDataIsReshapeOfBuffer) {
  Tensor t = Tensor::from(std::vector<float>{1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.dtype(), dtypes::float32);
  ASSERT_EQ(t.uop().op(), Op::RESHAPE);
  const UOp& leaf = t.uop().src(0);
  ASSERT_EQ(leaf.op(), Op::BUFFER);
  EXPECT_EQ(leaf.arg_ints()[1], 6);
  EXPECT_EQ(storage_of(leaf.arg_ints()[0])->count, 6u);
  Tensor flat = Tensor::from(std::vector<int8_t>{1, 2});
  EXPECT_EQ(flat.uop().op(), Op::BUFFER);  // no reshape when the shape is the element count
  EXPECT_EQ(flat.dtype(), dtypes::int8);
}

TEST(Creation, IdenticalLeavesNeverMerge) {
  Tensor a = Tensor::ones({2, 2}), b = Tensor::ones({2, 2});
  ASSERT_EQ(a.uop().src(0).op(), Op::BUFFER);
  EXPECT_NE(a.uop(), b.uop());
  EXPECT_NE(a.uop().src(0).arg_ints()[0], b.uop().src(0).arg_ints()[0]);
  Tensor c = Tensor::from(std::vector<float>{1, 1}), d = Tensor::from(std::vector<float>{1, 1});
  EXPECT_NE(c.uop(), d.uop());
}

TEST(Creation, DtypesAsPyTorch) {
  EXPECT_EQ(Tensor::zeros({2}).dtype(), dtypes::float32);
  EXPECT_EQ(Tensor::full({2}, 3).dtype(), dtypes::int64);
  EXPECT_EQ(Tensor::full({2}, 3.5).dtype(), dtypes::float32);
  EXPECT_EQ(Tensor::full({2}, true).dtype(), dtypes::bool_);
  EXPECT_EQ(Tensor::arange(5).dtype(), dtypes::int64);
  EXPECT_EQ(Tensor::arange(0, 1, 0.25).dtype(), dtypes::float32);
  EXPECT_EQ(Tensor::arange(0, 1, 0.25).shape(), (Shape{4}));
  EXPECT_EQ(Tensor::arange(10, 0, -3).shape(), (Shape{4}));
  EXPECT_EQ(Tensor::eye(2, 3).shape(), (Shape{2, 3}));
  Tensor i8 = Tensor::zeros({3}, dtypes::int8);
  EXPECT_EQ(Tensor::ones_like(i8).dtype(), dtypes::int8);
  EXPECT_EQ(Tensor::full_like(i8, 2, dtypes::float16).dtype(), dtypes::float16);
  EXPECT_EQ(Tensor::scalar(2.5).uop().op(), Op::CONST);
  EXPECT_EQ(Tensor::scalar(2.5).shape(), Shape{});
}

TEST(Creation, Values) {
  EXPECT_EQ(Tensor::arange(1, 10, 3).to_vector<int64_t>(), (std::vector<int64_t>{1, 4, 7}));
  EXPECT_EQ(Tensor::eye(2, 3, dtypes::int32).to_vector<int32_t>(), (std::vector<int32_t>{1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(Tensor::full({2}, 2.7, dtypes::int32).to_vector<int32_t>(), (std::vector<int32_t>{2, 2}));
  EXPECT_EQ(Tensor::arange(0, 1, 0.25).to_vector<float>(), (std::vector<float>{0, 0.25, 0.5, 0.75}));
}

TEST(Creation, Errors) {
  expect_error([] { Tensor::zeros({2, -1}); }, "zeros", {"negative dimension -1", "[2, -1]"});
  expect_error([] { Tensor::from(std::vector<float>{1, 2, 3}, Shape{2, 2}); }, "from", {"3 values", "[2, 2]"});
  expect_error([] { Tensor::arange(0, 5, 0); }, "arange", {"step"});
  expect_error([] { Tensor::arange(5, 0, 1); }, "arange", {"inconsistent"});
  expect_error([] { Tensor::eye(-1); }, "eye", {"non-negative"});
  expect_error([] { Tensor::zeros({2}, dtypes::index); }, "zeros", {"index"});
  expect_error([] { Tensor().neg(); }, "tensor", {"empty tensor handle"});
}

}  // namespace
}  // namespace anvil
