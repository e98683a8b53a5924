// What a contraction has stored first (contraction.h): a transposed operand, a broadcast producer
// that is costly to recompute, and nothing for cheap or padded inputs; the values on every backend
// equal the host's exact sums.
#include "engine/schedule/contraction.h"

#include <gtest/gtest.h>

#include "engine/codegen/opt.h"
#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/symbolic/terms.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

// Multiples of 1/8 in [-6, 6]: products and their sums stay exact in float32 for these sizes.
std::vector<float> eighths(int64_t n, int64_t salt) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(static_cast<int64_t>((i * 7919 + static_cast<size_t>(salt) * 31) % 97) - 48) / 8.0f;
  return v;
}

// The stride of RANGE `id` in every load of `ast` that uses it (1: reads side by side).
std::vector<int64_t> load_strides(const UOp& ast, int64_t id) {
  std::vector<int64_t> out;
  for (const UOp& u : ast.toposort()) {
    if (u.op() != Op::LOAD) continue;
    const std::optional<Sum> sum = decompose(u.src(0).src(1));
    if (!sum) continue;
    for (const Term& t : sum->terms)
      if (t.base.op() == Op::RANGE && t.base.arg_int() == id) out.push_back(static_cast<int64_t>(t.coeff));
  }
  return out;
}

struct Linear {
  int64_t m = 16, k = 64, n = 96;  // W is [n, k]: 6144 elements, above the transposing threshold
  std::vector<float> x = eighths(m * k, 1), w = eighths(n * k, 2);
  double want(int64_t i, int64_t j) const {
    double s = 0;
    for (int64_t c = 0; c < k; ++c) s += double{x[static_cast<size_t>(i * k + c)]} * w[static_cast<size_t>(j * k + c)];
    return s;
  }
};

TEST(Contraction, TransposedOperandIsStoredSoTheTileReadsAlongItsColumns) {
  const Linear l;
  const Tensor x = Tensor::from(l.x, Shape{l.m, l.k}), w = Tensor::from(l.w, Shape{l.n, l.k});
  const std::vector<Kernel> ks = schedule({x.matmul(w.transpose(0, 1)).uop()});
  ASSERT_EQ(ks.size(), 2u) << "W^T stored, then x @ W^T";
  EXPECT_FALSE([&] {
    for (const UOp& u : ks[0].ast.toposort())
      if (u.op() == Op::REDUCE) return true;
    return false;
  }()) << "the first kernel is the transposing copy";
  // The matmul's column loop (the last output loop) reads W^T side by side, x not at all.
  const std::vector<KernelAxis> axes = kernel_axes(ks[1].ast);
  ASSERT_EQ(axes.size(), 3u);
  EXPECT_EQ(load_strides(ks[1].ast, axes[1].id), (std::vector<int64_t>{1}));
  // x @ W (no transpose) and a small W stay one kernel.
  const Tensor wt = Tensor::from(l.w, Shape{l.k, l.n});
  EXPECT_EQ(schedule({x.matmul(wt).uop()}).size(), 1u);
  const Tensor small = Tensor::from(eighths(8 * l.k, 3), Shape{8, l.k});
  EXPECT_EQ(schedule({x.matmul(small.transpose(0, 1)).uop()}).size(), 1u);
  for (const std::string& backend : install_backends()) {
    SCOPED_TRACE(backend);
    const std::vector<float> got = x.to(backend).matmul(w.to(backend).transpose(0, 1)).to_vector<float>();
    ASSERT_EQ(got.size(), static_cast<size_t>(l.m * l.n));
    for (int64_t i = 0; i < l.m; ++i)
      for (int64_t j = 0; j < l.n; ++j)
        ASSERT_EQ(got[static_cast<size_t>(i * l.n + j)], static_cast<float>(l.want(i, j))) << i << ", " << j;
  }
}

// A weight gradient's shape: relu(h + b) of [m, n] broadcast over k columns inside g^T @ x.
TEST(Contraction, CostlyBroadcastProducerIsStoredOnceAndCheapOnesStayFused) {
  const int64_t m = 8, n = 24, k = 32;
  const Tensor h = Tensor::from(eighths(m * n, 4), Shape{m, n}), b = Tensor::from(eighths(n, 5), Shape{n});
  const Tensor x = Tensor::from(eighths(m * k, 6), Shape{m, k});
  const Tensor g = (h + b).relu();
  const std::vector<Kernel> ks = schedule({g.transpose(0, 1).matmul(x).uop()});
  ASSERT_EQ(ks.size(), 2u) << "relu(h + b) once, then the contraction";
  EXPECT_EQ(schedule({(h * 2.0f).transpose(0, 1).matmul(x).uop()}).size(), 1u) << "one read, one op: fused";
  const Tensor x8 = Tensor::from(eighths(m * 8, 6), Shape{m, 8});
  EXPECT_EQ(schedule({(h + b).relu().transpose(0, 1).matmul(x8).uop()}).size(), 1u)
      << "8 columns: a broadcast below kBroadcastRealize stays fused";
  const std::vector<float> hv = eighths(m * n, 4), bv = eighths(n, 5), xv = eighths(m * k, 6);
  for (const std::string& backend : install_backends()) {
    SCOPED_TRACE(backend);
    Tensor on = (h.to(backend) + b.to(backend)).relu().transpose(0, 1).matmul(x.to(backend));
    const std::vector<float> got = on.to_vector<float>();
    for (int64_t j = 0; j < n; ++j)
      for (int64_t c = 0; c < k; ++c) {
        double s = 0;
        for (int64_t i = 0; i < m; ++i)
          s += std::max(0.0, double{hv[static_cast<size_t>(i * n + j)]} + bv[static_cast<size_t>(j)]) *
               xv[static_cast<size_t>(i * k + c)];
        ASSERT_EQ(got[static_cast<size_t>(j * k + c)], static_cast<float>(s)) << j << ", " << c;
      }
  }
}

// A convolution's padded window is not looked through: its tile shares the activated input.
TEST(Contraction, PaddedWindowsKeepTheirProducerFused) {
  const Tensor x = Tensor::from(eighths(3 * 8 * 8, 7), Shape{1, 3, 8, 8});
  const Tensor w1 = Tensor::from(eighths(16 * 27, 8), Shape{16, 3, 3, 3}), b1 = Tensor::from(eighths(16, 9));
  const Tensor w2 = Tensor::from(eighths(32 * 144, 10), Shape{32, 16, 3, 3});
  const std::vector<Kernel> ks = schedule({conv2d(conv2d(x, w1, b1, 1, 1).relu(), w2, std::nullopt, 1, 1).uop()});
  ASSERT_EQ(ks.size(), 2u);
  EXPECT_EQ(ks[0].buffers.size(), 3u) << "the first convolution alone: out, x, w1 (b1 is read in the second's window)";
  EXPECT_EQ(ks[1].buffers.size(), 4u) << "out, conv1, b1, w2";
}

}  // namespace
}  // namespace anvil
