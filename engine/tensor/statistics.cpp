// Reductions built from the primitive ones: var/std, argmax/argmin, any/all, logsumexp, softmax
// and log_softmax.
#include <algorithm>
#include <optional>
#include <vector>

#include "engine/tensor/float_math.h"
#include "engine/tensor/graph.h"

namespace anvil {
namespace {

// Runs `fn`, renaming an Error of the inner ops (a bad axis found by sum or max) to `op`.
template <class F>
Tensor as_op(const char* op, F fn) {
  try {
    return fn();
  } catch (const Error& e) {
    if (e.op() == op) throw;
    throw Error(op, e.message());
  }
}

void need_float(const char* op, const Tensor& t) {
  if (!is_float(t.dtype()))
    (ErrorBuilder(op) << "needs a float tensor, got " << name(t.dtype()) << "; cast with to() first").raise();
}

// The number of elements each result element reduces: the product of the reduced axes' sizes.
int64_t reduced_count(const Tensor& t, const std::vector<int64_t>& axes) {
  const Shape kept = t.sum(axes, true).shape();
  int64_t n = 1;
  for (size_t i = 0; i < kept.size(); ++i)
    if (kept[i] != t.shape()[i]) n *= t.shape()[i];  // equal sizes: not reduced, or a size-1 axis
  return n;
}

// float16/bfloat16 compute in float32 and round once at the end.
Tensor widened(const Tensor& t) { return t.to(tensor_detail::compute_dtype(t.dtype())); }

// The variance in the compute dtype (float32 for float16/bfloat16); the caller casts back.
Tensor var_of(const char* op, const Tensor& t, const std::vector<int64_t>& axes, double correction, bool keepdim) {
  need_float(op, t);
  return as_op(op, [&] {
    const Tensor x = widened(t);
    const int64_t n = reduced_count(x, axes);
    const Tensor dev = x - x.sum(axes, true) / static_cast<double>(n);
    const double divisor = std::max(static_cast<double>(n) - correction, 0.0);  // 0 gives inf or NaN, as PyTorch
    return (dev * dev).sum(axes, keepdim) / divisor;
  });
}

Tensor arg_of(const char* op, const Tensor& t, std::optional<int64_t> axis, bool keepdim, bool is_max) {
  if (is_bool(t.dtype())) {
    // PyTorch 1.13 has no bool kernel but skips it for an axis of size 1 (or an empty result).
    const bool trivial =
        axis && (t.ndim() == 0 || t.numel() == 0 || t.shape()[tensor_detail::normalize_axis(op, *axis, t.ndim())] == 1);
    if (!trivial)
      (ErrorBuilder(op) << "not supported for bool tensors of shape " << shape_str(t.shape())
                        << " (PyTorch has no bool kernel; only an axis of size 1 works)")
          .raise();
    return arg_of(op, t.to(dtypes::uint8), axis, keepdim, is_max);
  }
  if (!axis) {
    Tensor flat = arg_of(op, t.reshape({t.numel()}), 0, false, is_max);
    return keepdim ? flat.reshape(Shape(t.ndim(), 1)) : flat;
  }
  const int64_t rank = std::max<int64_t>(t.ndim(), 1);
  const int64_t a = tensor_detail::normalize_axis(op, *axis, rank);
  if (t.ndim() == 0) return tensor_detail::on_device_of(Tensor::zeros({}, dtypes::int64), t);
  const int64_t n = t.shape()[a];
  if (n == 0)
    (ErrorBuilder(op) << "cannot take the " << (is_max ? "max" : "min") << " of no elements: axis " << a
                      << " has size 0 in shape " << shape_str(t.shape()))
        .raise();
  const Tensor best = is_max ? t.max(a, true) : t.min(a, true);
  Tensor hit = t.eq(best);
  if (is_float(t.dtype())) hit = hit.logical_or(t.isnan());  // a NaN extreme matches the NaNs
  // n - i at a hit, 0 elsewhere: the first hit has the largest value.
  Shape along(t.ndim(), 1);
  along[a] = n;
  const Tensor rev = (n - tensor_detail::on_device_of(Tensor::arange(n), t)).reshape(along);
  return n - hit.where(rev, 0).max(a, keepdim);
}

// Bool reductions: ADD on bool is OR (identity false), MUL is AND (identity true).
Tensor bool_reduce(const char* op, const Tensor& t, const std::vector<int64_t>& axes, bool keepdim, bool is_all) {
  return as_op(op, [&] {
    const Tensor b = t.to(dtypes::bool_);
    return is_all ? b.prod(axes, keepdim, dtypes::bool_) : b.sum(axes, keepdim, dtypes::bool_);
  });
}

Tensor logsumexp_of(const Tensor& t, const std::vector<int64_t>& axes, bool keepdim) {
  return as_op("logsumexp", [&] {
    const Tensor x = is_float(t.dtype()) ? t : t.to(dtypes::float32);
    const Tensor w = widened(x);
    Tensor out;
    if (w.numel() == 0) {
      out = w.exp().sum(axes, keepdim).log();  // no elements: log(0) = -inf
    } else {
      // An infinite max shifts by 0, so all -inf gives -inf and a +inf gives +inf (as PyTorch).
      const Tensor m = w.max(axes, true);
      const Tensor shift = m.isinf().where(0.0, m);
      const Tensor s = (w - shift).exp().sum(axes, true).log() + shift;
      out = keepdim ? s : s.reshape(w.sum(axes, false).shape());
    }
    return out.to(x.dtype());
  });
}

// softmax and log_softmax over one axis, max-subtracted.
Tensor softmax_of(const char* op, const Tensor& t, int64_t axis, std::optional<DType> dtype, bool log) {
  const Tensor in = dtype ? as_op(op, [&] { return t.to(*dtype); }) : t;
  need_float(op, in);
  tensor_detail::normalize_axis(op, axis, std::max<int64_t>(in.ndim(), 1));
  if (in.numel() == 0) return in;
  return as_op(op, [&] {
    const Tensor x = widened(in);
    const Tensor z = x - x.max(axis, true);
    const Tensor e = z.exp();
    const Tensor out = log ? z - e.sum(axis, true).log() : e / e.sum(axis, true);
    return out.to(in.dtype());
  });
}

}  // namespace

Tensor Tensor::var(std::vector<int64_t> axes, double correction, bool keepdim) const {
  return var_of("var", *this, axes, correction, keepdim).to(dtype());
}
Tensor Tensor::var(int64_t axis, double correction, bool keepdim) const {
  return var(std::vector<int64_t>{axis}, correction, keepdim);
}
Tensor Tensor::std(std::vector<int64_t> axes, double correction, bool keepdim) const {
  // sqrt's gradient is infinite at 0; PyTorch gives std a zero gradient there, and so does this
  // form: neither branch of the selects makes inf or NaN where the variance is 0.
  const Tensor v = var_of("std", *this, axes, correction, keepdim);
  const Tensor zero = v.eq(0);
  return zero.where(0, zero.where(1, v).sqrt()).to(dtype());
}
Tensor Tensor::std(int64_t axis, double correction, bool keepdim) const {
  return std(std::vector<int64_t>{axis}, correction, keepdim);
}

Tensor Tensor::argmax(std::optional<int64_t> axis, bool keepdim) const {
  return arg_of("argmax", *this, axis, keepdim, true);
}
Tensor Tensor::argmin(std::optional<int64_t> axis, bool keepdim) const {
  return arg_of("argmin", *this, axis, keepdim, false);
}

Tensor Tensor::any(std::vector<int64_t> axes, bool keepdim) const {
  return bool_reduce("any", *this, axes, keepdim, false);
}
Tensor Tensor::any(int64_t axis, bool keepdim) const { return any(std::vector<int64_t>{axis}, keepdim); }
Tensor Tensor::all(std::vector<int64_t> axes, bool keepdim) const {
  return bool_reduce("all", *this, axes, keepdim, true);
}
Tensor Tensor::all(int64_t axis, bool keepdim) const { return all(std::vector<int64_t>{axis}, keepdim); }

Tensor Tensor::logsumexp(std::vector<int64_t> axes, bool keepdim) const { return logsumexp_of(*this, axes, keepdim); }
Tensor Tensor::logsumexp(int64_t axis, bool keepdim) const { return logsumexp(std::vector<int64_t>{axis}, keepdim); }

Tensor Tensor::softmax(int64_t axis, std::optional<DType> dtype) const {
  return softmax_of("softmax", *this, axis, dtype, false);
}
Tensor Tensor::log_softmax(int64_t axis, std::optional<DType> dtype) const {
  return softmax_of("log_softmax", *this, axis, dtype, true);
}

}  // namespace anvil
