#include "verify/ops/op_table.h"

#include <algorithm>
#include <string>

#include "verify/ops/op_table_builder.h"

namespace anvil::ops {
namespace {

using namespace table;  // NOLINT(google-build-using-namespace): the builder is this file's vocabulary

void add_unary(Builder& b) {
  const auto& all = all_dtypes();
  with(b.unary(
           "neg", [](const Tensor& x) { return x.neg(); }, all),
       Domain::Any, true);
  with(b.unary(
           "abs", [](const Tensor& x) { return x.abs(); }, all),
       Domain::Any, true);
  with(b.unary(
           "sign", [](const Tensor& x) { return x.sign(); }, all),
       Domain::Any, true);
  with(b.unary(
           "exp", [](const Tensor& x) { return x.exp(); }, all),
       Domain::Any, true);
  with(b.unary(
           "exp2", [](const Tensor& x) { return x.exp2(); }, all),
       Domain::Any, true);
  with(b.unary(
           "log", [](const Tensor& x) { return x.log(); }, all),
       Domain::Any, true);
  with(b.unary(
           "log2", [](const Tensor& x) { return x.log2(); }, all),
       Domain::Any, true);
  with(b.unary(
           "sqrt", [](const Tensor& x) { return x.sqrt(); }, all),
       Domain::Any, true);
  with(b.unary(
           "rsqrt", [](const Tensor& x) { return x.rsqrt(); }, all),
       Domain::Any, true);
  with(b.unary(
           "reciprocal", [](const Tensor& x) { return x.reciprocal(); }, all),
       Domain::Any, true);
  with(b.unary(
           "sin", [](const Tensor& x) { return x.sin(); }, all),
       Domain::Any, true);
  with(b.unary(
           "cos", [](const Tensor& x) { return x.cos(); }, all),
       Domain::Any, true);
  with(b.unary(
           "floor", [](const Tensor& x) { return x.floor(); }, all),
       Domain::Any, false);
  with(b.unary(
           "ceil", [](const Tensor& x) { return x.ceil(); }, all),
       Domain::Any, false);
  with(b.unary(
           "trunc", [](const Tensor& x) { return x.trunc(); }, all),
       Domain::Any, false);
  with(b.unary(
           "relu", [](const Tensor& x) { return x.relu(); }, all),
       Domain::Any, true);
  with(b.unary(
           "sigmoid", [](const Tensor& x) { return x.sigmoid(); }, all),
       Domain::Any, true);
  with(b.unary(
           "tanh", [](const Tensor& x) { return x.tanh(); }, all),
       Domain::Any, true);
  with(b.unary(
           "logical_not", [](const Tensor& x) { return x.logical_not(); }, all),
       Domain::Any, false);
  with(b.unary(
           "bitwise_not", [](const Tensor& x) { return x.bitwise_not(); }, all),
       Domain::Any, false);
  with(b.unary(
           "contiguous", [](const Tensor& x) { return x.contiguous(); }, all),
       Domain::Any, true);
  with(b.unary(
           "detach", [](const Tensor& x) { return x.detach(); }, all),
       Domain::Any, false);
  // Positive-domain twins of the partial functions, so their values (not only NaN) are compared.
  with(b.unary(
           "log_pos", [](const Tensor& x) { return x.log(); }, all),
       Domain::Positive, true)
      .op = "log";
  with(b.unary(
           "sqrt_pos", [](const Tensor& x) { return x.sqrt(); }, all),
       Domain::Positive, true)
      .op = "sqrt";
  with(b.unary(
           "rsqrt_pos", [](const Tensor& x) { return x.rsqrt(); }, all),
       Domain::Positive, true)
      .op = "rsqrt";
  with(b.unary(
           "reciprocal_nz", [](const Tensor& x) { return x.reciprocal(); }, all),
       Domain::NonZero, true)
      .op = "reciprocal";
  // Casts: float -> int is only defined by PyTorch inside the target's range, hence the domains.
  struct Cast {
    const char* name;
    DType to;
    Domain domain;
  };
  for (const Cast& c :
       {Cast{"to_bool", dtypes::bool_, Domain::Any}, Cast{"to_int8", dtypes::int8, Domain::Finite},
        Cast{"to_uint8", dtypes::uint8, Domain::NonNegative}, Cast{"to_int32", dtypes::int32, Domain::Finite},
        Cast{"to_int64", dtypes::int64, Domain::Finite}, Cast{"to_float16", dtypes::float16, Domain::Any},
        Cast{"to_bfloat16", dtypes::bfloat16, Domain::Any}, Cast{"to_float32", dtypes::float32, Domain::Any},
        Cast{"to_float64", dtypes::float64, Domain::Any}}) {
    DType to = c.to;
    OpRow& r = with(b.unary(
                        c.name, [to](const Tensor& x) { return x.to(to); }, all),
                    c.domain, is_float(to));
    r.op = "to";
  }
}

void add_binary(Builder& b) {
  const auto& all = all_dtypes();
  with(b.binary(
           "add", [](const Tensor& x, const Tensor& y) { return x.add(y); }, all),
       Domain::Any, true);
  with(b.binary(
           "sub", [](const Tensor& x, const Tensor& y) { return x.sub(y); }, all),
       Domain::Any, true);
  with(b.binary(
           "mul", [](const Tensor& x, const Tensor& y) { return x.mul(y); }, all),
       Domain::Any, true);
  with(b.binary(
           "div", [](const Tensor& x, const Tensor& y) { return x.div(y); }, all),
       Domain::Any, true);
  with(b.binary(
           "div_nz", [](const Tensor& x, const Tensor& y) { return x.div(y); }, all),
       Domain::NonZero, true)
      .op = "div";
  // Integer division by zero is a documented defined value in anvil and an error in PyTorch: NonZero.
  with(b.binary(
           "floor_divide", [](const Tensor& x, const Tensor& y) { return x.floor_divide(y); }, all),
       Domain::NonZero, false);
  with(b.binary(
           "remainder", [](const Tensor& x, const Tensor& y) { return x.remainder(y); }, all),
       Domain::NonZero, false);
  with(b.binary(
           "maximum", [](const Tensor& x, const Tensor& y) { return x.maximum(y); }, all),
       Domain::Any, true);
  with(b.binary(
           "minimum", [](const Tensor& x, const Tensor& y) { return x.minimum(y); }, all),
       Domain::Any, true);
  with(b.binary(
           "lt", [](const Tensor& x, const Tensor& y) { return x.lt(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "le", [](const Tensor& x, const Tensor& y) { return x.le(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "gt", [](const Tensor& x, const Tensor& y) { return x.gt(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "ge", [](const Tensor& x, const Tensor& y) { return x.ge(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "eq", [](const Tensor& x, const Tensor& y) { return x.eq(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "ne", [](const Tensor& x, const Tensor& y) { return x.ne(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "logical_and", [](const Tensor& x, const Tensor& y) { return x.logical_and(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "logical_or", [](const Tensor& x, const Tensor& y) { return x.logical_or(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "logical_xor", [](const Tensor& x, const Tensor& y) { return x.logical_xor(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "bitwise_and", [](const Tensor& x, const Tensor& y) { return x.bitwise_and(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "bitwise_or", [](const Tensor& x, const Tensor& y) { return x.bitwise_or(y); }, all),
       Domain::Any, false);
  with(b.binary(
           "bitwise_xor", [](const Tensor& x, const Tensor& y) { return x.bitwise_xor(y); }, all),
       Domain::Any, false);
  // Host numbers as the second operand (PyTorch's wrapped numbers) and as the first.
  with(b.unary(
           "add_int2", [](const Tensor& x) { return x.add(2); }, all),
       Domain::Any, true)
      .op = "add";
  with(b.unary(
           "mul_float2p5", [](const Tensor& x) { return x.mul(2.5); }, all),
       Domain::Any, true)
      .op = "mul";
  with(b.unary(
           "rsub_int3", [](const Tensor& x) { return 3 - x; }, all),
       Domain::Any, true)
      .op = "sub";
  with(b.unary(
           "div_int2", [](const Tensor& x) { return x.div(2); }, all),
       Domain::Any, true)
      .op = "div";
  with(b.unary(
           "lt_float0p5", [](const Tensor& x) { return x.lt(0.5); }, all),
       Domain::Any, false)
      .op = "lt";
  with(b.unary(
           "clamp_m1_2", [](const Tensor& x) { return x.clamp(Operand(-1), Operand(2)); }, no_wide_unsigned()),
       Domain::Any, true)
      .op = "clamp";
  with(b.unary(
           "clamp_min_0p5", [](const Tensor& x) { return x.clamp(Operand(0.5), std::nullopt); }, all),
       Domain::Any, true)
      .op = "clamp";
  OpRow& clamp = b.add(
      "clamp_tensor", "clamp", 3, [](const Ts& x) { return x[0].clamp(Operand(x[1]), Operand(x[2])); }, all,
      elementwise(3));
  with(clamp, Domain::Any, true);
  OpRow& where = b.add(
      "where", "where", 3, [](const Ts& x) { return x[0].where(x[1], x[2]); }, all, elementwise(3));
  with(where, Domain::Any, true).input_dtypes = {dtypes::bool_, std::nullopt, std::nullopt};
  OpRow& where_s = b.add(
      "where_scalar", "where", 2, [](const Ts& x) { return x[0].where(x[1], 0.5); }, all, elementwise(2));
  with(where_s, Domain::Any, true).input_dtypes = {dtypes::bool_, std::nullopt};
}

void add_reduce(Builder& b) {
  const auto& all = all_dtypes();
  const auto& fl = float_dtypes();
  with(b.reduce(
           "sum_all", "sum", 0, [](const Tensor& x) { return x.sum(); }, all),
       Domain::Any, true);
  with(b.reduce(
           "sum_axis1_keepdim", "sum", 2, [](const Tensor& x) { return x.sum(1, true); }, all),
       Domain::Any, true);
  with(b.reduce(
           "sum_axes_m1_0", "sum", 2,
           [](const Tensor& x) {
             return x.sum(std::vector<int64_t>{-1, 0});
           },
           all),
       Domain::Any, true);
  with(b.reduce(
           "sum_f64", "sum", 1, [](const Tensor& x) { return x.sum(0, false, dtypes::float64); }, all),
       Domain::Finite, true);
  with(b.reduce(
           "prod_all", "prod", 0, [](const Tensor& x) { return x.prod(); }, all),
       Domain::Finite, true);
  with(b.reduce(
           "prod_axis0", "prod", 1, [](const Tensor& x) { return x.prod(0); }, all),
       Domain::Finite, true);
  with(b.reduce(
           "max_all", "max", 0, [](const Tensor& x) { return x.max(); }, all),
       Domain::Any, true);
  with(b.reduce(
           "max_axis1", "max", 2, [](const Tensor& x) { return x.max(1); }, all),
       Domain::Any, true);
  with(b.reduce(
           "min_axis0_keepdim", "min", 1, [](const Tensor& x) { return x.min(0, true); }, all),
       Domain::Any, true);
  with(b.reduce(
           "min_all", "min", 0, [](const Tensor& x) { return x.min(); }, all),
       Domain::Any, true);
  // mean takes float tensors only (as PyTorch); the other dtypes check that both sides refuse.
  with(b.reduce(
           "mean_all", "mean", 0, [](const Tensor& x) { return x.mean(); }, all),
       Domain::Any, true);
  with(b.reduce(
           "mean_axis_m1_keepdim", "mean", 1, [](const Tensor& x) { return x.mean(-1, true); }, fl),
       Domain::Any, true);
}

void add_movement(Builder& b) {
  const std::vector<Shape> three = {{2, 3, 4}, {1, 3, 1}, {2, 0, 4}};
  with(b.movement("reshape_flat", "reshape", [](const Tensor& x) { return x.reshape({-1}); },
                  {{}, {0}, {3, 4}, {2, 3, 4}}),
       Domain::Any, true);
  with(b.movement("reshape_4x_m1", "reshape",
                  [](const Tensor& x) {
                    return x.reshape({4, -1});
                  },
                  {{3, 4}, {8}, {7}}),
       Domain::Any, true);
  with(b.movement(
           "permute_201", "permute",
           [](const Tensor& x) {
             return x.permute({2, 0, 1});
           },
           three),
       Domain::Any, true);
  with(b.movement("transpose", "transpose", [](const Tensor& x) { return x.transpose(); }, {{3, 4}, {2, 3, 4}, {5}}),
       Domain::Any, true);
  with(b.movement("expand_3_m1", "expand",
                  [](const Tensor& x) {
                    return x.expand({3, -1});
                  },
                  {{1, 4}, {4}, {2, 4}}),
       Domain::Any, true);
  with(b.movement("pad_1_2", "pad",
                  [](const Tensor& x) {
                    return x.pad({{1, 2}, {0, 1}}, 7);
                  },
                  {{3, 4}, {0, 2}, {2}}),
       Domain::Any, true);
  with(b.movement("pad_crop", "pad",
                  [](const Tensor& x) {
                    return x.pad({{-1, 1}});
                  },
                  {{3}, {1}, {0}}),
       Domain::Any, true);
  with(b.movement("shrink_1_3", "shrink",
                  [](const Tensor& x) {
                    return x.shrink({{1, 3}, {0, 2}});
                  },
                  {{3, 4}, {4, 2}, {2, 2}}),
       Domain::Any, true);
  with(b.movement("slice_1_m1", "slice", [](const Tensor& x) { return x.slice(-1, 1, -1); }, {{3, 4}, {5}, {2, 1}}),
       Domain::Any, true);
  with(b.movement("flip_0_m1", "flip",
                  [](const Tensor& x) {
                    return x.flip({0, -1});
                  },
                  {{3, 4}, {2, 3, 4}, {5}}),
       Domain::Any, true);
  with(b.movement("flatten_1", "flatten", [](const Tensor& x) { return x.flatten(1); }, {{2, 3, 4}, {3, 4}, {2, 0, 3}}),
       Domain::Any, true);
  with(b.movement("squeeze", "squeeze", [](const Tensor& x) { return x.squeeze(); }, {{1, 3, 1}, {}, {2, 3}}),
       Domain::Any, true);
  with(b.movement("squeeze_1", "squeeze", [](const Tensor& x) { return x.squeeze(1); }, {{1, 1, 3}, {2, 3}, {2}}),
       Domain::Any, true);
  with(b.movement("unsqueeze_m1", "unsqueeze", [](const Tensor& x) { return x.unsqueeze(-1); }, {{}, {3}, {2, 3}}),
       Domain::Any, true);
  OpRow& cat = b.add("cat_0", "cat", 2, [](const Ts& x) { return Tensor::cat(x, 0); }, all_dtypes(),
                     {{{2, 3}, {4, 3}}, {{0, 3}, {1, 3}}, {{2}, {3}}, {{2, 3}, {2, 4}}});
  with(cat, Domain::Any, true);
  OpRow& stack = b.add("stack_1", "stack", 2, [](const Ts& x) { return Tensor::stack(x, 1); }, all_dtypes(),
                       {{{2, 3}, {2, 3}}, {{4}, {4}}, {{2, 3}, {3, 2}}});
  with(stack, Domain::Any, true);
  OpRow& mm = b.add("matmul", "matmul", 2, [](const Ts& x) { return x[0].matmul(x[1]); }, numeric_dtypes(),
                    {{{3, 4}, {4, 5}},
                     {{4}, {4, 2}},
                     {{3, 4}, {4}},
                     {{4}, {4}},
                     {{2, 3, 4}, {4, 5}},
                     {{3, 0}, {0, 2}},
                     {{3, 4}, {3, 4}}});
  with(mm, Domain::Finite, true).tol = Tolerance{1e-5, 1e-3};
  // Creation from an input's shape.
  with(b.movement("zeros_like", "zeros_like", [](const Tensor& x) { return Tensor::zeros_like(x); }, {{}, {0}, {3, 4}}),
       Domain::Any, false);
  with(b.movement("ones_like", "ones_like", [](const Tensor& x) { return Tensor::ones_like(x); }, {{}, {0}, {3, 4}}),
       Domain::Any, false);
  with(b.movement("full_like_3", "full_like", [](const Tensor& x) { return Tensor::full_like(x, 3); }, {{}, {3, 4}}),
       Domain::Any, false);
}

}  // namespace

// uint16/32/64 wrap a negative bound (-1 -> 65535); torch's int64 stand-in for them cannot.
const std::vector<DType>& no_wide_unsigned() {
  static const std::vector<DType> v = [] {
    std::vector<DType> out;
    for (DType d : all_dtypes()) {
      if (d != dtypes::uint16 && d != dtypes::uint32 && d != dtypes::uint64) out.push_back(d);
    }
    return out;
  }();
  return v;
}

namespace {

// Ops landed after the first table: elementwise extras, statistics, activations, joins.
void add_more(Builder& b) {
  const auto& all = all_dtypes();
  const auto& fl = float_dtypes();
  with(b.unary(
           "tan", [](const Tensor& x) { return x.tan(); }, all),
       Domain::Finite, true);
  with(b.unary(
           "round", [](const Tensor& x) { return x.round(); }, all),
       Domain::Any, false);
  with(b.unary(
           "isnan", [](const Tensor& x) { return x.isnan(); }, all),
       Domain::Any, false);
  with(b.unary(
           "isinf", [](const Tensor& x) { return x.isinf(); }, all),
       Domain::Any, false);
  with(b.unary(
           "isfinite", [](const Tensor& x) { return x.isfinite(); }, all),
       Domain::Any, false);
  with(b.unary(
           "leaky_relu", [](const Tensor& x) { return x.leaky_relu(0.1); }, all),
       Domain::Any, true);
  with(b.unary(
           "elu", [](const Tensor& x) { return x.elu(); }, all),
       Domain::Any, true);
  with(b.unary(
           "gelu", [](const Tensor& x) { return x.gelu(); }, all),
       Domain::Any, true);
  with(b.unary(
           "gelu_tanh", [](const Tensor& x) { return x.gelu("tanh"); }, all),
       Domain::Any, true)
      .op = "gelu";
  with(b.unary(
           "pow_int2", [](const Tensor& x) { return x.pow(2); }, all),
       Domain::Finite, true)
      .op = "pow";
  with(b.binary(
           "pow", [](const Tensor& x, const Tensor& y) { return x.pow(y); }, fl),
       Domain::Positive, true);
  with(b.unary(
           "shl_int3", [](const Tensor& x) { return x.bitwise_left_shift(3); }, all),
       Domain::Finite, false)
      .op = "bitwise_left_shift";
  with(b.unary(
           "shr_int1", [](const Tensor& x) { return x.bitwise_right_shift(1); }, all),
       Domain::Finite, false)
      .op = "bitwise_right_shift";
  with(b.reduce(
           "var_all", "var", 0, [](const Tensor& x) { return x.var(); }, all),
       Domain::Finite, true);
  with(b.reduce(
           "std_axis1_c0", "std", 2, [](const Tensor& x) { return x.std(1, 0.0); }, fl),
       Domain::Finite, true);
  with(b.reduce(
           "argmax_all", "argmax", 0, [](const Tensor& x) { return x.argmax(); }, all),
       Domain::Any, false);
  with(b.reduce(
           "argmin_axis0", "argmin", 1, [](const Tensor& x) { return x.argmin(0); }, all),
       Domain::Any, false);
  with(b.reduce(
           "any_all", "any", 0, [](const Tensor& x) { return x.any(); }, all),
       Domain::Any, false);
  with(b.reduce(
           "all_axis1", "all", 2, [](const Tensor& x) { return x.all(1); }, all),
       Domain::Any, false);
  with(b.reduce(
           "logsumexp_m1", "logsumexp", 1, [](const Tensor& x) { return x.logsumexp(-1); }, all),
       Domain::Finite, true);
  with(b.reduce(
           "softmax_m1", "softmax", 1, [](const Tensor& x) { return x.softmax(-1); }, fl),
       Domain::Finite, true);
  with(b.reduce(
           "log_softmax_0", "log_softmax", 1, [](const Tensor& x) { return x.log_softmax(0); }, fl),
       Domain::Finite, true);
  with(b.movement("repeat_2_1", "repeat",
                  [](const Tensor& x) {
                    return x.repeat({2, 1});
                  },
                  {{3}, {2, 3}, {0, 2}}),
       Domain::Any, true);
  OpRow& dot = b.add("dot", "dot", 2, [](const Ts& x) { return x[0].dot(x[1]); }, numeric_dtypes(),
                     {{{4}, {4}}, {{0}, {0}}, {{3}, {4}}});
  with(dot, Domain::Finite, true);
  OpRow& lin = b.add("linear", "linear", 3, [](const Ts& x) { return x[0].linear(x[1], x[2]); }, fl,
                     {{{2, 3}, {4, 3}, {4}}, {{3}, {4, 3}, {4}}, {{2, 3}, {4, 2}, {4}}});
  with(lin, Domain::Finite, true);
}

std::vector<OpRow> build() {
  Builder b;
  add_more(b);
  add_unary(b);
  add_binary(b);
  add_reduce(b);
  add_movement(b);
  add_views_and_creation(b);
  add_index(b);
  add_nn(b);
  add_loss(b);
  return std::move(b.rows);
}

}  // namespace

std::string_view domain_name(Domain d) {
  switch (d) {
    case Domain::Any: return "any";
    case Domain::Finite: return "finite";
    case Domain::Positive: return "positive";
    case Domain::NonZero: return "nonzero";
    case Domain::NonNegative: return "nonnegative";
  }
  return "?";
}

const std::vector<DType>& all_dtypes() {
  static const std::vector<DType> v = {dtypes::bool_,  dtypes::int8,    dtypes::int16,    dtypes::int32,
                                       dtypes::int64,  dtypes::uint8,   dtypes::uint16,   dtypes::uint32,
                                       dtypes::uint64, dtypes::float16, dtypes::bfloat16, dtypes::float32,
                                       dtypes::float64};
  return v;
}

const std::vector<DType>& float_dtypes() {
  static const std::vector<DType> v = {dtypes::float16, dtypes::bfloat16, dtypes::float32, dtypes::float64};
  return v;
}

const std::vector<DType>& numeric_dtypes() {
  static const std::vector<DType> v(all_dtypes().begin() + 1, all_dtypes().end());
  return v;
}

const std::vector<DType>& int_dtypes() {
  static const std::vector<DType> v = {dtypes::int8,  dtypes::int16,  dtypes::int32,  dtypes::int64,
                                       dtypes::uint8, dtypes::uint16, dtypes::uint32, dtypes::uint64};
  return v;
}

const std::vector<OpRow>& op_table() {
  static const std::vector<OpRow> table = build();
  return table;
}

const OpRow* find_op(std::string_view name) {
  for (const OpRow& r : op_table()) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

DType input_dtype(const OpRow& row, size_t i, DType dtype) {
  if (i < row.input_dtypes.size() && row.input_dtypes[i]) return *row.input_dtypes[i];
  return dtype;
}

Tolerance tolerance(const OpRow& row, DType dtype) {
  Tolerance t = row.tol.value_or(Tolerance{});
  // A result stored in a half type is off by up to half an ulp of it, after any float32 error.
  if (dtype == dtypes::float16) t = {std::max(t.atol, 1e-3), std::max(t.rtol, 2e-3)};
  if (dtype == dtypes::bfloat16) t = {std::max(t.atol, 1e-2), std::max(t.rtol, 1.6e-2)};
  return t;
}

}  // namespace anvil::ops
