// Bad calls raise anvil::Error naming the op and the shapes or dtypes involved.
#include <gtest/gtest.h>

#include "engine/tensor/tensor.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;

Tensor f23() { return Tensor::zeros({2, 3}); }

TEST(Errors, Broadcast) {
  expect_error([] { f23() + Tensor::zeros({4}); }, "add", {"[2, 3]", "[4]", "broadcast"});
  expect_error([] { Tensor::zeros({2, 3}, dtypes::bool_).where(1, Tensor::zeros({2})); }, "where", {"broadcast"});
  expect_error([] { Tensor::zeros({2}, dtypes::bool_).where(f23(), 0); }, "where", {"broadcast"});
  expect_error([] { Tensor::zeros({2}, dtypes::uint64) + Tensor::zeros({2}, dtypes::int64); }, "add", {"uint64"});
}

TEST(Errors, Dtypes) {
  expect_error([] { f23().bitwise_and(1); }, "bitwise_and", {"float32"});
  expect_error([] { Tensor::zeros({2}, dtypes::int32).bitwise_or(1.5); }, "bitwise_or", {"a number"});
  expect_error([] { f23().bitwise_not(); }, "bitwise_not", {"float32"});
  expect_error([] { Tensor::zeros({2}, dtypes::bool_).neg(); }, "neg", {"bool"});
  expect_error([] { Tensor::zeros({2}, dtypes::bool_) - true; }, "sub", {"bool"});
  expect_error([] { Tensor::zeros({2}, dtypes::bool_).floor_divide(true); }, "floor_divide", {"bool"});
  expect_error([] { Tensor::zeros({2}, dtypes::int64).mean(); }, "mean", {"int64"});
  expect_error([] { f23().where(1, 2); }, "where", {"bool", "float32"});
  expect_error([] { f23().to(dtypes::float32.vec(4)); }, "to", {"float32x4"});
  expect_error([] { f23().clamp(std::nullopt, std::nullopt); }, "clamp", {"min"});
}

TEST(Errors, Axes) {
  expect_error([] { f23().sum(2); }, "sum", {"axis 2", "rank 2"});
  expect_error([] { f23().sum({0, -2}); }, "sum", {"more than once"});
  expect_error([] { f23().max(-3); }, "max", {"axis -3"});
  expect_error([] { Tensor::scalar(1.0).sum(1); }, "sum", {"0-d"});
  expect_error([] { Tensor::zeros({2, 0}).max(1); }, "max", {"size 0", "[2, 0]"});
  expect_error([] { Tensor::zeros({0}).min(); }, "min", {"size 0"});
  expect_error([] { f23().permute({0, 0}); }, "permute", {"more than once"});
  expect_error([] { f23().permute({0}); }, "permute", {"[2, 3]"});
  expect_error([] { f23().transpose(0, 2); }, "transpose", {"axis 2"});
  expect_error([] { f23().flip({5}); }, "flip", {"axis 5"});
  expect_error([] { f23().unsqueeze(4); }, "unsqueeze", {"axis 4"});
  expect_error([] { f23().squeeze(2); }, "squeeze", {"axis 2"});
  expect_error([] { f23().flatten(1, 0); }, "flatten", {"start axis 1"});
  expect_error([] { f23().size(2); }, "size", {"axis 2"});
}

TEST(Errors, Movement) {
  expect_error([] { f23().reshape({4}); }, "reshape", {"[2, 3]", "[4]", "6 elements"});
  expect_error([] { f23().reshape({-1, -1}); }, "reshape", {"only one"});
  expect_error([] { f23().reshape({-1, 4}); }, "reshape", {"-1"});
  expect_error([] { f23().reshape({-2, 3}); }, "reshape", {"negative"});
  expect_error([] { Tensor::zeros({0}).reshape({0, -1}); }, "reshape", {"infer"});
  expect_error([] { f23().expand({4, 3}); }, "expand", {"[2, 3]", "[4, 3]"});
  expect_error([] { f23().expand({3}); }, "expand", {"fewer"});
  expect_error([] { f23().expand({-1, 2, 3}); }, "expand", {"new leading"});
  expect_error([] { f23().pad({{1, 1}}); }, "pad", {"[2, 3]"});
  expect_error([] { f23().pad({{0, 0}, {-2, -2}}); }, "pad", {"crops"});
  expect_error([] { f23().shrink({{0, 3}, {0, 3}}); }, "shrink", {"[0, 3)", "[2, 3]"});
  expect_error([] { f23().shrink({{1, 0}, {0, 3}}); }, "shrink", {"[1, 0)"});
}

TEST(Errors, HugeSizesRaiseInsteadOfOverflowing) {
  expect_error([] { f23().pad({{0, 0}, {INT64_MAX, 1}}); }, "pad", {"too large"});
  expect_error([] { Tensor::zeros({2, 1}).expand({2, INT64_MAX}).expand({3, 2, INT64_MAX}); }, "expand", {"too many"});
  expect_error([] { Tensor::arange(INT64_MIN, INT64_MAX); }, "arange", {"too large"});
  expect_error([] { Tensor::arange(0.0, 1e300, 1e-300); }, "arange", {"too large"});
}

TEST(Errors, Joins) {
  expect_error([] { Tensor::cat({}); }, "cat", {"at least one"});
  expect_error([] { Tensor::cat({f23(), Tensor::zeros({3, 3})}, 1); }, "cat", {"[3, 3]", "axis 1"});
  expect_error([] { Tensor::cat({f23(), Tensor::zeros({2})}); }, "cat", {"[2]"});
  expect_error([] { Tensor::cat({Tensor::scalar(1.0)}); }, "cat", {"0-d"});
  expect_error([] { Tensor::stack({f23(), Tensor::zeros({3, 2})}); }, "stack", {"[3, 2]", "[2, 3]"});
  expect_error([] { Tensor::stack({f23()}, 3); }, "stack", {"axis 3"});
  expect_error([] { f23().matmul(Tensor::zeros({2, 3})); }, "matmul", {"[2, 3] @ [2, 3]", "3 vs 2"});
  expect_error([] { f23().matmul(Tensor::zeros({3, 2}, dtypes::float64)); }, "matmul", {"float32", "float64"});
  expect_error([] { f23().matmul(Tensor::scalar(1.0)); }, "matmul", {"at least one dimension"});
  expect_error([] { Tensor::zeros({2, 2, 3}).matmul(Tensor::zeros({3, 3, 1})); }, "matmul", {"broadcast"});
  expect_error([] { Tensor::zeros({2}, dtypes::bool_).matmul(Tensor::zeros({2}, dtypes::bool_)); }, "matmul", {"bool"});
}

}  // namespace
}  // namespace anvil
