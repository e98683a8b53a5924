// The in-graph Threefry-2x32-20 generator against published known answers and a host
// implementation, on ref and on the engine (bit for bit; randn within tolerance on compiled backends),
// and the distributions built on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/runtime/realize.h"
#include "engine/tensor/graph.h"
#include "engine/tensor/random.h"
#include "fuzz/lib/tolerance.h"
#include "verify/ref/ref_test_util.h"

namespace anvil::ref {
namespace {

using testing::floats;
using testing::ints;
using U32 = std::vector<uint32_t>;

// An independent host Threefry-2x32-20, to pin the graph's stream.
std::pair<uint32_t, uint32_t> host_threefry(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1) {
  static constexpr int kRot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1BD11BDAu};
  uint32_t x0 = c0 + ks[0], x1 = c1 + ks[1];
  for (int r = 0; r < 20; ++r) {
    x0 += x1;
    x1 = (x1 << kRot[r % 8]) | (x1 >> (32 - kRot[r % 8]));
    x1 ^= x0;
    if (r % 4 == 3) {
      const uint32_t s = r / 4 + 1;
      x0 += ks[s % 3];
      x1 += ks[(s + 1) % 3] + s;
    }
  }
  return {x0, x1};
}

// The stream's words for counters [offset, offset + ceil(n / 2)), as random_bits lays them out.
U32 host_words(uint64_t seed, uint64_t offset, size_t n) {
  U32 out;
  for (uint64_t i = 0; out.size() < n; ++i) {
    const uint64_t c = offset + i;
    const auto [a, b] = host_threefry(static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                                      static_cast<uint32_t>(c), static_cast<uint32_t>(c >> 32));
    out.push_back(a);
    if (out.size() < n) out.push_back(b);
  }
  return out;
}

// The tensor's elements from ref and from the engine, which must agree bit for bit.
template <class T>
std::vector<T> both(Tensor t) {
  const Buffer from_ref = evaluate(t.uop()).to_buffer();
  install_interp_realizer();
  const Buffer from_engine = t.to_buffer();
  EXPECT_EQ(from_ref.bytes, from_engine.bytes) << "ref and the engine differ";
  return from_engine.to<T>();
}

// randn's float32 elements from ref and from the engine. Box-Muller goes through float32 LOG2 and SIN,
// which interp computes with double libm (so ref and interp agree bit for bit) but the compiled
// backends compute with vectorizable polynomials a few ulp off (c_prelude.cpp): there they must agree
// within tolerance.h's rule, scaled by the largest |value|. That stays sharp: the Threefry words,
// rand, randint and uniform are still compared bit for bit on every backend above and below, and a
// wrong word, counter, element order or Box-Muller term moves a sample by O(1), not by 1e-6.
std::vector<float> near(Tensor t) {
  const Buffer from_ref = evaluate(t.uop()).to_buffer();
  install_interp_realizer();
  const Buffer from_engine = t.to_buffer();
  if (default_backend() == "interp") {
    EXPECT_EQ(from_ref.bytes, from_engine.bytes) << "ref and the engine differ";
    return from_engine.to<float>();
  }
  const std::vector<float> want = from_ref.to<float>(), got = from_engine.to<float>();
  double scale = 0;
  for (float w : want) scale = std::max(scale, std::fabs(static_cast<double>(w)));
  const fuzz::Tolerance tol{Scalar::Float32, 1, scale};
  EXPECT_EQ(got.size(), want.size());
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i)
    EXPECT_TRUE(tol.close(got[i], want[i])) << "element " << i << ": engine " << got[i] << ", ref " << want[i];
  return got;
}

// randn's float64 elements: the compiled host backends call the host's double libm, as interp and
// ref do, so they agree bit for bit; a device backend (opencl, cuda) has its own math library, an ulp
// or so off, and agrees within tolerance.h's rule (float64), scaled by the largest |value|.
void near_f64(Tensor t) {
  const std::string be = default_backend();
  if (be != "opencl" && be != "cuda") {
    both<double>(t);
    return;
  }
  const Buffer from_ref = evaluate(t.uop()).to_buffer();
  install_interp_realizer();
  const std::vector<double> want = from_ref.to<double>(), got = t.to_buffer().to<double>();
  double scale = 0;
  for (double w : want) scale = std::max(scale, std::fabs(w));
  const fuzz::Tolerance tol{Scalar::Float64, 1, scale};
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(tol.close(got[i], want[i])) << "element " << i << ": engine " << got[i] << ", ref " << want[i];
}

struct Kat {
  uint32_t k0, k1, c0, c1, x0, x1;
};
// Random123's kat_vectors for threefry2x32_20 (also used by JAX's tests).
constexpr Kat kKats[] = {
    {0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x6b200159, 0x99ba4efe},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x1cb996fc, 0xbb002be7},
    {0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3, 0xc4923a9c, 0x483df7a0},
};

TEST(Random, HostThreefryMatchesKnownAnswers) {
  for (const Kat& k : kKats) {
    const auto [x0, x1] = host_threefry(k.k0, k.k1, k.c0, k.c1);
    EXPECT_EQ(x0, k.x0);
    EXPECT_EQ(x1, k.x1);
  }
}

TEST(Random, GraphThreefryMatchesKnownAnswers) {
  U32 k0, k1, c0, c1, want0, want1;
  for (const Kat& k : kKats) {
    k0.push_back(k.k0), k1.push_back(k.k1), c0.push_back(k.c0), c1.push_back(k.c1);
    want0.push_back(k.x0), want1.push_back(k.x1);
  }
  const Tensor tk0 = Tensor::from(k0), tk1 = Tensor::from(k1), tc0 = Tensor::from(c0), tc1 = Tensor::from(c1);
  const auto [x0, x1] = tensor_detail::threefry2x32(tk0.uop(), tk1.uop(), tc0.uop(), tc1.uop());
  EXPECT_EQ(both<uint32_t>(tensor_detail::derive(x0, {&tk0, &tk1, &tc0, &tc1})), want0);
  EXPECT_EQ(both<uint32_t>(tensor_detail::derive(x1, {&tk0, &tk1, &tc0, &tc1})), want1);
}

TEST(Random, RandIsTheStreamsTopMantissaBits) {
  const uint64_t seed = 0x123456789abcdefULL;
  Tensor::manual_seed(seed);
  Tensor::rand({3});  // advances the counter by 2
  const auto [s, offset] = tensor_detail::rng_state();
  ASSERT_EQ(s, seed);
  ASSERT_EQ(offset, 2u);
  const std::vector<float> got = both<float>(Tensor::rand({5, 7}));
  const U32 words = host_words(seed, offset, 35);
  for (size_t i = 0; i < words.size(); ++i) {
    const uint32_t bits = (words[i] >> 9) | 0x3f800000u;
    float f;
    std::memcpy(&f, &bits, 4);
    EXPECT_EQ(got[i], f - 1.0f) << "element " << i;
  }
}

TEST(Random, EveryFloatDtypeStaysInUnitInterval) {
  Tensor::manual_seed(1);
  for (DType dt : {dtypes::float16, dtypes::bfloat16, dtypes::float32, dtypes::float64}) {
    const Tensor t = Tensor::rand({4000}, dt);
    EXPECT_EQ(t.dtype(), dt);
    const std::vector<double> v = floats(t);
    const double lo = *std::min_element(v.begin(), v.end()), hi = *std::max_element(v.begin(), v.end());
    EXPECT_GE(lo, 0.0) << name(dt);
    EXPECT_LT(hi, 1.0) << name(dt);
    EXPECT_GT(hi - lo, 0.9) << name(dt);  // not stuck
  }
}

TEST(Random, SeedRepeatsAndCallsDiffer) {
  Tensor::manual_seed(42);
  const std::vector<double> a = floats(Tensor::rand({64})), b = floats(Tensor::rand({64}));
  const std::vector<int64_t> c = ints(Tensor::randint(0, 1000, {64}));
  Tensor::manual_seed(42);
  EXPECT_EQ(floats(Tensor::rand({64})), a);
  EXPECT_EQ(floats(Tensor::rand({64})), b);
  EXPECT_EQ(ints(Tensor::randint(0, 1000, {64})), c);
  EXPECT_NE(a, b);
  Tensor::manual_seed(43);
  EXPECT_NE(floats(Tensor::rand({64})), a);
}

TEST(Random, EngineMatchesRefOnEveryCreator) {
  Tensor::manual_seed(9);
  near(Tensor::randn({3, 50}));
  near_f64(Tensor::randn({101}, dtypes::float64));
  both<int64_t>(Tensor::randint(-5, 5, {2, 33}));
  both<int8_t>(Tensor::randint(-128, 128, {77}, dtypes::int8));
  both<float>(Tensor::uniform({40}, -2, 3));
  near(Tensor::normal({40}, 1, 0.5));
  EXPECT_EQ(Tensor::rand({0, 3}).shape(), (Shape{0, 3}));
  EXPECT_EQ(Tensor::rand_like(Tensor::zeros({2, 2}, dtypes::float64)).dtype(), dtypes::float64);
  EXPECT_EQ(Tensor::randn_like(Tensor::zeros({2, 5})).shape(), (Shape{2, 5}));
}

struct Moments {
  double mean = 0, var = 0, lo = HUGE_VAL, hi = -HUGE_VAL;
};
Moments moments(Tensor t) {
  install_interp_realizer();
  const std::vector<double> v = t.to(dtypes::float64).to_buffer().floats();
  Moments m;
  for (double x : v) m.mean += x, m.lo = std::min(m.lo, x), m.hi = std::max(m.hi, x);
  m.mean /= static_cast<double>(v.size());
  for (double x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size() - 1);
  return m;
}

// 100k samples for the two generators everything else builds on (about 5 standard errors of each
// estimate as bounds); 10k for the affine and integer forms, which are slow on the interpreter.
constexpr int64_t kN = 20000, kSmallN = 10000;  // 20k keeps the ASan run short; bounds scale with it

TEST(Random, UniformAndNormalHaveTheirMoments) {
  Tensor::manual_seed(2024);
  const Moments u = moments(Tensor::rand({kN}));
  EXPECT_NEAR(u.mean, 0.5, 5 * std::sqrt(1.0 / 12 / kN));
  EXPECT_NEAR(u.var, 1.0 / 12, 5 * std::sqrt(1.0 / 180 / kN));
  EXPECT_GE(u.lo, 0);
  EXPECT_LT(u.hi, 1);
  const Moments z = moments(Tensor::randn({kN}));
  EXPECT_NEAR(z.mean, 0, 5 / std::sqrt(double(kN)));
  EXPECT_NEAR(z.var, 1, 5 * std::sqrt(2.0 / kN));
  EXPECT_GT(z.hi, 3.0);  // tails reached (P(max < 3) over 20k is ~e^-27)
  EXPECT_LT(z.lo, -3.0);
}

TEST(Random, ShiftedAndScaledForms) {
  Tensor::manual_seed(77);
  const Moments n = moments(Tensor::normal({kSmallN}, 3, 2));
  EXPECT_NEAR(n.mean, 3, 5 * 2 / std::sqrt(double(kSmallN)));
  EXPECT_NEAR(n.var, 4, 5 * 4 * std::sqrt(2.0 / kSmallN));
  const Moments w = moments(Tensor::uniform({kSmallN}, -1, 3));
  EXPECT_NEAR(w.mean, 1, 5 * 4 * std::sqrt(1.0 / 12 / kSmallN));
  EXPECT_GE(w.lo, -1);
  EXPECT_LT(w.hi, 3);
}

TEST(Random, RandintCoversItsRangeEvenly) {
  Tensor::manual_seed(5);
  install_interp_realizer();
  const std::vector<int64_t> v = Tensor::randint(-3, 7, {kSmallN}).to_vector<int64_t>();
  std::vector<int64_t> count(10, 0);
  for (int64_t x : v) {
    ASSERT_GE(x, -3);
    ASSERT_LT(x, 7);
    ++count[x + 3];
  }
  for (int64_t c : count) EXPECT_NEAR(c, kSmallN / 10, 5 * std::sqrt(kSmallN * 0.1 * 0.9));
  const std::vector<int64_t> wide = Tensor::randint(INT64_MIN, INT64_MAX, {1000}).to_vector<int64_t>();
  EXPECT_LT(*std::min_element(wide.begin(), wide.end()), -(int64_t{1} << 60));
  EXPECT_GT(*std::max_element(wide.begin(), wide.end()), int64_t{1} << 60);
}

}  // namespace
}  // namespace anvil::ref
