// The torch twins of the op table's rows (verify/ops/op_table.cpp), keyed by row name. C++17.
#include "verify/torch/torch_ops.h"

#include <ATen/TensorIndexing.h>

#include <algorithm>

namespace anvil::torch_oracle {
namespace {

using Ts = std::vector<at::Tensor>;

// anvil's pad takes (before, after) per dimension from the first axis; ATen's from the last.
at::Tensor pad_first_axes(const at::Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pads, double value) {
  std::vector<int64_t> flat;
  for (auto it = pads.rbegin(); it != pads.rend(); ++it) {
    flat.push_back(it->first);
    flat.push_back(it->second);
  }
  return at::constant_pad_nd(x, flat, value);
}

// anvil's non-constant pad modes pad every dimension, first to last; ATen's pad one trailing
// dimension of a batched [N, C, W] tensor, so each dimension is moved last and padded alone.
at::Tensor pad_each_dim(at::Tensor x, const std::vector<std::pair<int64_t, int64_t>>& pads, const char* mode) {
  TORCH_CHECK(static_cast<int64_t>(pads.size()) == x.dim(), "pad: ", pads.size(), " pairs for ", x.dim(), " dims");
  for (int64_t d = 0; d < x.dim(); ++d) {
    const auto [b, a] = pads[static_cast<size_t>(d)];
    if (b == 0 && a == 0) continue;
    at::Tensor moved = x.movedim(d, -1);
    std::vector<int64_t> sizes(moved.sizes().begin(), moved.sizes().end());
    at::Tensor padded = at::pad(moved.reshape({-1, 1, sizes.back()}), {b, a}, mode);
    sizes.back() = padded.size(-1);
    x = padded.reshape(sizes).movedim(-1, d);
  }
  return x;
}

at::Tensor cat_reversed(std::vector<at::Tensor> pieces, int64_t axis) {
  std::reverse(pieces.begin(), pieces.end());
  return at::cat(pieces, axis);
}

// The ops that landed last (verify/ops/op_table_views.cpp).
void add_views_and_creation(std::map<std::string, TorchFn>& m) {
  using namespace at::indexing;  // NOLINT(google-build-using-namespace): Slice, None, Ellipsis read as Python
  m["silu"] = [](const Ts& x) { return at::silu(x[0]); };
  m["softplus"] = [](const Ts& x) { return at::softplus(x[0]); };
  m["hardswish"] = [](const Ts& x) { return at::hardswish(x[0]); };
  m["mish"] = [](const Ts& x) { return at::mish(x[0]); };
  m["lerp"] = [](const Ts& x) { return at::lerp(x[0], x[1], x[2]); };
  m["lerp_specials"] = m["lerp"];
  m["lerp_0p3"] = [](const Ts& x) { return at::lerp(x[0], x[1], 0.3); };
  m["lerp_0p75"] = [](const Ts& x) { return at::lerp(x[0], x[1], 0.75); };
  m["bitcast_int32"] = [](const Ts& x) { return x[0].view(at::kInt); };
  m["bitcast_float64"] = [](const Ts& x) { return x[0].view(at::kDouble); };
  m["bitcast_float16"] = [](const Ts& x) { return x[0].view(at::kHalf); };
  m["pad_reflect"] = [](const Ts& x) { return pad_each_dim(x[0], {{2, 1}, {1, 0}}, "reflect"); };
  m["pad_replicate"] = [](const Ts& x) { return pad_each_dim(x[0], {{2, 1}, {0, 3}}, "replicate"); };
  m["pad_circular"] = [](const Ts& x) { return pad_each_dim(x[0], {{1, 1}, {3, 2}}, "circular"); };
  m["split_2_1_reversed"] = [](const Ts& x) { return cat_reversed(x[0].split(2, 1), 1); };
  m["split_sizes_1_2_last"] = [](const Ts& x) { return x[0].split_with_sizes({1, 2}, 0).back(); };
  m["chunk_3_0_reversed"] = [](const Ts& x) { return cat_reversed(x[0].chunk(3, 0), 0); };
  m["chunk_3_m1_last"] = [](const Ts& x) { return x[0].chunk(3, -1).back(); };
  m["index_int_step"] = [](const Ts& x) { return x[0].index({-1, Slice(1, None, 2)}); };
  m["index_newaxis_ellipsis"] = [](const Ts& x) { return x[0].index({None, Ellipsis, Slice(None, None, 3), -2}); };
  m["index_neg_slice"] = [](const Ts& x) { return x[0].index({Slice(-3, -1), Ellipsis, None}); };
  m["linspace_m3_5"] = [](const Ts& x) { return at::linspace(-3, 5, x[0].numel(), x[0].options()); };
  m["linspace_f64_0_1_5"] = [](const Ts&) { return at::linspace(0, 1, 5, at::kDouble); };
  // Random rows: only shape, dtype and errors are compared (the values are anvil's own draws).
  m["rand"] = [](const Ts& x) { return at::rand(x[0].sizes(), x[0].options()); };
  m["randn"] = [](const Ts& x) { return at::randn(x[0].sizes(), x[0].options()); };
  m["randint_m3_5"] = [](const Ts& x) { return at::randint(-3, 5, x[0].sizes(), x[0].options()); };
  m["uniform_m2_3"] = [](const Ts& x) { return at::empty(x[0].sizes(), x[0].options()).uniform_(-2, 3); };
  m["normal_1_2"] = [](const Ts& x) { return at::empty(x[0].sizes(), x[0].options()).normal_(1, 2); };
  m["rand_like"] = [](const Ts& x) { return at::rand_like(x[0]); };
  m["randn_like"] = [](const Ts& x) { return at::randn_like(x[0]); };
}

std::map<std::string, TorchFn> build() {
  std::map<std::string, TorchFn> m;
  auto unary = [&m](const char* name, at::Tensor (*fn)(const at::Tensor&)) {
    m[name] = [fn](const Ts& x) { return fn(x[0]); };
  };
  unary("neg", at::neg);
  unary("abs", at::abs);
  unary("sign", at::sign);
  unary("exp", at::exp);
  unary("exp2", at::exp2);
  unary("log", at::log);
  unary("log2", at::log2);
  unary("sqrt", at::sqrt);
  unary("rsqrt", at::rsqrt);
  unary("reciprocal", at::reciprocal);
  unary("sin", at::sin);
  unary("cos", at::cos);
  unary("floor", at::floor);
  unary("ceil", at::ceil);
  unary("trunc", at::trunc);
  unary("relu", at::relu);
  unary("sigmoid", at::sigmoid);
  unary("tanh", at::tanh);
  unary("logical_not", at::logical_not);
  unary("bitwise_not", at::bitwise_not);
  m["contiguous"] = [](const Ts& x) { return x[0].contiguous(); };
  m["detach"] = [](const Ts& x) { return x[0].detach(); };
  m["log_pos"] = m["log"];
  m["sqrt_pos"] = m["sqrt"];
  m["rsqrt_pos"] = m["rsqrt"];
  m["reciprocal_nz"] = m["reciprocal"];
  const std::pair<const char*, at::ScalarType> casts[] = {
      {"to_bool", at::kBool},         {"to_int8", at::kChar},     {"to_uint8", at::kByte},
      {"to_int32", at::kInt},         {"to_int64", at::kLong},    {"to_float16", at::kHalf},
      {"to_bfloat16", at::kBFloat16}, {"to_float32", at::kFloat}, {"to_float64", at::kDouble}};
  for (const auto& [name, type] : casts) {
    at::ScalarType t = type;
    m[name] = [t](const Ts& x) { return x[0].to(t); };
  }

  auto binary = [&m](const char* name, at::Tensor (*fn)(const at::Tensor&, const at::Tensor&)) {
    m[name] = [fn](const Ts& x) { return fn(x[0], x[1]); };
  };
  m["add"] = [](const Ts& x) { return at::add(x[0], x[1]); };
  m["sub"] = [](const Ts& x) { return at::sub(x[0], x[1]); };
  m["mul"] = [](const Ts& x) { return at::mul(x[0], x[1]); };
  m["div"] = [](const Ts& x) { return at::div(x[0], x[1]); };
  m["div_nz"] = m["div"];
  m["floor_divide"] = [](const Ts& x) { return at::div(x[0], x[1], "floor"); };
  binary("remainder", at::remainder);
  binary("maximum", at::maximum);
  binary("minimum", at::minimum);
  binary("lt", at::lt);
  binary("le", at::le);
  binary("gt", at::gt);
  binary("ge", at::ge);
  binary("eq", at::eq);
  binary("ne", at::ne);
  binary("logical_and", at::logical_and);
  binary("logical_or", at::logical_or);
  binary("logical_xor", at::logical_xor);
  binary("bitwise_and", at::bitwise_and);
  binary("bitwise_or", at::bitwise_or);
  binary("bitwise_xor", at::bitwise_xor);
  m["add_int2"] = [](const Ts& x) { return at::add(x[0], 2); };
  m["mul_float2p5"] = [](const Ts& x) { return at::mul(x[0], 2.5); };
  m["rsub_int3"] = [](const Ts& x) { return at::rsub(x[0], 3); };
  m["div_int2"] = [](const Ts& x) { return at::div(x[0], 2); };
  m["lt_float0p5"] = [](const Ts& x) { return at::lt(x[0], 0.5); };
  m["clamp_m1_2"] = [](const Ts& x) { return at::clamp(x[0], at::Scalar(-1), at::Scalar(2)); };
  m["clamp_min_0p5"] = [](const Ts& x) { return at::clamp(x[0], at::Scalar(0.5), c10::nullopt); };
  m["clamp_tensor"] = [](const Ts& x) {
    return at::clamp(x[0], c10::optional<at::Tensor>(x[1]), c10::optional<at::Tensor>(x[2]));
  };
  m["where"] = [](const Ts& x) { return at::where(x[0], x[1], x[2]); };
  m["where_scalar"] = [](const Ts& x) { return at::where(x[0], x[1], at::Scalar(0.5)); };

  m["sum_all"] = [](const Ts& x) { return x[0].sum(); };
  m["sum_axis1_keepdim"] = [](const Ts& x) { return x[0].sum({1}, true); };
  m["sum_axes_m1_0"] = [](const Ts& x) { return x[0].sum({-1, 0}); };
  m["sum_f64"] = [](const Ts& x) { return x[0].sum({0}, false, at::kDouble); };
  m["prod_all"] = [](const Ts& x) { return x[0].prod(); };
  m["prod_axis0"] = [](const Ts& x) { return x[0].prod(0); };
  m["max_all"] = [](const Ts& x) { return x[0].max(); };
  m["max_axis1"] = [](const Ts& x) { return x[0].amax({1}); };
  m["min_axis0_keepdim"] = [](const Ts& x) { return x[0].amin({0}, true); };
  m["min_all"] = [](const Ts& x) { return x[0].min(); };
  m["mean_all"] = [](const Ts& x) { return x[0].mean(); };
  m["mean_axis_m1_keepdim"] = [](const Ts& x) { return x[0].mean({-1}, true); };

  m["reshape_flat"] = [](const Ts& x) { return x[0].reshape({-1}); };
  m["reshape_4x_m1"] = [](const Ts& x) { return x[0].reshape({4, -1}); };
  m["permute_201"] = [](const Ts& x) { return x[0].permute({2, 0, 1}); };
  m["transpose"] = [](const Ts& x) { return x[0].transpose(-2, -1); };
  m["expand_3_m1"] = [](const Ts& x) { return x[0].expand({3, -1}); };
  m["pad_1_2"] = [](const Ts& x) { return pad_first_axes(x[0], {{1, 2}, {0, 1}}, 7); };
  m["pad_crop"] = [](const Ts& x) { return pad_first_axes(x[0], {{-1, 1}}, 0); };
  m["shrink_1_3"] = [](const Ts& x) { return x[0].narrow(0, 1, 2).narrow(1, 0, 2); };
  m["slice_1_m1"] = [](const Ts& x) { return x[0].slice(-1, 1, -1); };
  m["flip_0_m1"] = [](const Ts& x) { return x[0].flip({0, -1}); };
  m["flatten_1"] = [](const Ts& x) { return x[0].flatten(1); };
  m["squeeze"] = [](const Ts& x) { return x[0].squeeze(); };
  m["squeeze_1"] = [](const Ts& x) { return x[0].squeeze(1); };
  m["unsqueeze_m1"] = [](const Ts& x) { return x[0].unsqueeze(-1); };
  m["cat_0"] = [](const Ts& x) { return at::cat({x[0], x[1]}, 0); };
  m["stack_1"] = [](const Ts& x) { return at::stack({x[0], x[1]}, 1); };
  m["matmul"] = [](const Ts& x) { return at::matmul(x[0], x[1]); };
  m["zeros_like"] = [](const Ts& x) { return at::zeros_like(x[0]); };
  m["ones_like"] = [](const Ts& x) { return at::ones_like(x[0]); };
  m["full_like_3"] = [](const Ts& x) { return at::full_like(x[0], 3); };
  unary("tan", at::tan);
  unary("round", at::round);
  unary("isnan", at::isnan);
  unary("isinf", at::isinf);
  unary("isfinite", at::isfinite);
  m["leaky_relu"] = [](const Ts& x) { return at::leaky_relu(x[0], 0.1); };
  m["elu"] = [](const Ts& x) { return at::elu(x[0]); };
  m["gelu"] = [](const Ts& x) { return at::gelu(x[0]); };
  m["gelu_tanh"] = [](const Ts& x) { return at::gelu(x[0], "tanh"); };
  m["pow_int2"] = [](const Ts& x) { return at::pow(x[0], 2); };
  binary("pow", at::pow);
  m["shl_int3"] = [](const Ts& x) { return at::bitwise_left_shift(x[0], 3); };
  m["shr_int1"] = [](const Ts& x) { return at::bitwise_right_shift(x[0], 1); };
  m["var_all"] = [](const Ts& x) { return at::var(x[0]); };
  m["std_axis1_c0"] = [](const Ts& x) { return at::std(x[0], {1}, /*unbiased=*/false); };
  m["argmax_all"] = [](const Ts& x) { return at::argmax(x[0]); };
  m["argmin_axis0"] = [](const Ts& x) { return at::argmin(x[0], 0); };
  m["any_all"] = [](const Ts& x) { return at::any(x[0]); };
  m["all_axis1"] = [](const Ts& x) { return at::all(x[0], 1); };
  m["logsumexp_m1"] = [](const Ts& x) { return at::logsumexp(x[0], {-1}); };
  m["softmax_m1"] = [](const Ts& x) { return at::softmax(x[0], -1); };
  m["log_softmax_0"] = [](const Ts& x) { return at::log_softmax(x[0], 0); };
  m["repeat_2_1"] = [](const Ts& x) { return x[0].repeat({2, 1}); };
  m["dot"] = [](const Ts& x) { return at::dot(x[0], x[1]); };
  m["linear"] = [](const Ts& x) { return at::linear(x[0], x[1], x[2]); };
  add_views_and_creation(m);
  add_index_ops(m);
  add_nn_ops(m);
  add_loss_ops(m);
  return m;
}

}  // namespace

const std::map<std::string, TorchFn>& torch_ops() {
  static const std::map<std::string, TorchFn> ops = build();
  return ops;
}

}  // namespace anvil::torch_oracle
