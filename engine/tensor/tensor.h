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
#include <iosfwd>
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

enum class PadMode : uint8_t { Constant, Reflect, Replicate, Circular };

// Items of Tensor::index: Python's a[start:stop:step], None and ... .
struct Slice {
  std::optional<int64_t> start, stop, step;
};
struct NewAxisTag {};
struct EllipsisTag {};
inline constexpr NewAxisTag NewAxis{};
inline constexpr EllipsisTag Ellipsis{};
class Tensor;
// An integer (int64/int32) tensor as an index item: advanced indexing (gather.cpp). A bool mask raises.
struct TensorItem {
  std::shared_ptr<const Tensor> t;
  TensorItem(const Tensor& t);  // NOLINT(google-explicit-constructor): a[idx] reads best
};
using IndexItem = std::variant<int64_t, Slice, NewAxisTag, EllipsisTag, TensorItem>;

// The function that realizes a graph: returns a RESHAPE(BUFFER) (or BUFFER) graph of the same shape
// and dtype whose storage is registered (storage.h). The runtime installs it; none at start.
using Realizer = UOp (*)(const UOp&);
// Backends by name (device.cpp): a tensor realizes with its device's realizer. register_backend
// replaces a name's realizer (nullptr removes it). The default device is ANVIL_BACKEND, else
// "interp"; a name nobody registered raises at the first realize that needs it.
void register_backend(const std::string& name, Realizer realizer);
// Realizes several graphs in one schedule (results in order); optional: realize_all() falls back to
// one Realizer call per tensor on a backend without one.
using MultiRealizer = std::vector<UOp> (*)(const std::vector<UOp>&);
void register_backend(const std::string& name, Realizer realizer, MultiRealizer multi);
std::vector<std::string> registered_backends();  // sorted
std::string default_backend();
void set_realizer(Realizer realizer);  // register_backend(default_backend(), realizer)

class Tensor;
struct Operand;
namespace tensor_detail {
struct AutogradState;
}

class Tensor {
 public:
  // The storage of a graph's BUFFER leaves, shared by the tensors derived from it.
  using Keep = std::shared_ptr<const std::vector<std::shared_ptr<Buffer>>>;

  Tensor() = default;  // an empty handle; every op on it raises
  // Wraps a tensor graph (Error("tensor") if it has no shape); `keep` holds its BUFFER leaves' storage.
  // `device` empty: the default backend.
  explicit Tensor(UOp uop, Keep keep = nullptr, std::string device = "");

  // Queries.
  const UOp& uop() const;
  const Shape& shape() const;
  DType dtype() const;
  int64_t ndim() const;
  int64_t numel() const;
  int64_t size(int64_t axis) const;  // negative axes count from the end
  std::string str() const;           // "Tensor(float32, [2, 3])"
  // The values as PyTorch prints them (realizes): "tensor([[1., 2.],\n        [3., 4.]])" (print.cpp).
  std::string to_string();
  const std::string& device() const;  // the backend that realizes this tensor; derived tensors inherit it
  // The same tensor on another backend; Error("to") naming the registered ones for an unknown name.
  Tensor to(const std::string& backend) const;
  Tensor to(const char* backend) const { return to(std::string(backend)); }

  // Realization: computes the graph (through the registered realizer) and replaces this handle's
  // graph, shared by every copy of the handle, with the realized one. Host data needs no backend.
  // Error("realize") when no realizer is registered. One handle is not to be realized from two threads.
  Tensor& realize();
  // Realizes every tensor of the list in one schedule per device (as tinygrad's Tensor.realize(*ts)):
  // work they share runs once, e.g. a training step's new parameters and its loss share the forward pass.
  static void realize_all(const std::vector<Tensor>& tensors);
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
  // `steps` points from start to end inclusive, as torch.linspace (float32 unless told; the second
  // half counts back from `end`, so both endpoints are exact).
  static Tensor linspace(Number start, Number end, int64_t steps, std::optional<DType> dtype = std::nullopt);

  // Random tensors (random.cpp): Threefry-2x32-20 computed in the graph, so every backend gives the
  // same bits. manual_seed resets the process-wide stream; each call takes fresh counters, so two
  // calls differ and one seed with one call sequence repeats exactly.
  static void manual_seed(uint64_t seed);
  static Tensor rand(const Shape& shape, DType dtype = dtypes::float32);   // [0, 1), float dtypes
  static Tensor randn(const Shape& shape, DType dtype = dtypes::float32);  // N(0, 1), Box-Muller
  static Tensor randint(int64_t low, int64_t high, const Shape& shape, DType dtype = dtypes::int64);  // [low, high)
  static Tensor uniform(const Shape& shape, double low, double high, DType dtype = dtypes::float32);
  static Tensor normal(const Shape& shape, double mean, double std, DType dtype = dtypes::float32);
  static Tensor rand_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
  static Tensor randn_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);

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
  Tensor tan() const;
  Tensor round() const;  // half to even, as torch.round; integer tensors are unchanged
  Tensor isnan() const;  // bool results; integer and bool tensors give false (isfinite: true)
  Tensor isinf() const;
  Tensor isfinite() const;
  // Activations (float tensors only, as PyTorch's; float16/bfloat16 compute in float32).
  Tensor leaky_relu(double negative_slope = 0.01) const;
  Tensor elu(double alpha = 1) const;
  // approximate: "none" (the exact erf form) or "tanh"; erf is built from primitives, ~1e-7 absolute.
  Tensor gelu(const std::string& approximate = "none") const;
  Tensor silu() const;
  Tensor softplus(double beta = 1, double threshold = 20) const;
  Tensor hardswish() const;
  Tensor mish() const;
  // The same bits as another dtype of the same item size (torch's view(dtype)); Error otherwise.
  Tensor bitcast(DType dtype) const;
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
  // Power with PyTorch's promotion. Integers are exact (repeated squaring, wrapping). A negative
  // integer exponent raises when it is a number (as PyTorch); inside a tensor it gives PyTorch's CPU
  // value: 1 for a base of 1, +-1 for -1, else 0.
  Tensor pow(const Operand& exponent) const;
  // this + weight * (end - this), float tensors; end and a tensor weight share this tensor's dtype.
  Tensor lerp(const Tensor& end, const Operand& weight) const;
  // Integer tensors only. A count outside [0, bits) (negative ones too) gives 0, or the sign fill
  // (-1) for a right shift of a negative value, as PyTorch's CPU kernels.
  Tensor bitwise_left_shift(const Operand& o) const;
  Tensor bitwise_right_shift(const Operand& o) const;

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
  // Float tensors only. Divides by max(N - correction, 0): too few elements give inf or NaN, as PyTorch.
  Tensor var(std::vector<int64_t> axes = {}, double correction = 1, bool keepdim = false) const;
  Tensor var(int64_t axis, double correction = 1, bool keepdim = false) const;
  Tensor std(std::vector<int64_t> axes = {}, double correction = 1, bool keepdim = false) const;
  Tensor std(int64_t axis, double correction = 1, bool keepdim = false) const;
  // int64 index of the first maximum (minimum); NaN counts as both, as PyTorch. No axis: over the
  // flattened tensor (keepdim keeps every axis as 1). Raises on no elements, and on bool except over
  // an axis of size 1 (torch 1.13 has no bool kernel).
  Tensor argmax(std::optional<int64_t> axis = std::nullopt, bool keepdim = false) const;
  Tensor argmin(std::optional<int64_t> axis = std::nullopt, bool keepdim = false) const;
  Tensor any(std::vector<int64_t> axes = {}, bool keepdim = false) const;  // bool; NaN is true
  Tensor any(int64_t axis, bool keepdim = false) const;
  Tensor all(std::vector<int64_t> axes = {}, bool keepdim = false) const;
  Tensor all(int64_t axis, bool keepdim = false) const;
  // Max-shifted; integer tensors compute in float32; no elements give -inf.
  Tensor logsumexp(std::vector<int64_t> axes = {}, bool keepdim = false) const;
  Tensor logsumexp(int64_t axis, bool keepdim = false) const;
  // Max-subtracted. `dtype` casts the input first (so an integer tensor may name a float dtype).
  Tensor softmax(int64_t axis = -1, std::optional<DType> dtype = std::nullopt) const;
  Tensor log_softmax(int64_t axis = -1, std::optional<DType> dtype = std::nullopt) const;

  // Movement.
  Tensor reshape(Shape shape) const;  // one dimension may be -1
  Tensor permute(std::vector<int64_t> axes) const;
  Tensor transpose(int64_t a = -2, int64_t b = -1) const;
  Tensor expand(Shape shape) const;  // -1 keeps a size; new dimensions may lead
  // Per-dimension (before, after) from the first axis; negative amounts crop, as PyTorch's F.pad.
  Tensor pad(const std::vector<Range>& pads, Number value = 0) const;
  // Non-constant modes (pad_modes.cpp), PyTorch's rules: reflect mirrors without the edge (each pad
  // < the size), replicate repeats the edge (size > 0), circular wraps (each pad <= the size); pads
  // must be >= 0 there, and `value` belongs to constant mode only.
  Tensor pad(const std::vector<Range>& pads, PadMode mode, std::optional<Number> value = std::nullopt) const;
  Tensor shrink(const std::vector<Range>& ranges) const;  // per-dimension [begin, end), in bounds
  // torch.split: pieces of `size` (the last may be shorter), or of the listed sizes (summing to the axis).
  std::vector<Tensor> split(int64_t size, int64_t axis = 0) const;
  std::vector<Tensor> split(const std::vector<int64_t>& sizes, int64_t axis = 0) const;
  std::vector<Tensor> chunk(int64_t chunks, int64_t axis = 0) const;  // pieces of ceil(n / chunks): maybe fewer
  Tensor repeat(const std::vector<int64_t>& repeats) const;           // torch.Tensor.repeat
  // Basic indexing, as a[1::2, None, ..., -1] (index.cpp): ints (negative from the end; out of range
  // raises), Slice{start, stop, step} (step > 0), NewAxis, one Ellipsis. Strided slices are views.
  Tensor index(const std::vector<IndexItem>& items) const;
  Tensor slice(int64_t axis, std::optional<int64_t> start,
               std::optional<int64_t> stop) const;  // Python's a[start:stop]
  Tensor flip(std::vector<int64_t> axes) const;

  // ---- Integer-tensor indexing (gather.cpp, scatter.cpp, cumulative.cpp, setitem.cpp). ----
  // Index tensors are int64 (int32 where PyTorch takes it too: index(), index_select); anything else
  // raises. PyTorch raises on out-of-range index values, which a lazy engine cannot see in time, so
  // they have a defined value instead: gather, index_select, index() and embedding select nothing
  // there (0, like a one-hot miss); scatter*, index_put_ write nothing; one_hot gives an all-zero row.
  // index(), index_put_ and setitem, like Python, first wrap negative values once (-1 is the last),
  // so their range is [-size, size); gather, scatter*, index_select and embedding take [0, size)
  // only (PyTorch raises on negatives there). Duplicate indices in scatter and index_put_
  // (accumulate=false): the last writer in row-major order of the index wins (torch: unspecified).
  // Index-tensor items of index(): one or several (broadcast together); when they are adjacent the
  // result dims go where they stood, else first (numpy's rule). A bool tensor item (a mask) raises:
  // its result shape depends on its values (torch's nonzero / masked_select); use masked_fill or where.
  Tensor gather(int64_t dim, const Tensor& index) const;
  Tensor scatter(int64_t dim, const Tensor& index, const Tensor& src) const;
  Tensor scatter(int64_t dim, const Tensor& index, Number value) const;
  Tensor scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const;
  // reduce: "sum", "prod", "mean", "amax", "amin"; integer "mean" rounds toward floor, as PyTorch.
  Tensor scatter_reduce(int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce,
                        bool include_self = true) const;
  Tensor index_select(int64_t dim, const Tensor& index) const;
  Tensor masked_fill(const Tensor& mask, const Operand& value) const;  // value: a number or a 0-d tensor
  // Cumulative sum/product along dim; bool and integer inputs give int64 (as PyTorch), exact.
  Tensor cumsum(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  Tensor cumprod(int64_t dim, std::optional<DType> dtype = std::nullopt) const;
  // int64 one-hot of an int64 tensor: shape + [num_classes]. num_classes = -1 realizes the index
  // to find max + 1 (as PyTorch). Negative values raise in PyTorch; here their row is all zeros.
  Tensor one_hot(int64_t num_classes = -1) const;

  // ---- Sorting (sort.cpp): rank by counting comparisons along dim, then place by a one-hot compare;
  // O(n^2) work per row of n, in two fused reduce kernels. NaN sorts as the largest value and ties
  // keep index order. Indices int64. stable=false gives that stable order too: torch promises nothing
  // about ties then (its CPU and CUDA kernels differ), so code meant for both must not rely on it.
  std::pair<Tensor, Tensor> sort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  Tensor argsort(int64_t dim = -1, bool descending = false, bool stable = false) const;
  // The k largest (smallest) along dim; Error("topk") when k is outside [0, size]. sorted=false
  // promises the k values as a set, in any order (as torch), each with an index holding it; anvil
  // happens to return them sorted, and tests compare them as sets.
  std::pair<Tensor, Tensor> topk(int64_t k, int64_t dim = -1, bool largest = true, bool sorted = true) const;

  // ---- In-place updates (setitem.cpp). They replace the value of this handle and its copies (the
  // same Impl), lazily. Ordering, as PyTorch where a lazy engine can:
  // - a tensor computed from this one before the update keeps the old value; one computed after
  //   sees the new value (anvil's ops read the graph at the call, as PyTorch's compute at the call);
  // - unlike PyTorch, views are not aliases: a view taken before the update keeps the old value, and
  //   updating a view (t.index(...).index_put_(...)) does not write through to its base;
  // - autograd: an update of a leaf that requires grad raises (as PyTorch's "a leaf Variable that
  //   requires grad is being used in an in-place operation"); otherwise the gradient flows to the
  //   old value where it was not overwritten and to the written values, as PyTorch's.
  // values broadcast to the indexed shape and are cast to this dtype (as PyTorch's copy_).
  Tensor& index_put_(const std::vector<Tensor>& indices, const Tensor& values, bool accumulate = false);
  Tensor& setitem(const std::vector<IndexItem>& items, const Operand& value);  // t[items] = value
  Tensor& assign(const Tensor& other);  // same shape and dtype, else Error("assign")
  Tensor& masked_fill_(const Tensor& mask, const Operand& value);

  Tensor flatten(int64_t start = 0, int64_t end = -1) const;
  Tensor squeeze() const;              // every size-1 axis
  Tensor squeeze(int64_t axis) const;  // a no-op when the axis is not 1, as PyTorch
  Tensor unsqueeze(int64_t axis) const;
  static Tensor cat(const std::vector<Tensor>& tensors, int64_t axis = 0);
  static Tensor stack(const std::vector<Tensor>& tensors, int64_t axis = 0);

  // matmul as PyTorch's: 1-D, 2-D and batched with broadcast; both operands of one dtype.
  Tensor matmul(const Tensor& o) const;
  Tensor dot(const Tensor& o) const;  // 1-D with 1-D of one length and one dtype
  // this @ weight^T + bias, as torch.nn.functional.linear; weight is [out, in] (or [in]).
  Tensor linear(const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt) const;

  const Keep& keep() const;

  // ---- Autograd (autograd.cpp, gradient.cpp): reverse mode over the graph's primitive ops. ----
  // Only float tensors can require grad. A tensor derived from one that does requires grad too when
  // its dtype is float (detach() stops it). requires_grad_() makes a tensor a leaf with a node of its
  // own (a fresh BUFFER uid; a tensor that is not host data is realized first), so equal leaves never
  // merge. Gradients sum over broadcasts and survive realizing or printing intermediate values.
  // At ties, maximum/minimum and max/min reductions split the gradient evenly (torch.maximum,
  // torch.amax). relu and clamp are selects, as PyTorch: relu'(0) = 0, clamp passes all of it on [min, max].
  // Error("requires_grad_") for a non-float tensor, or for turning it off on a non-leaf.
  Tensor& requires_grad_(bool requires_grad = true);
  bool requires_grad() const;
  bool is_leaf() const;  // as PyTorch: every tensor that does not require grad is a leaf too
  // The accumulated gradient of a leaf (lazy: a graph like any tensor's); none before backward().
  std::optional<Tensor> grad() const;
  void set_grad(std::optional<Tensor> grad);  // Error("set_grad") when the shape or dtype differs
  void zero_grad();                           // drops the gradient (PyTorch's set_to_none)
  // Accumulates d(this)/d(leaf) into every leaf's grad(). backward() needs one element (Error
  // otherwise, as PyTorch); `gradient` has this tensor's shape. Both raise when this tensor does not
  // require grad. The graph is kept, so backward() may be called again (gradients add up).
  void backward();
  void backward(const Tensor& gradient);
  // Internal (engine/tensor/autograd.h): state shared by this handle's copies; null when none.
  const std::shared_ptr<tensor_detail::AutogradState>& autograd_state() const;
  void set_autograd_state(std::shared_ptr<tensor_detail::AutogradState> state);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  const Impl& impl(const char* op) const;
  void rebind(UOp uop, Keep keep);  // replaces the graph for every copy of this handle
  void take_realized(UOp out);      // rebinds to a realizer's result, keeping its storage
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
std::ostream& operator<<(std::ostream& os, Tensor t);  // t.to_string()
// torch.autograd.grad: d(out)/d(input) for each input (leaves or not), seeded with `grad_out`
// (required unless `out` has one element). Accumulates nothing into grad(). Error("grad") when an
// input does not require grad or `out` does not depend on it. A non-leaf input is its graph node:
// an equal computation elsewhere (hash-consed into the same node) counts as the same input.
std::vector<Tensor> grad(const Tensor& out, const std::vector<Tensor>& inputs,
                         std::optional<Tensor> grad_out = std::nullopt);
Tensor pow(const Tensor& base, const Operand& exponent);
Tensor pow(Number base, const Tensor& exponent);
Tensor linear(const Tensor& x, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt);
// torch.nn.functional.embedding: weight[indices] for an int64/int32 index tensor; weight is 2-D.
Tensor embedding(const Tensor& indices, const Tensor& weight);
Tensor one_hot(const Tensor& index, int64_t num_classes = -1);

// ---- Losses (loss.cpp), as torch.nn.functional, built from log_softmax, one-hot compares, where and
// sums (so ref and autograd need nothing new). reduction: "none", "mean" or "sum". Float inputs.
// Class-index targets are int64 in [0, C) or ignore_index; torch raises on other values, which a lazy
// engine cannot see in time: here such a target contributes 0 (and no weight to a mean's divisor).
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
// input [N, C, d1...] (or [C]) of log-probabilities, target [N, d1...] (or []); weight [C]. "mean"
// divides by the summed weight of the targets that are not ignore_index (0 / 0 is NaN, as torch).
Tensor nll_loss(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight = std::nullopt,
                int64_t ignore_index = -100, const std::string& reduction = "mean");
// Logits [N, C, d1...] (or [C]); target: class indices as nll_loss, or class probabilities of the
// input's shape (a float target of the same shape). label_smoothing in [0, 1] mixes in the uniform.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const std::optional<Tensor>& weight = std::nullopt,
                     int64_t ignore_index = -100, const std::string& reduction = "mean", double label_smoothing = 0);
// input holds probabilities (torch raises outside [0, 1]; here log of a negative is NaN); each log is
// clamped at -100 as torch. target has the input's shape; weight broadcasts to it.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const std::optional<Tensor>& weight = std::nullopt, const std::string& reduction = "mean");
// The stable form (1 - t) x + (1 + (pos_weight - 1) t) softplus(-x); pos_weight broadcasts to the input.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const std::optional<Tensor>& weight = std::nullopt,
                                        const std::string& reduction = "mean",
                                        const std::optional<Tensor>& pos_weight = std::nullopt);

// ---- Convolution, pooling, normalization, dropout (conv.cpp, pool.cpp, norm.cpp, dropout.cpp), as
// torch.nn.functional. NCHW; a 3-d input is one unbatched sample [C, H, W]. Windows are views (pad,
// reshape, expand, shrink, permute), then a multiply and a sum, so they fuse as any reduce does.
// Float tensors only; float16/bfloat16 compute in float32 and round once.
struct Size2 {  // an int or an (h, w) pair, as PyTorch's _pair
  int64_t h = 0, w = 0;
  Size2(int64_t v) : h(v), w(v) {}  // NOLINT(google-explicit-constructor): stride=2 reads best
  Size2(int64_t h, int64_t w) : h(h), w(w) {}
};
// weight [C_out, C_in / groups, kH, kW]; bias [C_out].
Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
              Size2 stride = 1, Size2 padding = 0, Size2 dilation = 1, int64_t groups = 1);
// torch's padding="valid" (none) and "same" (the output keeps H and W; stride 1 only; an odd total pad
// puts the extra one after).
enum class ConvPadding : uint8_t { Valid, Same };
Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, Size2 stride,
              ConvPadding padding, Size2 dilation = 1, int64_t groups = 1);
// weight [C_in, C_out / groups, kH, kW]: conv2d of the input dilated by stride with the weight flipped.
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
                        Size2 stride = 1, Size2 padding = 0, Size2 output_padding = 0, int64_t groups = 1,
                        Size2 dilation = 1);
// stride defaults to the kernel; padding (at most half the kernel) is -inf.
Tensor max_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                  Size2 dilation = 1, bool ceil_mode = false);
// The max and its int64 index into the input's H * W plane (the first maximum of a window; NaN wins).
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel,
                                                  std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                                                  Size2 dilation = 1, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride = std::nullopt, Size2 padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
// input [N, C, *]. training: batch statistics, and running_mean/var (when given) are updated by
// assign() to (1 - momentum) * old + momentum * batch (the variance unbiased, as torch); otherwise
// the running statistics normalize (both required).
Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, bool training = false, double momentum = 0.1,
                  double eps = 1e-5);
// Over the last len(normalized_shape) dims, which must equal it; weight and bias have that shape.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape,
                  const std::optional<Tensor>& weight = std::nullopt, const std::optional<Tensor>& bias = std::nullopt,
                  double eps = 1e-5);
// input [N, C, *], C divisible by num_groups; weight and bias [C].
Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
// Zeroes each element with probability p (the engine's seeded stream) and scales the rest by
// 1 / (1 - p); identity unless training; p = 1 gives input * 0 (NaN stays NaN, as torch).
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true);

inline TensorItem::TensorItem(const Tensor& t) : t(std::make_shared<const Tensor>(t)) {}

}  // namespace anvil
