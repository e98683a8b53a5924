#pragma once
// dtypes: scalars, vectors of scalars, and pointers (with an address space) to either.
// `index` is the exact integer type of index arithmetic; it is lowered to int32/int64 late.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace anvil {

enum class Scalar : uint8_t {
  Void,
  Bool,
  Int8,
  Int16,
  Int32,
  Int64,
  UInt8,
  UInt16,
  UInt32,
  UInt64,
  Float16,
  BFloat16,
  Float32,
  Float64,
  Index,
};
inline constexpr int kScalarCount = static_cast<int>(Scalar::Index) + 1;

enum class AddrSpace : uint8_t { Global, Local, Reg };

struct DType {
  Scalar scalar = Scalar::Void;
  uint16_t count = 1;  // vector width; 1 for a scalar
  bool is_ptr = false;
  AddrSpace space = AddrSpace::Global;
  int64_t ptr_size = -1;  // elements behind a pointer, -1 when unknown

  constexpr DType() = default;
  constexpr DType(Scalar s) : scalar(s) {}  // NOLINT(google-explicit-constructor): dtypes::float32 reads best

  constexpr DType vec(int n) const { return with_count(static_cast<uint16_t>(n)); }
  constexpr DType scalar_type() const { return DType(scalar); }  // drops vector width and pointer-ness
  constexpr DType elem() const {                                 // the pointee of a pointer
    DType d = *this;
    d.is_ptr = false;
    d.space = AddrSpace::Global;
    d.ptr_size = -1;
    return d;
  }
  constexpr DType ptr(AddrSpace sp = AddrSpace::Global, int64_t size = -1) const {
    DType d = *this;
    d.is_ptr = true;
    d.space = sp;
    d.ptr_size = size;
    return d;
  }
  constexpr bool operator==(const DType&) const = default;

 private:
  constexpr DType with_count(uint16_t n) const {
    DType d = *this;
    d.count = n;
    return d;
  }
};

namespace dtypes {
inline constexpr DType void_{Scalar::Void}, bool_{Scalar::Bool}, int8{Scalar::Int8}, int16{Scalar::Int16},
    int32{Scalar::Int32}, int64{Scalar::Int64}, uint8{Scalar::UInt8}, uint16{Scalar::UInt16}, uint32{Scalar::UInt32},
    uint64{Scalar::UInt64}, float16{Scalar::Float16}, bfloat16{Scalar::BFloat16}, float32{Scalar::Float32},
    float64{Scalar::Float64}, index{Scalar::Index};
}  // namespace dtypes

// Scalar properties. Width-dependent facts about `index` treat it as int64, the widest it lowers to.
int bits(Scalar s);  // storage bits: bool 8, index 64
inline int itemsize(Scalar s) { return bits(s) / 8; }
int64_t itemsize(const DType& d);  // bytes of one value (a pointer is 8)
bool is_float(Scalar s);
bool is_int(Scalar s);  // signed, unsigned and index; not bool
bool is_unsigned(Scalar s);
bool is_signed_int(Scalar s);  // includes index
inline bool is_float(const DType& d) { return !d.is_ptr && is_float(d.scalar); }
inline bool is_int(const DType& d) { return !d.is_ptr && is_int(d.scalar); }
inline bool is_bool(const DType& d) { return !d.is_ptr && d.scalar == Scalar::Bool; }
inline bool is_unsigned(const DType& d) { return !d.is_ptr && is_unsigned(d.scalar); }
// Integer or bool scalar: the values range analysis and the index domain speak about.
inline bool is_intlike(const DType& d) {
  return !d.is_ptr && d.count == 1 && (is_int(d.scalar) || d.scalar == Scalar::Bool);
}

// The representable range of an integer or bool scalar (index: int64's).
__int128 int_min(Scalar s);
__int128 int_max(Scalar s);
// Wraps a wide value into the two's-complement range of s (bool: nonzero is 1; index: unchanged).
__int128 wrap_int(Scalar s, __int128 v);

// Names: "float32", "int8x4" (vector), "float32*" / "float32*local[64]" (pointers).
std::string name(Scalar s);
std::string name(const DType& d);
std::optional<DType> parse_dtype(std::string_view text);

// PyTorch's promotion lattice for two tensors of these dtypes. Throws anvil::Error for pairs
// PyTorch refuses (uint64 with a signed integer type).
DType promote(DType a, DType b);

// float16 and bfloat16: round to nearest even, NaN and Inf kept (NaN stays quiet NaN with its
// sign), and from float64 directly, never through float32 (no double rounding).
uint16_t f64_to_f16(double x);
uint16_t f64_to_bf16(double x);
inline uint16_t f32_to_f16(float x) { return f64_to_f16(x); }  // float32 -> float64 is exact
inline uint16_t f32_to_bf16(float x) { return f64_to_bf16(x); }
float f16_to_f32(uint16_t h);
float bf16_to_f32(uint16_t h);
// Rounds a double to the nearest value of a float scalar type (float64: unchanged).
double round_to(Scalar s, double x);

}  // namespace anvil
