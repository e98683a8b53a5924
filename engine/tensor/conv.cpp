// conv2d and conv_transpose2d as views, a multiply and a sum (no im2col copy): the windows of the
// padded input (window.h) meet the weight broadcast over them, then the kernel axes are summed.
#include <string>

#include "engine/tensor/float_math.h"
#include "engine/tensor/graph.h"
#include "engine/tensor/window.h"

namespace anvil {
namespace tensor_detail {

Tensor window_axis(const Tensor& x, size_t axis, int64_t k, int64_t o, int64_t stride, int64_t dilation) {
  const Shape& sh = x.shape();
  const int64_t n = sh[axis];
  auto around = [&](const Shape& mid) {
    Shape r(sh.begin(), sh.begin() + static_cast<std::ptrdiff_t>(axis));
    r.insert(r.end(), mid.begin(), mid.end());
    r.insert(r.end(), sh.begin() + static_cast<std::ptrdiff_t>(axis) + 1, sh.end());
    return r;
  };
  // Repeat the axis so that row j of a [k, n + d] reshape starts at x[j * d]; then row j, column
  // i * s is x[i * s + j * d].
  const int64_t row = n + dilation, reps = (k * row + n - 1) / n;
  Tensor t = x.reshape(around({1, n})).expand(around({reps, n})).reshape(around({reps * n}));
  std::vector<Range> cut(t.shape().size());
  for (size_t i = 0; i < cut.size(); ++i) cut[i] = {0, t.shape()[i]};
  cut[axis] = {0, k * row};
  t = t.shrink(cut).reshape(around({k, row}));
  std::vector<Range> fit(t.shape().size(), Range{0, 0});
  fit[axis + 1] = {0, o * stride - row};  // crops, or pads columns no window reads
  t = t.pad(fit).reshape(around({k, o, stride}));
  std::vector<Range> first(t.shape().size());
  for (size_t i = 0; i < first.size(); ++i) first[i] = {0, t.shape()[i]};
  first[axis + 2] = {0, 1};
  return t.shrink(first).reshape(around({k, o}));
}

Tensor windows2d(const Tensor& x, Size2 kernel, Size2 out, Size2 stride, Size2 dilation) {
  const Tensor w = window_axis(x, 3, kernel.w, out.w, stride.w, dilation.w);   // [N, C, H, kW, oW]
  const Tensor hw = window_axis(w, 2, kernel.h, out.h, stride.h, dilation.h);  // [N, C, kH, oH, kW, oW]
  return hw.permute({0, 1, 3, 5, 2, 4});
}

void check_size2(const char* op, const char* what, Size2 s, int64_t min) {
  if (s.h < min || s.w < min)
    (ErrorBuilder(op) << what << " must be >= " << min << ", got (" << s.h << ", " << s.w << ")").raise();
}

Tensor as_batched(const char* op, const Tensor& input, bool& batched) {
  if (input.ndim() != 3 && input.ndim() != 4)
    (ErrorBuilder(op) << "expects a 3-d (unbatched) or 4-d (batched) input, got " << shape_str(input.shape())).raise();
  batched = input.ndim() == 4;
  return batched ? input : input.unsqueeze(0);
}

}  // namespace tensor_detail

namespace {

using tensor_detail::as_batched;
using tensor_detail::check_size2;

// The output extent of a window sweep, or Error(op) when the window does not fit.
int64_t out_size(const char* op, const Tensor& input, int64_t padded, int64_t k, int64_t s, int64_t d) {
  const int64_t span = d * (k - 1) + 1;
  if (span > padded)
    (ErrorBuilder(op) << "the kernel (" << k << " with dilation " << d << ") is larger than the padded input ("
                      << padded << ") of " << shape_str(input.shape()))
        .raise();
  return (padded - span) / s + 1;
}

// x [N, C_in, H, W] padded by (top, bottom, left, right) with zeros; w [C_out, C_in / g, kH, kW].
Tensor conv_core(const char* op, const Tensor& x, const Tensor& w, const std::optional<Tensor>& bias, Size2 stride,
                 Range ph, Range pw, Size2 dilation, int64_t groups) {
  const Tensor xp = x.pad({{0, 0}, {0, 0}, ph, pw});
  const int64_t n = x.shape()[0], cin = x.shape()[1], cout = w.shape()[0], kh = w.shape()[2], kw = w.shape()[3];
  const int64_t oh = out_size(op, x, xp.shape()[2], kh, stride.h, dilation.h);
  const int64_t ow = out_size(op, x, xp.shape()[3], kw, stride.w, dilation.w);
  const int64_t cig = cin / groups, cog = cout / groups;
  const DType cd = tensor_detail::compute_dtype(x.dtype());
  // [N, g, 1, oH, oW, C_in/g, kH, kW] against [1, g, C_out/g, 1, 1, C_in/g, kH, kW].
  const Tensor win = tensor_detail::windows2d(xp.to(cd), {kh, kw}, {oh, ow}, stride, dilation)
                         .reshape({n, groups, cig, oh, ow, kh, kw})
                         .permute({0, 1, 3, 4, 2, 5, 6})
                         .unsqueeze(2);
  const Tensor wt = w.to(cd).reshape({1, groups, cog, 1, 1, cig, kh, kw});
  Tensor out = (win * wt).sum({5, 6, 7}).reshape({n, cout, oh, ow});
  if (bias) out = out + bias->to(cd).reshape({1, cout, 1, 1});
  return out.to(x.dtype());
}

// Checks shared by conv2d and conv_transpose2d; `w_in` is the weight axis that counts input channels.
void check_conv(const char* op, const Tensor& x, const Tensor& w, const std::optional<Tensor>& bias, int64_t groups,
                bool transposed, int64_t out_channels) {
  if (w.ndim() != 4)
    (ErrorBuilder(op) << "expects a 4-d weight, got " << shape_str(w.shape()) << " for input " << shape_str(x.shape()))
        .raise();
  if (w.shape()[2] < 1 || w.shape()[3] < 1)  // an empty window: no output size (window_axis divides by it)
    (ErrorBuilder(op) << "the kernel must be at least 1 x 1, got weight " << shape_str(w.shape()) << " for input "
                      << shape_str(x.shape()))
        .raise();
  if (!is_float(x.dtype())) (ErrorBuilder(op) << "needs a float input, got " << name(x.dtype())).raise();
  if (x.dtype() != w.dtype() || (bias && bias->dtype() != x.dtype()))
    (ErrorBuilder(op) << "input, weight and bias must have one dtype, got " << name(x.dtype()) << ", "
                      << name(w.dtype()) << (bias ? ", " + name(bias->dtype()) : std::string()))
        .raise();
  if (groups < 1) (ErrorBuilder(op) << "groups must be positive, got " << groups).raise();
  const int64_t cin = x.shape()[1];
  const int64_t w_in = transposed ? w.shape()[0] : w.shape()[1] * groups;
  if (w.shape()[0] % groups != 0)
    (ErrorBuilder(op) << "groups (" << groups << ") must divide the weight's first dimension, weight "
                      << shape_str(w.shape()))
        .raise();
  if (cin != w_in)
    (ErrorBuilder(op) << "input " << shape_str(x.shape()) << " has " << cin << " channels, weight "
                      << shape_str(w.shape()) << " with groups " << groups << " expects " << w_in)
        .raise();
  if (bias && (bias->ndim() != 1 || bias->shape()[0] != out_channels))
    (ErrorBuilder(op) << "bias must be 1-d of " << out_channels << " (the output channels), got "
                      << shape_str(bias->shape()))
        .raise();
}

Tensor unbatch(const Tensor& out, bool batched) { return batched ? out : out.squeeze(0); }

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, Size2 stride, Size2 padding,
              Size2 dilation, int64_t groups) {
  bool batched = true;
  const Tensor x = as_batched("conv2d", input, batched);
  check_conv("conv2d", x, weight, bias, groups, false, weight.ndim() == 4 ? weight.shape()[0] : 0);
  check_size2("conv2d", "stride", stride, 1);
  check_size2("conv2d", "dilation", dilation, 1);
  check_size2("conv2d", "padding", padding, 0);
  return unbatch(
      conv_core("conv2d", x, weight, bias, stride, {padding.h, padding.h}, {padding.w, padding.w}, dilation, groups),
      batched);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, Size2 stride,
              ConvPadding padding, Size2 dilation, int64_t groups) {
  if (padding == ConvPadding::Valid) return conv2d(input, weight, bias, stride, Size2(0), dilation, groups);
  if (stride.h != 1 || stride.w != 1)
    (ErrorBuilder("conv2d") << "padding \"same\" needs stride 1, got (" << stride.h << ", " << stride.w << ")").raise();
  bool batched = true;
  const Tensor x = as_batched("conv2d", input, batched);
  check_conv("conv2d", x, weight, bias, groups, false, weight.ndim() == 4 ? weight.shape()[0] : 0);
  check_size2("conv2d", "dilation", dilation, 1);
  // torch: total pad d * (k - 1), the odd one on the right.
  const int64_t th = dilation.h * (weight.shape()[2] - 1), tw = dilation.w * (weight.shape()[3] - 1);
  return unbatch(
      conv_core("conv2d", x, weight, bias, 1, {th / 2, th - th / 2}, {tw / 2, tw - tw / 2}, dilation, groups), batched);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, Size2 stride,
                        Size2 padding, Size2 output_padding, int64_t groups, Size2 dilation) {
  const char* op = "conv_transpose2d";
  bool batched = true;
  const Tensor x = as_batched(op, input, batched);
  check_conv(op, x, weight, bias, groups, true, weight.ndim() == 4 ? weight.shape()[1] * groups : 0);
  check_size2(op, "stride", stride, 1);
  check_size2(op, "dilation", dilation, 1);
  check_size2(op, "padding", padding, 0);
  check_size2(op, "output_padding", output_padding, 0);
  if ((output_padding.h >= stride.h && output_padding.h >= dilation.h) ||
      (output_padding.w >= stride.w && output_padding.w >= dilation.w))
    (ErrorBuilder(op) << "output_padding (" << output_padding.h << ", " << output_padding.w
                      << ") must be smaller than either stride or dilation")
        .raise();
  const int64_t n = x.shape()[0], cin = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  const int64_t cog = weight.shape()[1], kh = weight.shape()[2], kw = weight.shape()[3];
  // The input dilated by the stride: stride - 1 zeros between neighbours.
  Tensor xd = x.reshape({n, cin, h, 1, w, 1})
                  .pad({{0, 0}, {0, 0}, {0, 0}, {0, stride.h - 1}, {0, 0}, {0, stride.w - 1}})
                  .reshape({n, cin, h * stride.h, w * stride.w});
  xd = xd.shrink({{0, n},
                  {0, cin},
                  {0, std::max<int64_t>((h - 1) * stride.h + 1, 0)},
                  {0, std::max<int64_t>((w - 1) * stride.w + 1, 0)}});
  // [C_in, C_out/g, kH, kW] -> [C_out, C_in/g, kH, kW], flipped.
  const Tensor wt = weight.reshape({groups, cin / groups, cog, kh, kw})
                        .permute({0, 2, 1, 3, 4})
                        .reshape({groups * cog, cin / groups, kh, kw})
                        .flip({2, 3});
  // torch's output size; below 1 the crop below (a negative eh) would raise as "pad", not as this op.
  const int64_t oh = (h - 1) * stride.h - 2 * padding.h + dilation.h * (kh - 1) + output_padding.h + 1;
  const int64_t ow = (w - 1) * stride.w - 2 * padding.w + dilation.w * (kw - 1) + output_padding.w + 1;
  if (oh < 1 || ow < 1)
    (ErrorBuilder(op) << "the output of input " << shape_str(input.shape()) << " and weight "
                      << shape_str(weight.shape()) << " is too small (" << oh << " x " << ow << "): stride ("
                      << stride.h << ", " << stride.w << "), padding (" << padding.h << ", " << padding.w
                      << "), dilation (" << dilation.h << ", " << dilation.w << ")")
        .raise();
  const int64_t eh = dilation.h * (kh - 1) - padding.h, ew = dilation.w * (kw - 1) - padding.w;
  return unbatch(
      conv_core(op, xd, wt, bias, 1, {eh, eh + output_padding.h}, {ew, ew + output_padding.w}, dilation, groups),
      batched);
}

}  // namespace anvil
