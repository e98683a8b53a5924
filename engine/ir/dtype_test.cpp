#include "engine/ir/dtype.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "engine/support/error.h"

namespace anvil {
namespace {

// The two 16-bit formats, described by their fields; everything below is computed from these.
struct Format {
  const char* name;
  int mbits, ebits;
  uint16_t (*encode)(double);
  float (*decode)(uint16_t);
  int bias() const { return (1 << (ebits - 1)) - 1; }
  uint16_t exp_all() const { return static_cast<uint16_t>(((1u << ebits) - 1) << mbits); }
  uint16_t man_mask() const { return static_cast<uint16_t>((1u << mbits) - 1); }
  uint16_t quiet() const { return static_cast<uint16_t>(1u << (mbits - 1)); }
  uint16_t max_finite() const { return static_cast<uint16_t>(exp_all() - 1); }
  bool is_nan(uint16_t h) const { return (h & exp_all()) == exp_all() && (h & man_mask()); }
};
const Format kF16{"float16", 10, 5, f64_to_f16, f16_to_f32};
const Format kBF16{"bfloat16", 7, 8, f64_to_bf16, bf16_to_f32};

uint32_t float_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}
double double_of(uint64_t b) {
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

// Reference decode of a non-NaN pattern, from the fields with ldexp (Inf: the value past the
// largest finite, 2^(emax+1), which is also what rounding compares against).
double reference_value(const Format& f, uint16_t h, bool inf_as_limit = false) {
  const int sign = h >> (f.mbits + f.ebits);
  const int exp = (h >> f.mbits) & ((1 << f.ebits) - 1);
  const int man = h & f.man_mask();
  double mag;
  if (exp == (1 << f.ebits) - 1)
    mag = inf_as_limit ? std::ldexp(1.0, f.bias() + 1) : INFINITY;
  else if (exp == 0)
    mag = std::ldexp(man, 1 - f.bias() - f.mbits);
  else
    mag = std::ldexp(man + (1 << f.mbits), exp - f.bias() - f.mbits);
  return sign ? -mag : mag;
}

// Reference rounding: the nearer of the two bracketing values, by exact comparison of 2|x| with
// their sum (both exact in double), ties to the even pattern.
class ReferenceRounding {
 public:
  explicit ReferenceRounding(const Format& f) : f_(f) {
    for (uint32_t h = 0; h <= f.exp_all(); ++h) values_.push_back(reference_value(f, static_cast<uint16_t>(h), true));
  }
  uint16_t operator()(double x) const {
    const uint16_t sign = std::signbit(x) ? static_cast<uint16_t>(1u << (f_.mbits + f_.ebits)) : 0;
    if (std::isnan(x)) return 0;  // not asked
    double a = std::fabs(x);
    if (a >= values_.back()) return sign | f_.exp_all();
    size_t hi = std::upper_bound(values_.begin(), values_.end(), a) - values_.begin();  // values_[hi] > a
    size_t lo = hi - 1;                                                                 // values_[lo] <= a
    if (values_[lo] == a) return static_cast<uint16_t>(sign | lo);
    double twice = 2 * a, sum = values_[lo] + values_[hi];
    size_t pick = twice < sum ? lo : twice > sum ? hi : (lo % 2 == 0 ? lo : hi);
    return static_cast<uint16_t>(sign | pick);
  }
  const std::vector<double>& values() const { return values_; }

 private:
  const Format& f_;
  std::vector<double> values_;  // every non-negative pattern up to Inf, increasing
};

class SmallFloat : public ::testing::TestWithParam<const Format*> {};

TEST_P(SmallFloat, EveryPatternDecodesExactlyAndEncodesBack) {
  const Format& f = *GetParam();
  for (uint32_t i = 0; i <= 0xffff; ++i) {
    const auto h = static_cast<uint16_t>(i);
    const float d = f.decode(h);
    if (f.is_nan(h)) {
      // NaN: sign and payload sit at the top of float32's mantissa; encoding keeps both and sets
      // the quiet bit (a signaling NaN comes back quiet, everything else bit-exact).
      const uint32_t want = (h >> (f.mbits + f.ebits) ? 0x80000000u : 0u) | 0x7f800000u |
                            (static_cast<uint32_t>(h & f.man_mask()) << (23 - f.mbits));
      ASSERT_EQ(float_bits(d), want) << f.name << " " << i;
      ASSERT_EQ(f.encode(d), h | f.quiet()) << f.name << " " << i;
      continue;
    }
    const double ref = reference_value(f, h);
    ASSERT_EQ(static_cast<double>(d), ref) << f.name << " " << i;
    ASSERT_EQ(std::signbit(d), std::signbit(ref)) << f.name << " " << i;
    ASSERT_EQ(f.encode(d), h) << f.name << " " << i;
  }
}

TEST_P(SmallFloat, RoundsToNearestEvenAtEveryHalfwayPoint) {
  const Format& f = *GetParam();
  ReferenceRounding ref(f);
  const std::vector<double>& v = ref.values();
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    const double mid = (v[i] + v[i + 1]) / 2;  // exact
    for (double x : {v[i], mid, std::nextafter(mid, 0.0), std::nextafter(mid, INFINITY),
                     static_cast<double>(std::nextafter(static_cast<float>(mid), 0.0f)),
                     static_cast<double>(std::nextafter(static_cast<float>(mid), INFINITY))}) {
      ASSERT_EQ(f.encode(x), ref(x)) << f.name << " " << x;
      ASSERT_EQ(f.encode(-x), ref(-x)) << f.name << " " << -x;
      if (static_cast<double>(static_cast<float>(x)) == x)
        ASSERT_EQ(f.encode(static_cast<float>(x)), ref(x)) << f.name << " float " << x;
    }
  }
}

TEST_P(SmallFloat, RoundsRandomInputsToNearestEven) {
  const Format& f = *GetParam();
  ReferenceRounding ref(f);
  std::mt19937_64 rng(1234);
  const int emax = f.bias() + 2, emin = 2 - f.bias() - f.mbits - 3;
  for (int i = 0; i < 2000000; ++i) {  // a million float32 inputs, a million float64 ones
    double x;
    switch (i % 4) {
      case 0: x = double_of(rng()); break;  // anything at all
      case 1:
      case 3: {  // float32 inputs
        auto b = static_cast<uint32_t>(rng());
        float fl;
        std::memcpy(&fl, &b, sizeof fl);
        x = fl;
        break;
      }
      default: {  // doubles in and around the format's range, with full 53-bit mantissas
        int e = std::uniform_int_distribution<int>(emin, emax)(rng);
        x = std::ldexp(1.0 + static_cast<double>(rng() >> 11) * 0x1p-53, e) * ((rng() & 1) ? -1 : 1);
      }
    }
    if (std::isnan(x)) continue;
    ASSERT_EQ(f.encode(x), ref(x)) << f.name << " " << x;
  }
}

TEST_P(SmallFloat, Boundaries) {
  const Format& f = *GetParam();
  const uint16_t sign = static_cast<uint16_t>(1u << (f.mbits + f.ebits));
  const double max = reference_value(f, f.max_finite());
  const double limit = std::ldexp(1.0, f.bias() + 1);
  const double threshold = (max + limit) / 2;  // ties go to the even pattern: Inf
  const double tiny = std::ldexp(1.0, 1 - f.bias() - f.mbits);
  EXPECT_EQ(f.encode(max), f.max_finite());
  EXPECT_EQ(f.encode(std::nextafter(threshold, 0.0)), f.max_finite());
  EXPECT_EQ(f.encode(threshold), f.exp_all());
  EXPECT_EQ(f.encode(-threshold), sign | f.exp_all());
  EXPECT_EQ(f.encode(1e300), f.exp_all());
  EXPECT_EQ(f.encode(tiny), 1);
  EXPECT_EQ(f.encode(tiny / 2), 0);  // a tie with zero, which is even
  EXPECT_EQ(f.encode(std::nextafter(tiny / 2, 1.0)), 1);
  EXPECT_EQ(f.encode(-tiny / 2), sign);
  EXPECT_EQ(f.encode(1.5 * tiny), 2);  // a tie between 1 and 2: even
  EXPECT_EQ(f.encode(0.0), 0);
  EXPECT_EQ(f.encode(-0.0), sign);
  EXPECT_EQ(f.encode(INFINITY), f.exp_all());
  EXPECT_EQ(f.encode(-INFINITY), sign | f.exp_all());
  EXPECT_EQ(f.encode(std::numeric_limits<double>::denorm_min()), 0);
  EXPECT_EQ(f.encode(std::nan("")), f.exp_all() | f.quiet());
  EXPECT_EQ(f.encode(-std::nan("")), sign | f.exp_all() | f.quiet());
  // A float64 NaN keeps its sign and the top of its payload, and is quiet.
  EXPECT_EQ(f.encode(double_of(0x7ff0000000000000ull | (1ull << 51) | (1ull << 50) | 1)),
            f.exp_all() | f.quiet() | f.quiet() >> 1);
  EXPECT_EQ(f.encode(double_of(0x7ff0000000000001ull)), f.exp_all() | f.quiet());
}

TEST_P(SmallFloat, NoDoubleRoundingFromFloat64) {
  const Format& f = *GetParam();
  // Just above the halfway point between 1 and the next value: float64 rounds up; through
  // float32 the excess vanishes and the tie goes to even (1).
  const double x = 1.0 + std::ldexp(1.0, -f.mbits - 1) + std::ldexp(1.0, -40);
  ASSERT_EQ(static_cast<double>(static_cast<float>(x)), 1.0 + std::ldexp(1.0, -f.mbits - 1));
  const uint16_t one = f.encode(1.0);
  EXPECT_EQ(f.encode(x), one + 1);
  EXPECT_EQ(f.encode(static_cast<float>(x)), one);
}

INSTANTIATE_TEST_SUITE_P(DType, SmallFloat, ::testing::Values(&kF16, &kBF16),
                         [](const auto& info) { return std::string(info.param->name); });

TEST(DType, F32Wrappers) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_bf16(-2.0f), 0xc000);
}

TEST(DType, RoundTo) {
  EXPECT_EQ(round_to(Scalar::Float64, 0.1), 0.1);
  EXPECT_EQ(round_to(Scalar::Float32, 0.1), static_cast<double>(0.1f));
  EXPECT_EQ(round_to(Scalar::Float16, 0.1), static_cast<double>(f16_to_f32(f64_to_f16(0.1))));
  EXPECT_EQ(round_to(Scalar::Float16, 0.1), 0.0999755859375);
  EXPECT_EQ(round_to(Scalar::BFloat16, 0.1), 0.10009765625);
  EXPECT_EQ(round_to(Scalar::Float16, 1e6), INFINITY);
  EXPECT_TRUE(std::signbit(round_to(Scalar::BFloat16, -0.0)));
  EXPECT_TRUE(std::isnan(round_to(Scalar::Float32, NAN)));
}

TEST(DType, IntRangesAndWrapping) {
  EXPECT_EQ(int_min(Scalar::Int8), -128);
  EXPECT_EQ(int_max(Scalar::Int8), 127);
  EXPECT_EQ(int_max(Scalar::UInt64), (static_cast<__int128>(1) << 64) - 1);
  EXPECT_EQ(int_min(Scalar::Int64), -(static_cast<__int128>(1) << 63));
  EXPECT_EQ(int_min(Scalar::Index), int_min(Scalar::Int64));
  EXPECT_EQ(int_max(Scalar::Bool), 1);
  EXPECT_EQ(int_min(Scalar::UInt16), 0);
  EXPECT_EQ(wrap_int(Scalar::Int8, 128), -128);
  EXPECT_EQ(wrap_int(Scalar::Int8, -129), 127);
  EXPECT_EQ(wrap_int(Scalar::UInt8, -1), 255);
  EXPECT_EQ(wrap_int(Scalar::UInt64, -1), int_max(Scalar::UInt64));
  EXPECT_EQ(wrap_int(Scalar::Int64, static_cast<__int128>(1) << 63), int_min(Scalar::Int64));
  EXPECT_EQ(wrap_int(Scalar::Int32, (static_cast<__int128>(1) << 100) + 5), 5);
  EXPECT_EQ(wrap_int(Scalar::Bool, 2), 1);
  EXPECT_EQ(wrap_int(Scalar::Bool, 0), 0);
  EXPECT_EQ(wrap_int(Scalar::Index, static_cast<__int128>(1) << 70), static_cast<__int128>(1) << 70);
}

TEST(DType, Promote) {
  using namespace dtypes;  // NOLINT(google-build-using-namespace): the table reads as PyTorch's
  struct Row {
    DType a, b, want;
  };
  // clang-format off
  const Row rows[] = {
      {bool_, bool_, bool_}, {bool_, int8, int8}, {uint8, bool_, uint8}, {bool_, float16, float16},
      {int8, int16, int16}, {int32, int64, int64}, {uint8, uint16, uint16}, {uint32, uint64, uint64},
      {uint8, int8, int16}, {uint8, int16, int16}, {uint16, int8, int32}, {uint16, int16, int32},
      {uint16, int32, int32}, {uint32, int8, int64}, {uint32, int32, int64}, {uint32, int64, int64},
      {uint64, bool_, uint64}, {uint64, uint8, uint64}, {uint64, float16, float16}, {int64, bfloat16, bfloat16},
      {float16, bfloat16, float32}, {float16, float32, float32}, {bfloat16, float64, float64},
      {float32, float64, float64},
      {int32, float16, float16}, {uint8, bfloat16, bfloat16}, {bool_, float64, float64}, {index, int32, index},
      {index, uint64, index}, {index, float32, float32},
      {int8.vec(4), uint8.vec(4), int16.vec(4)},
  };
  // clang-format on
  for (const Row& r : rows) {
    EXPECT_EQ(promote(r.a, r.b), r.want) << name(r.a) << " + " << name(r.b);
    EXPECT_EQ(promote(r.b, r.a), r.want) << name(r.b) << " + " << name(r.a);
  }
  for (DType s : {int8, int16, int32, int64}) {
    EXPECT_THROW(promote(uint64, s), Error) << name(s);
    EXPECT_THROW(promote(s, uint64), Error) << name(s);
  }
  EXPECT_THROW(promote(int8.vec(2), int8.vec(4)), Error);
  EXPECT_THROW(promote(float32.ptr(), float32), Error);
  EXPECT_THROW(promote(void_, int8), Error);
  // Symmetric everywhere, and never below either side on the bool < ints < floats ladder.
  for (int i = 1; i < kScalarCount; ++i)
    for (int j = 1; j < kScalarCount; ++j) {
      DType a{static_cast<Scalar>(i)}, b{static_cast<Scalar>(j)};
      bool ab_throws = false, ba_throws = false;
      DType ab, ba;
      try {
        ab = promote(a, b);
      } catch (const Error&) {
        ab_throws = true;
      }
      try {
        ba = promote(b, a);
      } catch (const Error&) {
        ba_throws = true;
      }
      ASSERT_EQ(ab_throws, ba_throws) << name(a) << " " << name(b);
      if (ab_throws) continue;
      EXPECT_EQ(ab, ba) << name(a) << " " << name(b);
      if (is_float(a.scalar) || is_float(b.scalar)) EXPECT_TRUE(is_float(ab.scalar)) << name(a) << " " << name(b);
    }
}

TEST(DType, NamesRoundTrip) {
  std::vector<DType> all;
  for (int i = 0; i < kScalarCount; ++i) {
    DType s{static_cast<Scalar>(i)};
    for (DType v : {s, s.vec(2), s.vec(3), s.vec(4), s.vec(16), s.vec(256)}) {
      all.push_back(v);
      for (AddrSpace sp : {AddrSpace::Global, AddrSpace::Local, AddrSpace::Reg})
        for (int64_t size : {int64_t{-1}, int64_t{0}, int64_t{1}, int64_t{64}, int64_t{1} << 40})
          all.push_back(v.ptr(sp, size));
    }
  }
  for (const DType& d : all) {
    std::optional<DType> back = parse_dtype(name(d));
    ASSERT_TRUE(back) << name(d);
    EXPECT_EQ(*back, d) << name(d);
  }
  EXPECT_EQ(name(dtypes::float32), "float32");
  EXPECT_EQ(name(dtypes::int8.vec(4)), "int8x4");
  EXPECT_EQ(name(dtypes::float32.ptr()), "float32*");
  EXPECT_EQ(name(dtypes::float32.ptr(AddrSpace::Local, 64)), "float32*local[64]");
}

TEST(DType, ParseRejectsNonCanonicalNames) {
  for (const char* bad : {"",
                          "float",
                          "float32 ",
                          "Float32",
                          "int8x1",
                          "int8x0",
                          "int8x",
                          "int8x04",
                          "int8x-4",
                          "float32*[",
                          "float32*[]",
                          "float32*[4",
                          "float32*[-1]",
                          "float32*[04]",
                          "float32**",
                          "float32*global",
                          "float32*localreg",
                          "float32*reglocal",
                          "float32*local[4]x",
                          "x4",
                          "int8x99999999999",
                          "float32*[99999999999999999999999]",
                          "void*local[1]junk"})
    EXPECT_FALSE(parse_dtype(bad).has_value()) << bad;
}

}  // namespace
}  // namespace anvil
