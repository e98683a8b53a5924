// Deterministic oracles for what random programs rarely reach in a short run: every integer op on
// the edges of its dtype (minimum, maximum, negative operands of modulo and shifts), float -> int
// casts of NaN, infinities and out-of-range values, reductions whose answer needs the dtype's own
// identity (a max over negative integers), contractions and copies at shapes the heuristic tiles,
// half-precision sums long enough that a half accumulator would lose the answer, and two draws of
// the random stream that must not share counters.
//
// Each graph runs on the default backend (ANVIL_BACKEND: CTest and `anvil check` run it once per
// backend) and is compared with ref (verify/ref: op by op on host arrays, no scheduler, symbolic or
// codegen code) by the tolerance rule of the graph fuzzer (fuzz/lib/tolerance.h): integers and
// bools exactly, floats within the bound, NaN only against NaN, poison in ref accepting anything.
// The results of one dtype are stacked into one tensor, so each dtype costs one or two kernels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "engine/ir/buffer.h"
#include "engine/ir/dtype.h"
#include "engine/runtime/realize.h"
#include "engine/tensor/tensor.h"
#include "fuzz/lib/compare.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/tolerance.h"
#include "verify/ref/ref.h"

namespace anvil {
namespace {

const Scalar kInts[] = {Scalar::Int8,  Scalar::Int16,  Scalar::Int32,  Scalar::Int64,
                        Scalar::UInt8, Scalar::UInt16, Scalar::UInt32, Scalar::UInt64};
const Scalar kFloats[] = {Scalar::Float16, Scalar::BFloat16, Scalar::Float32, Scalar::Float64};

DType dt(Scalar s) { return DType{s}; }

// `t` on the default backend against ref, element by element (`what` names the graph in a failure).
// `terms`: the elements accumulated into one output element, for the float bound.
void expect_matches_ref(const Tensor& t, const std::string& what, int64_t terms = 1) {
  const ref::Array want = ref::evaluate(t.uop());  // before realizing: afterwards the graph is a buffer
  Tensor got_t = t;
  const Buffer got = got_t.to_buffer();
  const Scalar s = t.dtype().scalar;
  ASSERT_EQ(got.count, want.data.size()) << what;
  fuzz::Tolerance tol{s, terms, 0, fuzz::math_factor(t.uop(), default_backend())};
  if (is_float(s))
    for (const Value& w : want.data)
      if (!w.poison && std::isfinite(w.f)) tol.scale = std::max(tol.scale, std::fabs(w.f));
  int shown = 0;
  for (size_t i = 0; i < want.data.size() && shown < 5; ++i) {
    const Value& w = want.data[i];
    const Value g = got.get(i);
    if (w.poison) continue;
    const bool ok = !g.poison && (is_float(s) ? tol.close(g.f, w.f) : g.i == w.i);
    if (ok) continue;
    ++shown;
    ADD_FAILURE() << what << " on " << default_backend() << ": element " << i << " "
                  << fuzz::index_text(static_cast<int64_t>(i), t.shape()) << " of " << name(t.dtype()) << " "
                  << shape_str(t.shape()) << ": got " << fuzz::value_text(s, g) << ", ref " << fuzz::value_text(s, w);
  }
}

// The edge values of an integer dtype, as int64 (uint64's top half as the bits it wraps to).
std::vector<int64_t> int_edges(Scalar s) {
  const int b = bits(s);
  std::vector<int64_t> v = {0, 1, 2, 3, 7, 8, 9, 13};
  if (is_unsigned(s)) {
    const uint64_t max = b == 64 ? ~uint64_t{0} : (uint64_t{1} << b) - 1;
    for (uint64_t x : {max, max - 1, max / 2, max / 2 + 1}) v.push_back(static_cast<int64_t>(x));
  } else {
    const int64_t max = b == 64 ? std::numeric_limits<int64_t>::max() : (int64_t{1} << (b - 1)) - 1;
    for (int64_t x :
         {max, max - 1, -max - 1, -max, int64_t{-1}, int64_t{-2}, int64_t{-3}, int64_t{-7}, int64_t{-8}, int64_t{-9}})
      v.push_back(x);
  }
  return v;
}

// The two operands of every pair of edge values: a grid n x n, rows from `a`, columns from `b`.
std::pair<Tensor, Tensor> grid(Scalar s, const std::vector<int64_t>& v) {
  const int64_t n = static_cast<int64_t>(v.size());
  const Tensor x = Tensor::from(v).to(dt(s));
  return {x.reshape({n, 1}).expand({n, n}).contiguous(), x.reshape({1, n}).expand({n, n}).contiguous()};
}

// Every binary integer op on every pair of edge values, and shifts by every count in [0, bits).
TEST(Edges, IntegerOpsOnEdgeValues) {
  install_interp_realizer();
  for (Scalar s : kInts) {
    const auto [a, b] = grid(s, int_edges(s));
    // floor_divide and remainder by 0 are poison in ref (any value passes there).
    const std::vector<Tensor> arith = {a.add(b),        a.sub(b),         a.mul(b),     a.floor_divide(b),
                                       a.remainder(b),  a.maximum(b),     a.minimum(b), a.bitwise_and(b),
                                       a.bitwise_or(b), a.bitwise_xor(b), a.neg(),      a.abs(),
                                       a.bitwise_not()};
    expect_matches_ref(Tensor::stack(arith), "integer arithmetic of " + name(s));
    const std::vector<Tensor> cmp = {a.lt(b), a.le(b), a.eq(b), a.ne(b), a.gt(b), a.ge(b)};
    expect_matches_ref(Tensor::stack(cmp), "integer comparisons of " + name(s));
    std::vector<int64_t> counts(static_cast<size_t>(bits(s)));
    for (size_t i = 0; i < counts.size(); ++i) counts[i] = static_cast<int64_t>(i);
    const Tensor x = Tensor::from(int_edges(s)).to(dt(s)).reshape({-1, 1});
    const Tensor c = Tensor::from(counts).to(dt(s)).reshape({1, -1});
    expect_matches_ref(Tensor::stack({x.bitwise_left_shift(c), x.bitwise_right_shift(c)}), "shifts of " + name(s));
  }
}

// Every binary float op and comparison on every pair of float edge values (NaN, infinities, signed
// zeros, the largest and smallest values, halves), per float dtype: NaN != NaN is true, NaN < x false.
TEST(Edges, FloatOpsOnEdgeValues) {
  install_interp_realizer();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> v = {NAN, inf, -inf, 0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 1e-30, 65504.0, 1e38, -1e300};
  const int64_t n = static_cast<int64_t>(v.size());
  for (Scalar f : kFloats) {
    const Tensor x = Tensor::from(v).to(dt(f));
    const Tensor a = x.reshape({n, 1}).expand({n, n}).contiguous(), b = x.reshape({1, n}).expand({n, n}).contiguous();
    expect_matches_ref(Tensor::stack({a.add(b), a.sub(b), a.mul(b), a.div(b), a.maximum(b), a.minimum(b), a.neg()}),
                       "float arithmetic of " + name(f));
    expect_matches_ref(Tensor::stack({a.lt(b), a.le(b), a.eq(b), a.ne(b), a.gt(b), a.ge(b)}),
                       "float comparisons of " + name(f));
  }
}

// Casts from every float dtype to every integer dtype and bool (saturating, NaN -> 0), and from every
// integer dtype to every other and to the floats, on values at and beyond each range's ends.
TEST(Edges, CastsOfOutOfRangeValues) {
  install_interp_realizer();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> fv = {NAN,  inf,   -inf,  0.0,    -0.0,   0.5,   -0.5,  0.99, -0.99, 1.5,   -1.5,   2.5,
                                  -2.5, 127.5, 128.0, -128.5, -129.0, 255.9, 256.0, -1.0, 3e4,   -3e4,  65535., 65536.,
                                  4e9,  -4e9,  3e18,  -3e18,  1e19,   2e19,  -1e19, 1e30, -1e30, 1e300, -1e300};
  for (Scalar f : kFloats) {
    const Tensor x = Tensor::from(fv).to(dt(f));
    std::vector<Tensor> out;
    for (Scalar s : kInts) out.push_back(x.to(dt(s)).to(dtypes::int64));
    out.push_back(x.to(dtypes::bool_).to(dtypes::int64));
    expect_matches_ref(Tensor::stack(out), "casts of " + name(f) + " to the integers");
  }
  for (Scalar from : kInts) {
    const Tensor x = Tensor::from(int_edges(from)).to(dt(from));
    std::vector<Tensor> ints, floats;
    for (Scalar s : kInts) ints.push_back(x.to(dt(s)).to(dtypes::int64));
    for (Scalar f : kFloats) floats.push_back(x.to(dt(f)).to(dtypes::float64));
    expect_matches_ref(Tensor::stack(ints), "casts of " + name(from) + " to the integers");
    expect_matches_ref(Tensor::stack(floats), "casts of " + name(from) + " to the floats");
  }
}

// Reductions whose answer depends on the identity they start from: max of negative integers, min of
// values at the dtype's maximum, products and sums that wrap, and float max/min over -inf and NaN.
TEST(Edges, ReductionsOfExtremes) {
  install_interp_realizer();
  for (Scalar s : kInts) {
    const std::vector<int64_t> e = int_edges(s);
    std::vector<int64_t> rows;
    // Row 0: the negatives (or, unsigned, the largest values); row 1: every edge; row 2: a single value repeated.
    std::vector<int64_t> neg;
    if (is_unsigned(s))
      neg.assign(e.end() - 4, e.end());  // max, max - 1, max / 2, max / 2 + 1
    else
      std::copy_if(e.begin(), e.end(), std::back_inserter(neg), [](int64_t v) { return v < 0; });
    const size_t n = e.size();
    for (size_t i = 0; i < n; ++i) rows.push_back(neg[i % neg.size()]);
    for (size_t i = 0; i < n; ++i) rows.push_back(e[i]);
    for (size_t i = 0; i < n; ++i) rows.push_back(e[n - 1]);
    const Tensor x = Tensor::from(rows).to(dt(s)).reshape({3, static_cast<int64_t>(n)});
    const std::vector<Tensor> red = {x.max(1), x.min(1), x.sum(1, false, dt(s)), x.prod(1, false, dt(s))};
    expect_matches_ref(Tensor::stack(red), "reductions of " + name(s));
    expect_matches_ref(Tensor::stack({x.argmax(1), x.argmin(1)}), "argmax/argmin of " + name(s));
  }
  const double inf = std::numeric_limits<double>::infinity();
  for (Scalar f : kFloats) {
    const Tensor x = Tensor::from(std::vector<double>{-inf, -inf, -inf, -1e30, -5, -0.0, 0.0, NAN, 1, inf, -2, -3})
                         .to(dt(f))
                         .reshape({3, 4});
    expect_matches_ref(Tensor::stack({x.max(1), x.min(1)}), "max/min of " + name(f));
  }
}

// float16 and bfloat16 sums and products accumulate in float32 (and round once): the sum of 4096
// ones is 4096 (a half accumulator stops at 2048), long sums of 0.1 stay within float32's error.
TEST(Edges, HalfSumsAccumulateWide) {
  install_interp_realizer();
  for (Scalar f : {Scalar::Float16, Scalar::BFloat16}) {
    const Tensor ones = Tensor::ones({4096}, dt(f));
    const double got = ones.sum().to(dtypes::float64).to_vector<double>()[0];
    EXPECT_EQ(got, 4096.0) << "sum of 4096 ones in " << name(f) << " on " << default_backend();
    const Tensor tenths = Tensor::full({3, 3000}, 0.1, dt(f));
    const std::vector<double> s = tenths.sum(1).to(dtypes::float64).to_vector<double>();
    const double one = Tensor::full({1}, 0.1, dt(f)).to(dtypes::float64).to_vector<double>()[0];
    for (double v : s)
      EXPECT_NEAR(v, 3000 * one, 3000 * one * (f == Scalar::Float16 ? 0x1p-10 : 0x1p-7))
          << "sum of 3000 tenths in " << name(f) << " on " << default_backend();
    const Tensor near_one = Tensor::full({512}, 1.0078125, dt(f));  // 1 + 2^-7, exact in both
    const double p = near_one.prod().to(dtypes::float64).to_vector<double>()[0];
    EXPECT_NEAR(p, std::pow(1.0078125, 512), std::pow(1.0078125, 512) * 0x1p-7)
        << "product of 512 (1 + 2^-7) in " << name(f) << " on " << default_backend();
  }
}

// Two draws take disjoint counters of the stream: the second repeats no run of the first.
TEST(Edges, RandomDrawsDoNotOverlap) {
  install_interp_realizer();
  Tensor::manual_seed(20261126);
  const std::vector<float> a = Tensor::rand({4096}).to_vector<float>();
  const std::vector<float> b = Tensor::rand({4096}).to_vector<float>();
  const std::vector<int64_t> c = Tensor::randint(0, int64_t{1} << 40, {4096}).to_vector<int64_t>();
  const std::vector<int64_t> d = Tensor::randint(0, int64_t{1} << 40, {4096}).to_vector<int64_t>();
  const std::set<float> first(a.begin(), a.end());
  const int64_t same = std::count_if(b.begin(), b.end(), [&](float v) { return first.count(v) > 0; });
  // 4096 draws of 2^24 values each: about one equal pair by chance, never hundreds.
  EXPECT_LT(same, 16) << same << " of the second draw's floats appear in the first";
  const std::set<int64_t> firsti(c.begin(), c.end());
  const int64_t samei = std::count_if(d.begin(), d.end(), [&](int64_t v) { return firsti.count(v) > 0; });
  EXPECT_LT(samei, 2) << samei << " of the second randint draw's values appear in the first";
}

// Contractions, copies and reductions at shapes the heuristic tiles (upcast rows and columns, unrolled
// reduces, blocked transposes, threads): small integers in float32, so every order sums exactly.
TEST(Edges, TilingShapesMatchRef) {
  install_interp_realizer();
  auto ints = [](int64_t n, int64_t mod, int64_t off) {
    std::vector<float> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<float>((i * 7 + off) % mod - mod / 2);
    return Tensor::from(v);
  };
  for (auto [m, k, n] :
       {std::tuple<int64_t, int64_t, int64_t>{32, 48, 64}, {33, 20, 65}, {64, 128, 10}, {16, 196, 32}}) {
    const Tensor a = ints(m * k, 7, 1).reshape({m, k}), b = ints(k * n, 5, 2).reshape({k, n});
    std::ostringstream what;
    what << m << "x" << k << " @ " << k << "x" << n;
    expect_matches_ref(a.matmul(b), "matmul " + what.str(), k);
    expect_matches_ref(a.matmul(ints(n * k, 3, 0).reshape({n, k}).transpose()), "matmul NT " + what.str(), k);
    expect_matches_ref(a.transpose().contiguous(), "transpose of " + what.str());
  }
  const Tensor x = ints(48 * 160, 9, 3).reshape({48, 160});
  expect_matches_ref(x.sum(1), "row sums 48x160", 160);
  expect_matches_ref(x.sum(0), "column sums 48x160", 48);
  expect_matches_ref(x.max(1), "row max 48x160");
  expect_matches_ref(x.mul(2).add(x.transpose().contiguous().transpose()), "elementwise 48x160");
  const Tensor img = ints(3 * 16 * 16, 5, 1).reshape({1, 3, 16, 16});
  const Tensor w = ints(16 * 3 * 3 * 3, 3, 0).reshape({16, 3, 3, 3});
  expect_matches_ref(conv2d(img, w, std::nullopt, 1, 1), "conv2d 1x3x16x16 * 16x3x3x3", 27);
}

}  // namespace
}  // namespace anvil
