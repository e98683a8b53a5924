// max_pool2d and avg_pool2d over the windows of window.h. Output sizes, ceil_mode and the divisor of
// avg_pool2d follow ATen's pooling_output_shape and avg_pool2d kernels.
#include <limits>

#include "engine/tensor/float_math.h"
#include "engine/tensor/graph.h"
#include "engine/tensor/window.h"

namespace anvil {
namespace {

using tensor_detail::as_batched;
using tensor_detail::check_size2;

// One spatial axis of a pooling: the output size and the padding before and after the input.
struct Axis {
  int64_t out = 0;
  Range pad;
};

// ATen's pooling_output_shape, plus the right padding that makes the last window fit.
Axis pool_axis(const char* op, const Tensor& input, int64_t n, int64_t k, int64_t s, int64_t p, int64_t d,
               bool ceil_mode) {
  const int64_t num = n + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  int64_t out = (num >= 0 ? num / s : -((-num + s - 1) / s)) + 1;
  if (ceil_mode && (out - 1) * s >= n + p) --out;
  if (out < 1)
    (ErrorBuilder(op) << "the output of input " << shape_str(input.shape()) << " is too small (" << out << "): kernel "
                      << k << ", stride " << s << ", padding " << p << ", dilation " << d)
        .raise();
  const int64_t needed = (out - 1) * s + d * (k - 1) + 1;
  return {out, {p, needed - n - p}};
}

struct Pool {
  Tensor x;  // batched
  bool batched = true;
  Size2 kernel, stride;
  Axis h, w;
};

Pool prepare(const char* op, const Tensor& input, Size2 kernel, std::optional<Size2> stride_opt, Size2 padding,
             Size2 dilation, bool ceil_mode) {
  Pool p{Tensor(), true, kernel, stride_opt.value_or(kernel), {}, {}};
  p.x = as_batched(op, input, p.batched);
  if (!is_float(input.dtype())) (ErrorBuilder(op) << "needs a float input, got " << name(input.dtype())).raise();
  check_size2(op, "kernel_size", kernel, 1);
  check_size2(op, "stride", p.stride, 1);
  check_size2(op, "dilation", dilation, 1);
  check_size2(op, "padding", padding, 0);
  if (padding.h > kernel.h / 2 || padding.w > kernel.w / 2)
    (ErrorBuilder(op) << "padding (" << padding.h << ", " << padding.w << ") must be at most half the kernel size ("
                      << kernel.h << ", " << kernel.w << ")")
        .raise();
  p.h = pool_axis(op, input, p.x.shape()[2], kernel.h, p.stride.h, padding.h, dilation.h, ceil_mode);
  p.w = pool_axis(op, input, p.x.shape()[3], kernel.w, p.stride.w, padding.w, dilation.w, ceil_mode);
  return p;
}

// [N, C, oH, oW, kH * kW]: the windows of x padded with `value`.
Tensor flat_windows(const Pool& p, const Tensor& x, Number value, Size2 dilation) {
  const Tensor padded = x.pad({{0, 0}, {0, 0}, p.h.pad, p.w.pad}, value);
  const Shape& s = padded.shape();
  return tensor_detail::windows2d(padded, p.kernel, {p.h.out, p.w.out}, p.stride, dilation)
      .reshape({s[0], s[1], p.h.out, p.w.out, p.kernel.h * p.kernel.w});
}

Tensor unbatch(const Tensor& out, bool batched) { return batched ? out : out.squeeze(0); }

}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, Size2 kernel, std::optional<Size2> stride,
                                                  Size2 padding, Size2 dilation, bool ceil_mode) {
  const Pool p = prepare("max_pool2d", input, kernel, stride, padding, dilation, ceil_mode);
  const Tensor win = flat_windows(p, p.x, -std::numeric_limits<double>::infinity(), dilation);
  const Tensor out = win.max(-1);
  // The flat H * W position of every window element (-1 in the padding), picked at the argmax.
  const int64_t h = p.x.shape()[2], w = p.x.shape()[3];
  const Tensor pos = tensor_detail::on_device_of(Tensor::arange(h * w), p.x).reshape({1, 1, h, w});
  const Tensor pos_win = flat_windows(p, pos, -1, dilation).expand(win.shape());
  const Tensor idx = pos_win.gather(-1, win.argmax(-1, true)).squeeze(-1);
  return {unbatch(out, p.batched), unbatch(idx, p.batched)};
}

Tensor max_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride, Size2 padding, Size2 dilation,
                  bool ceil_mode) {
  const Pool p = prepare("max_pool2d", input, kernel, stride, padding, dilation, ceil_mode);
  // The window's first maximum, picked by its argmax rather than taken by max(): the value is the
  // same, and the gradient goes to that one element, as PyTorch's (max() shares it between ties).
  const Tensor win = flat_windows(p, p.x, -std::numeric_limits<double>::infinity(), dilation);
  return unbatch(win.gather(-1, win.argmax(-1, true)).squeeze(-1), p.batched);
}

Tensor avg_pool2d(const Tensor& input, Size2 kernel, std::optional<Size2> stride, Size2 padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  const Pool p = prepare("avg_pool2d", input, kernel, stride, padding, 1, ceil_mode);
  if (divisor_override && *divisor_override == 0) (ErrorBuilder("avg_pool2d") << "divisor must be not zero").raise();
  const DType cd = tensor_detail::compute_dtype(input.dtype());
  const Tensor sum = flat_windows(p, p.x.to(cd), 0, 1).sum(-1);
  if (divisor_override) return unbatch((sum / static_cast<double>(*divisor_override)).to(input.dtype()), p.batched);
  // The divisor counts the window's elements inside the input, or inside input and padding
  // (count_include_pad), never the extra right padding of ceil_mode.
  const int64_t h = p.x.shape()[2], w = p.x.shape()[3];
  Tensor ones = tensor_detail::on_device_of(Tensor::ones({1, 1, h, w}, cd), input);
  if (count_include_pad) ones = ones.pad({{0, 0}, {0, 0}, {padding.h, padding.h}, {padding.w, padding.w}}, 1);
  Pool inner = p;
  if (count_include_pad) {
    inner.h.pad = {0, p.h.pad.second - padding.h};
    inner.w.pad = {0, p.w.pad.second - padding.w};
  }
  const Tensor count = flat_windows(inner, ones, 0, 1).sum(-1);
  return unbatch((sum / count).to(input.dtype()), p.batched);
}

}  // namespace anvil
