// Integer-tensor indexing, cumulative ops and in-place updates: values, the defined values for
// out-of-range indices, kernel counts, and each ordering rule of tensor.h's in-place section.
#include <gtest/gtest.h>

#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/tensor.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;

class Indexing : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
  void TearDown() override { set_realizer(nullptr); }  // other suites expect none at start
};

Tensor f32(std::vector<float> v, std::optional<Shape> s = std::nullopt) { return Tensor::from(v, s); }
Tensor i64(std::vector<int64_t> v, std::optional<Shape> s = std::nullopt) { return Tensor::from(v, s); }
std::vector<float> fv(Tensor t) { return t.to_vector<float>(); }
std::vector<int64_t> iv(Tensor t) { return t.to_vector<int64_t>(); }

TEST_F(Indexing, Gather) {
  const Tensor x = f32({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(fv(x.gather(1, i64({2, 0, 1, 1}, Shape{2, 2}))), (std::vector<float>{3, 1, 5, 5}));
  EXPECT_EQ(fv(x.gather(0, i64({1, 0, 1}, Shape{1, 3}))), (std::vector<float>{4, 2, 6}));
  EXPECT_EQ(fv(x.gather(-1, i64({2}, Shape{1, 1}))), (std::vector<float>{3}));
  // Out of range (and negative) selects nothing: 0.
  EXPECT_EQ(fv(x.gather(1, i64({3, -1}, Shape{1, 2}))), (std::vector<float>{0, 0}));
}

TEST_F(Indexing, IndexSelectEmbeddingOneHot) {
  const Tensor x = f32({1, 2, 3, 4, 5, 6}, Shape{3, 2});
  EXPECT_EQ(fv(x.index_select(0, i64({2, 0, 2}))), (std::vector<float>{5, 6, 1, 2, 5, 6}));
  EXPECT_EQ(fv(x.index_select(1, Tensor::from(std::vector<int32_t>{1}))), (std::vector<float>{2, 4, 6}));
  EXPECT_EQ(fv(embedding(i64({1, 1, 0, 2}, Shape{2, 2}), x)), (std::vector<float>{3, 4, 3, 4, 1, 2, 5, 6}));
  EXPECT_EQ(embedding(i64({1, 1, 0, 2}, Shape{2, 2}), x).shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(iv(i64({0, 2}).one_hot(3)), (std::vector<int64_t>{1, 0, 0, 0, 0, 1}));
  EXPECT_EQ(i64({0, 3}).one_hot().shape(), (Shape{2, 4}));                           // -1 infers max + 1
  EXPECT_EQ(iv(i64({-1, 5}).one_hot(3)), (std::vector<int64_t>{0, 0, 0, 0, 0, 0}));  // out of range: no class
}

TEST_F(Indexing, AdvancedIndex) {
  const Tensor x = Tensor::arange(24).reshape({2, 3, 4});
  EXPECT_EQ(iv(x.index({Tensor(i64({1, -1}))})), iv(Tensor::cat({x.slice(0, 1, 2), x.slice(0, 1, 2)})));
  EXPECT_EQ(iv(x.index({Slice{}, i64({2, 0}), int64_t{1}})), (std::vector<int64_t>{9, 1, 21, 13}));
  // Adjacent index tensors broadcast: x[[0, 1], [2, 0]] -> rows (0,2) and (1,0).
  EXPECT_EQ(iv(x.index({i64({0, 1}), i64({2, 0})})), (std::vector<int64_t>{8, 9, 10, 11, 12, 13, 14, 15}));
  // Not adjacent: the indexed dims go first, [2] + [3].
  const Tensor y = x.index({i64({0, 1}), Slice{}, i64({3, 0})});
  EXPECT_EQ(y.shape(), (Shape{2, 3}));
  EXPECT_EQ(iv(y), (std::vector<int64_t>{3, 7, 11, 12, 16, 20}));
  // Negative values wrap once (as PyTorch); outside [-n, n) they select nothing: 0.
  EXPECT_EQ(iv(x.index({i64({-2, -3, 2}), int64_t{0}, int64_t{0}})), (std::vector<int64_t>{0, 0, 0}));
  EXPECT_EQ(iv(x.index({i64({-1, -2}), int64_t{2}, int64_t{3}})), (std::vector<int64_t>{23, 11}));
  // index_select takes [0, n) only (PyTorch raises on negatives): -1 selects nothing.
  EXPECT_EQ(iv(x.index_select(0, i64({-1})).sum()), (std::vector<int64_t>{0}));
}

TEST_F(Indexing, ScatterFamily) {
  const Tensor z = Tensor::zeros({2, 3});
  const Tensor src = f32({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(fv(z.scatter(1, i64({2, 0}, Shape{2, 1}), src)), (std::vector<float>{0, 0, 1, 4, 0, 0}));
  EXPECT_EQ(fv(z.scatter(0, i64({1, 0, 1}, Shape{1, 3}), 7.0)), (std::vector<float>{0, 7, 0, 7, 0, 7}));
  // Duplicates: scatter keeps the last writer, scatter_add sums them.
  EXPECT_EQ(fv(z.scatter(1, i64({1, 1, 1}, Shape{1, 3}), src)), (std::vector<float>{0, 3, 0, 0, 0, 0}));
  EXPECT_EQ(fv(z.scatter_add(1, i64({1, 1, 1}, Shape{1, 3}), src)), (std::vector<float>{0, 6, 0, 0, 0, 0}));
  const Tensor o = Tensor::ones({3});
  const Tensor s = f32({2, 5, 3});
  const Tensor idx = i64({0, 0, 2});
  EXPECT_EQ(fv(o.scatter_reduce(0, idx, s, "prod")), (std::vector<float>{10, 1, 3}));
  EXPECT_EQ(fv(o.scatter_reduce(0, idx, s, "amax", false)), (std::vector<float>{5, 1, 3}));
  EXPECT_EQ(fv(o.scatter_reduce(0, idx, s, "amin")), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(fv(o.scatter_reduce(0, idx, s, "mean")), (std::vector<float>{8.0f / 3, 1, 2}));
  EXPECT_EQ(fv(o.scatter_reduce(0, idx, s, "mean", false)), (std::vector<float>{3.5, 1, 3}));
  // Out of range writes nothing.
  EXPECT_EQ(fv(o.scatter(0, i64({3}), f32({9}))), (std::vector<float>{1, 1, 1}));
  // Bool scatter_add is a logical or (PyTorch's bool sum saturates at true).
  const Tensor b = Tensor::from(std::vector<bool>{false, false, true});
  const Tensor bs = Tensor::from(std::vector<bool>{true, true, false});
  EXPECT_EQ(b.scatter_add(0, i64({0, 0, 2}), bs).to_vector<bool>(), (std::vector<bool>{true, false, true}));
  // An empty index leaves the input, and the source still gets a (zero) gradient, as PyTorch.
  Tensor src_g = f32({1, 2});
  src_g.requires_grad_();
  const Tensor empty = Tensor::zeros({0}, dtypes::int64);
  o.scatter_add(0, empty, src_g).sum().backward();
  ASSERT_TRUE(src_g.grad().has_value());
  EXPECT_EQ(fv(*src_g.grad()), (std::vector<float>{0, 0}));
  EXPECT_EQ(fv(o.scatter_reduce(0, empty, s, "amax")), (std::vector<float>{1, 1, 1}));
}

TEST_F(Indexing, Cumulative) {
  const Tensor x = i64({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(iv(x.cumsum(1)), (std::vector<int64_t>{1, 3, 6, 4, 9, 15}));
  EXPECT_EQ(iv(x.cumprod(0)), (std::vector<int64_t>{1, 2, 3, 4, 10, 18}));
  EXPECT_EQ(Tensor::zeros({3}, dtypes::int8).cumsum(0).dtype(), dtypes::int64);
  EXPECT_EQ(Tensor::zeros({3}, dtypes::bool_).cumprod(0).dtype(), dtypes::int64);
  // cumprod's gradient at a zero: d/dx1 of x0 + x0 x1 + x0 x1 x2 at (2, 0, 3) = 2 + 6.
  Tensor p = f32({2, 0, 3});
  p.requires_grad_();
  p.cumprod(0).sum().backward();
  EXPECT_EQ(fv(*p.grad()), (std::vector<float>{1, 8, 0}));
}

TEST_F(Indexing, KernelCounts) {
  const Tensor x = f32({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(schedule({x.gather(1, i64({2, 0, 1, 1}, Shape{2, 2})).uop()}).size(), 1u);
  EXPECT_EQ(schedule({x.cumsum(1).uop()}).size(), 1u);
}

TEST_F(Indexing, SetitemOrdering) {
  Tensor t = f32({1, 2, 3, 4}, Shape{2, 2});
  Tensor copy = t;                            // the same handle: sees the update
  const Tensor before = t + 0;                // computed before: keeps the old value
  const Tensor view = t.index({int64_t{0}});  // a view taken before: keeps the old value (not PyTorch's alias)
  t.setitem({int64_t{0}, int64_t{1}}, 9);
  const Tensor after = t + 0;  // computed after: sees the new value
  EXPECT_EQ(fv(t), (std::vector<float>{1, 9, 3, 4}));
  EXPECT_EQ(fv(copy), (std::vector<float>{1, 9, 3, 4}));
  EXPECT_EQ(fv(before), (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(fv(view), (std::vector<float>{1, 2}));
  EXPECT_EQ(fv(after), (std::vector<float>{1, 9, 3, 4}));
  // Updating a view does not write through to its base.
  Tensor row = t.index({int64_t{1}});
  row.setitem({int64_t{0}}, 0);
  EXPECT_EQ(fv(row), (std::vector<float>{0, 4}));
  EXPECT_EQ(fv(t), (std::vector<float>{1, 9, 3, 4}));
  // Slices, tensors and broadcasting values.
  t.setitem({Slice{}, int64_t{0}}, f32({7, 8}));
  EXPECT_EQ(fv(t), (std::vector<float>{7, 9, 8, 4}));
  t.index_put_({i64({1, 1})}, f32({1, 1}), true);
  EXPECT_EQ(fv(t), (std::vector<float>{7, 9, 10, 6}));
  t.index_put_({i64({0, 0}), i64({1, 1})}, f32({5, 6}));  // duplicates: the last wins
  EXPECT_EQ(fv(t), (std::vector<float>{7, 6, 10, 6}));
  t.masked_fill_(Tensor::from(std::vector<bool>{true, false}), -1.0);
  EXPECT_EQ(fv(t), (std::vector<float>{-1, 6, -1, 6}));
  t.assign(f32({0, 1, 2, 3}, Shape{2, 2}));
  EXPECT_EQ(fv(t), (std::vector<float>{0, 1, 2, 3}));
  expect_error([&] { t.assign(f32({0, 1})); }, "assign", {"[2]", "[2, 2]"});
  expect_error([&] { t.setitem({int64_t{0}}, f32({1, 2, 3})); }, "setitem", {"[3]"});
}

TEST_F(Indexing, InPlaceAutograd) {
  Tensor leaf = f32({1, 2, 3});
  leaf.requires_grad_();
  expect_error([&] { leaf.setitem({int64_t{0}}, 5); }, "setitem", {"leaf"});
  expect_error([&] { leaf.assign(f32({0, 0, 0})); }, "assign", {"leaf"});
  // A non-leaf: the gradient reaches the old value where not overwritten, and the written values.
  Tensor v = f32({10});
  v.requires_grad_();
  Tensor y = leaf * 2;
  y.setitem({int64_t{1}}, v);
  (y * f32({1, 10, 100})).sum().backward();
  EXPECT_EQ(fv(*leaf.grad()), (std::vector<float>{2, 0, 200}));
  EXPECT_EQ(fv(*v.grad()), (std::vector<float>{10}));
}

}  // namespace
}  // namespace anvil
