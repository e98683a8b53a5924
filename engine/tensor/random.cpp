// Random tensors from a counter-based generator built in the graph: Threefry-2x32-20 on uint32
// add/rotate/xor, over counters from an arange, keyed by the seed. Every backend runs the same
// integer ops, so a seed and a call sequence give the same bits everywhere.
#include "engine/tensor/random.h"

#include <cmath>
#include <mutex>
#include <numbers>
#include <tuple>

#include "engine/support/check.h"
#include "engine/support/mutant.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

using tensor_detail::const_node;
using tensor_detail::derive;

constexpr uint64_t kDefaultSeed = 0x5eed5eedULL;  // a fixed default, so unseeded runs repeat too

struct RngState {
  std::mutex mu;
  uint64_t seed = kDefaultSeed;
  uint64_t counter = 0;
};

RngState& rng() {
  static auto* state = new RngState;  // never destroyed: random tensors may be made during exit
  return *state;
}

// The seed and the first of `count` fresh counters.
std::pair<uint64_t, uint64_t> take_counters(uint64_t count) {
  RngState& s = rng();
  std::lock_guard<std::mutex> lock(s.mu);
  const uint64_t first = s.counter;
  s.counter += ANVIL_MUTANT(30) ? count / 2 : count;
  return {s.seed, first};
}

UOp u32(const UOp& like, uint64_t v) { return const_node(dtypes::uint32, static_cast<int64_t>(v), *like.shape()); }

UOp rotl(const UOp& x, int r) { return x.alu(Op::SHL, u32(x, r)).alu(Op::OR, x.alu(Op::SHR, u32(x, 32 - r))); }

void check_shape(const char* op, const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) (ErrorBuilder(op) << "negative dimension " << d << " in shape " << shape_str(shape)).raise();
  if (shape_numel(shape) < 0) (ErrorBuilder(op) << "shape " << shape_str(shape) << " has too many elements").raise();
}

void check_float(const char* op, DType dtype) {
  if (!is_float(dtype) || dtype.count != 1)
    (ErrorBuilder(op) << "needs a floating point dtype, got " << name(dtype)).raise();
}

// Uniform [0, 1) in a float dtype from uint32 words: the top mantissa bits under the exponent of
// 1.0 give [1, 2), minus 1 (exact). float64 takes all 32 bits as its top mantissa bits.
UOp unit_float(const UOp& bits, DType dt) {
  switch (dt.scalar) {
    case Scalar::Float64: {
      const UOp wide = bits.cast(dtypes::uint64);
      const Shape& s = *bits.shape();
      const UOp m = wide.alu(Op::SHL, const_node(dtypes::uint64, 20, s))
                        .alu(Op::OR, const_node(dtypes::uint64, int64_t{0x3ff0000000000000}, s));
      return m.bitcast(dt) - const_node(dt, 1, s);
    }
    case Scalar::Float32:
      return bits.alu(Op::SHR, u32(bits, 9)).alu(Op::OR, u32(bits, 0x3f800000)).bitcast(dt) -
             const_node(dt, 1, *bits.shape());
    default: {  // float16 (10 mantissa bits) and bfloat16 (7)
      const bool half = dt.scalar == Scalar::Float16;
      const Shape& s = *bits.shape();
      const UOp top = bits.alu(Op::SHR, u32(bits, half ? 22 : 25)).cast(dtypes::uint16);
      return top.alu(Op::OR, const_node(dtypes::uint16, half ? 0x3c00 : 0x3f80, s)).bitcast(dt) - const_node(dt, 1, s);
    }
  }
}

Tensor uniform01(const char* op, const Shape& shape, DType dtype) {
  check_shape(op, shape);
  check_float(op, dtype);
  const int64_t n = shape_numel(shape);
  if (n == 0) return Tensor::zeros(shape, dtype);
  const Tensor bits = tensor_detail::random_bits(n);
  return derive(unit_float(bits.uop(), dtype), {&bits}).reshape(shape);
}

// Both Threefry words for counters offset + rel (rel: a uint64 graph in [0, count)), taking `count`
// fresh counters of the stream.
std::pair<UOp, UOp> stream(const UOp& rel, uint64_t count) {
  const auto [seed, offset] = take_counters(count);
  const Shape& s = *rel.shape();
  const UOp ctr = rel + const_node(dtypes::uint64, static_cast<int64_t>(offset), s);
  const UOp c0 = ctr.cast(dtypes::uint32);
  const UOp c1 = ctr.alu(Op::SHR, const_node(dtypes::uint64, 32, s)).cast(dtypes::uint32);
  const UOp k0 = const_node(dtypes::uint32, static_cast<int64_t>(seed & 0xffffffffu), s);
  const UOp k1 = const_node(dtypes::uint32, static_cast<int64_t>(seed >> 32), s);
  return tensor_detail::threefry2x32(k0, k1, c0, c1);
}

// One counter per element of an n-element result: both words, over a host arange.
struct Words {
  Tensor idx;
  UOp x0, x1;
};
Words words(int64_t n) {
  Words w{Tensor::arange(n), {}, {}};
  std::tie(w.x0, w.x1) = stream(w.idx.uop().cast(dtypes::uint64), static_cast<uint64_t>(n));
  return w;
}

}  // namespace

namespace tensor_detail {

std::pair<UOp, UOp> threefry2x32(const UOp& k0, const UOp& k1, const UOp& c0, const UOp& c1) {
  static constexpr int kRotations[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  const UOp ks[3] = {k0, k1, k0.alu(Op::XOR, k1).alu(Op::XOR, u32(k0, 0x1BD11BDA))};
  UOp x0 = c0 + k0, x1 = c1 + k1;
  for (int round = 0; round < 20; ++round) {
    x0 = x0 + x1;
    x1 = rotl(x1, kRotations[round % 8]).alu(Op::XOR, x0);
    if (round % 4 == 3) {  // key injection every 4 rounds
      const int s = round / 4 + 1;
      x0 = x0 + ks[s % 3];
      x1 = x1 + ks[(s + 1) % 3] + u32(x1, s);
    }
  }
  return {x0, x1};
}

Tensor random_bits(int64_t n) {
  ANVIL_CHECK(n > 0) << "random_bits of " << n << " words";
  // Word i is output i % 2 of counter i / 2: one Threefry per element, no gather across elements.
  const Tensor idx = Tensor::arange(n);
  const UOp i = idx.uop().cast(dtypes::uint64);
  const UOp one = const_node(dtypes::uint64, 1, {n});
  const auto [x0, x1] = stream(i.alu(Op::SHR, one), static_cast<uint64_t>((n + 1) / 2));
  const UOp odd = i.alu(Op::AND, one).cast(dtypes::bool_);
  return derive(odd.where(x1, x0), {&idx});
}

std::pair<uint64_t, uint64_t> rng_state() {
  RngState& s = rng();
  std::lock_guard<std::mutex> lock(s.mu);
  return {s.seed, s.counter};
}

}  // namespace tensor_detail

void Tensor::manual_seed(uint64_t seed) {
  RngState& s = rng();
  std::lock_guard<std::mutex> lock(s.mu);
  s.seed = seed;
  s.counter = 0;
}

Tensor Tensor::rand(const Shape& shape, DType dtype) { return uniform01("rand", shape, dtype); }

Tensor Tensor::randn(const Shape& shape, DType dtype) {
  check_shape("randn", shape);
  check_float("randn", dtype);
  const int64_t n = shape_numel(shape);
  if (n == 0) return zeros(shape, dtype);
  // Box-Muller on the two words of one counter: sqrt(-2 ln(1 - u)) * cos(2 pi v); 1 - u is in (0, 1].
  const DType work = dtype.scalar == Scalar::Float64 ? dtype : DType(dtypes::float32);
  const Words w = words(n);
  const Tensor u = derive(unit_float(w.x0, work), {&w.idx}), v = derive(unit_float(w.x1, work), {&w.idx});
  const Tensor radius = (1.0 - u).log().mul(-2.0).sqrt();
  return radius.mul(v.mul(2 * std::numbers::pi).cos()).to(dtype).reshape(shape);
}

Tensor Tensor::randint(int64_t low, int64_t high, const Shape& shape, DType dtype) {
  check_shape("randint", shape);
  if (dtype.is_ptr || dtype.count != 1 || dtype.scalar == Scalar::Void || dtype.scalar == Scalar::Index)
    (ErrorBuilder("randint") << "a tensor's dtype must be a scalar element type, not " << name(dtype)).raise();
  if (low >= high) (ErrorBuilder("randint") << "expects low < high, got low=" << low << " >= high=" << high).raise();
  if (is_intlike(dtype) && (low < int_min(dtype.scalar) || high - 1 > int_max(dtype.scalar)))
    (ErrorBuilder("randint") << "range [" << low << ", " << high << ") is out of bounds for " << name(dtype)).raise();
  const int64_t n = shape_numel(shape);
  if (n == 0) return zeros(shape, dtype);
  // The two words of one counter as one uint64, reduced modulo the range (bias below range / 2^64).
  const Shape s{n};
  const Words w = words(n);
  const UOp wide =
      w.x0.cast(dtypes::uint64).alu(Op::SHL, const_node(dtypes::uint64, 32, s)).alu(Op::OR, w.x1.cast(dtypes::uint64));
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);  // wraps right past INT64_MAX
  const UOp r = wide.alu(Op::FLOORMOD, const_node(dtypes::uint64, static_cast<int64_t>(range), s)) +
                const_node(dtypes::uint64, low, s);
  return derive(r.cast(dtypes::int64), {&w.idx}).to(dtype).reshape(shape);
}

Tensor Tensor::uniform(const Shape& shape, double low, double high, DType dtype) {
  if (!(low <= high) || !std::isfinite(low) || !std::isfinite(high))
    (ErrorBuilder("uniform") << "expects a finite range low <= high, got [" << low << ", " << high << ")").raise();
  const Tensor u = uniform01("uniform", shape, dtype);
  return u.numel() == 0 ? u : u.mul(high - low).add(low);
}

Tensor Tensor::normal(const Shape& shape, double mean, double std, DType dtype) {
  if (!(std >= 0)) (ErrorBuilder("normal") << "expects std >= 0, got " << std).raise();
  const Tensor z = randn(shape, dtype);
  return z.numel() == 0 ? z : z.mul(std).add(mean);
}

Tensor Tensor::rand_like(const Tensor& t, std::optional<DType> dtype) {
  return rand(t.shape(), dtype.value_or(t.dtype())).to(t.device());
}

Tensor Tensor::randn_like(const Tensor& t, std::optional<DType> dtype) {
  return randn(t.shape(), dtype.value_or(t.dtype())).to(t.device());
}

}  // namespace anvil
