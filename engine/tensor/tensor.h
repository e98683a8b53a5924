#pragma once
// anvil::Tensor: a cheap, lazy handle on a tensor-graph UOp. Ops build graph nodes and check their
// inputs (raising anvil::Error naming the op); realize() hands the graph to the registered backend.
// Names, promotion, broadcasting, keepdim and negative axes follow PyTorch.
//
// Graph conventions (the scheduler relies on them):
// - host data and realized results are RESHAPE(BUFFER) (the reshape only when the shape is not
//   the 1-D element count); every BUFFER has a fresh uid (storage.h), so identical leaves never merge;
// - constants are CONST (scalar) -> RESHAPE [1]*rank -> EXPAND; broadcasting is RESHAPE (leading 1s)
//   then EXPAND; promotion is explicit CAST;
// - REDUCE_AXIS keeps reduced axes as 1 and has the accumulator dtype, then a CAST back and/or a
//   RESHAPE dropping the axes.
//
// Defined values where PyTorch raises on data a lazy engine cannot see in time: integer
// floor_divide and remainder by zero give 0. Float floor_divide is floor(a / b) and float remainder
// a - floor(a / b) * b (PyTorch's fmod-based forms differ in the last ulp in rare cases).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "engine/ir/buffer.h"
#include "engine/ir/shape.h"
#include "engine/ir/uop.h"

namespace anvil {

// A host number as an operand (PyTorch's "wrapped number"): it takes the tensor's dtype unless its
// category is higher (an int tensor + 2.5 is float32, a bool tensor + 1 is int64).
struct Number {
  enum class Kind : uint8_t { Bool, Int, Float };
  Kind kind = Kind::Int;
  int64_t i = 0;
  double f = 0;

  template <class T>
  requires std::is_arithmetic_v<T> Number(T v) {  // NOLINT(google-explicit-constructor): `x + 2` reads best
    if constexpr (std::is_same_v<T, bool>) {
      kind = Kind::Bool;
      i = v;
    } else if constexpr (std::is_floating_point_v<T>) {
      kind = Kind::Float;
      f = static_cast<double>(v);
    } else {
      kind = Kind::Int;
      i = static_cast<int64_t>(v);
    }
  }
  double as_double() const { return kind == Kind::Float ? f : static_cast<double>(i); }
};

// A per-dimension (before, after) or (begin, end) pair.
using Range = std::pair<int64_t, int64_t>;

// The function that realizes a graph: returns a RESHAPE(BUFFER) (or BUFFER) graph of the same shape
// and dtype whose storage is registered (storage.h). The runtime installs it; none at start.
using Realizer = UOp (*)(const UOp&);
void set_realizer(Realizer realizer);

class Tensor;
struct Operand;

class Tensor {
 public:
  // The storage of a graph's BUFFER leaves, shared by the tensors derived from it.
  using Keep = std::shared_ptr<const std::vector<std::shared_ptr<Buffer>>>;

  Tensor() = default;  // an empty handle; every op on it raises
  // Wraps a tensor graph (Error("tensor") if it has no shape); `keep` holds its BUFFER leaves' storage.
  explicit Tensor(UOp uop, Keep keep = nullptr);

  // Queries.
  const UOp& uop() const;
  const Shape& shape() const;
  DType dtype() const;
  int64_t ndim() const;
  int64_t numel() const;
  int64_t size(int64_t axis) const;  // negative axes count from the end
  std::string str() const;           // "Tensor(float32, [2, 3])"

  // Realization: computes the graph (through the registered realizer) and replaces this handle's
  // graph, shared by every copy of the handle, with the realized one. Host data needs no backend.
  // Error("realize") when no realizer is registered. One handle is not to be realized from two threads.
  Tensor& realize();
  bool is_realized() const;
  Buffer to_buffer();  // realizes, then copies the elements out in row-major order
  template <class T>
  std::vector<T> to_vector() {
    return to_buffer().to<T>();
  }

  // Creation. Shapes must be non-negative. Each call makes a fresh host buffer (never merged).
  template <class T>
  static Tensor from(const std::vector<T>& values, std::optional<Shape> shape = std::nullopt) {
    return from(Buffer::from(values), std::move(shape));
  }
  static Tensor from(Buffer buffer, std::optional<Shape> shape = std::nullopt);
  static Tensor empty(const Shape& shape, DType dtype = dtypes::float32);  // zero-filled
  static Tensor zeros(const Shape& shape, DType dtype = dtypes::float32);
  static Tensor ones(const Shape& shape, DType dtype = dtypes::float32);
  static Tensor full(const Shape& shape, Number value, std::optional<DType> dtype = std::nullopt);
  static Tensor empty_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
  static Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
  static Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
  static Tensor full_like(const Tensor& t, Number value, std::optional<DType> dtype = std::nullopt);
  static Tensor arange(Number stop);
  static Tensor arange(Number start, Number stop, Number step = 1, std::optional<DType> dtype = std::nullopt);
  static Tensor eye(int64_t n, int64_t m = -1, DType dtype = dtypes::float32);
  // A lazy 0-d constant (a CONST node): no storage. Default dtype as PyTorch's torch.tensor(value).
  static Tensor scalar(Number value, std::optional<DType> dtype = std::nullopt);

  // Unary elementwise. Float ops on int/bool tensors compute in float32, as PyTorch.
  Tensor neg() const;
  Tensor abs() const;
  Tensor sign() const;
  Tensor exp() const;
  Tensor exp2() const;
  Tensor log() const;
  Tensor log2() const;
  Tensor sqrt() const;
  Tensor rsqrt() const;
  Tensor reciprocal() const;
  Tensor sin() const;
  Tensor cos() const;
  Tensor floor() const;
  Tensor ceil() const;
  Tensor trunc() const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor logical_not() const;
  Tensor bitwise_not() const;
  Tensor to(DType dtype) const;  // a value cast (float -> int truncates and saturates, NaN -> 0)
  Tensor contiguous() const;
  Tensor detach() const;

  // Binary elementwise, broadcasting, with PyTorch's promotion.
  Tensor add(const Operand& o) const;
  Tensor sub(const Operand& o) const;
  Tensor mul(const Operand& o) const;
  Tensor div(const Operand& o) const;  // true division: integers divide as float32
  Tensor floor_divide(const Operand& o) const;
  Tensor remainder(const Operand& o) const;  // sign of the divisor
  Tensor maximum(const Operand& o) const;    // NaN propagates
  Tensor minimum(const Operand& o) const;
  Tensor clamp(std::optional<Operand> lo, std::optional<Operand> hi) const;
  Tensor lt(const Operand& o) const;
  Tensor le(const Operand& o) const;
  Tensor gt(const Operand& o) const;
  Tensor ge(const Operand& o) const;
  Tensor eq(const Operand& o) const;
  Tensor ne(const Operand& o) const;
  Tensor logical_and(const Operand& o) const;
  Tensor logical_or(const Operand& o) const;
  Tensor logical_xor(const Operand& o) const;
  Tensor bitwise_and(const Operand& o) const;  // integer and bool tensors only
  Tensor bitwise_or(const Operand& o) const;
  Tensor bitwise_xor(const Operand& o) const;
  Tensor where(const Operand& a, const Operand& b) const;  // this is the (bool) condition

  // Reductions. An empty axis list reduces every axis (as PyTorch's dim=[]). Sums and products of
  // bool and integer tensors are int64 (uint64 stays uint64); float16/bfloat16 accumulate in float32.
  Tensor sum(std::vector<int64_t> axes = {}, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor sum(int64_t axis, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(std::vector<int64_t> axes = {}, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor prod(int64_t axis, bool keepdim = false, std::optional<DType> dtype = std::nullopt) const;
  Tensor max(std::vector<int64_t> axes = {}, bool keepdim = false) const;  // raises on no elements
  Tensor max(int64_t axis, bool keepdim = false) const;
  Tensor min(std::vector<int64_t> axes = {}, bool keepdim = false) const;
  Tensor min(int64_t axis, bool keepdim = false) const;
  Tensor mean(std::vector<int64_t> axes = {}, bool keepdim = false) const;  // float tensors only
  Tensor mean(int64_t axis, bool keepdim = false) const;

  // Movement.
  Tensor reshape(Shape shape) const;  // one dimension may be -1
  Tensor permute(std::vector<int64_t> axes) const;
  Tensor transpose(int64_t a = -2, int64_t b = -1) const;
  Tensor expand(Shape shape) const;  // -1 keeps a size; new dimensions may lead
  // Per-dimension (before, after) from the first axis; negative amounts crop, as PyTorch's F.pad.
  Tensor pad(const std::vector<Range>& pads, Number value = 0) const;
  Tensor shrink(const std::vector<Range>& ranges) const;  // per-dimension [begin, end), in bounds
  Tensor slice(int64_t axis, std::optional<int64_t> start,
               std::optional<int64_t> stop) const;  // Python's a[start:stop]
  Tensor flip(std::vector<int64_t> axes) const;
  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor squeeze() const;              // every size-1 axis
  Tensor squeeze(int64_t axis) const;  // a no-op when the axis is not 1, as PyTorch
  Tensor unsqueeze(int64_t axis) const;
  static Tensor cat(const std::vector<Tensor>& tensors, int64_t axis = 0);
  static Tensor stack(const std::vector<Tensor>& tensors, int64_t axis = 0);

  // matmul as PyTorch's: 1-D, 2-D and batched with broadcast; both operands of one dtype.
  Tensor matmul(const Tensor& o) const;

  const Keep& keep() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  const Impl& impl(const char* op) const;
};

// A tensor or a host number: the second operand of binary ops.
struct Operand {
  std::variant<Tensor, Number> v;
  Operand(Tensor t) : v(std::move(t)) {}  // NOLINT(google-explicit-constructor)
  template <class T>
  requires std::is_arithmetic_v<T> Operand(T n) : v(Number(n)) {}  // NOLINT(google-explicit-constructor)
  Operand(Number n) : v(n) {}                                      // NOLINT(google-explicit-constructor)
};

// PyTorch's result_type for tensors and numbers: dimensioned tensors, then 0-d tensors, then
// numbers, each later group counting only when its category (bool < int < float) is higher.
DType result_type(const std::vector<Operand>& operands);

Tensor operator+(const Tensor& a, const Operand& b);
Tensor operator-(const Tensor& a, const Operand& b);
Tensor operator*(const Tensor& a, const Operand& b);
Tensor operator/(const Tensor& a, const Operand& b);
Tensor operator+(Number a, const Tensor& b);
Tensor operator-(Number a, const Tensor& b);
Tensor operator*(Number a, const Tensor& b);
Tensor operator/(Number a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor where(const Tensor& cond, const Operand& a, const Operand& b);
Tensor matmul(const Tensor& a, const Tensor& b);

}  // namespace anvil
