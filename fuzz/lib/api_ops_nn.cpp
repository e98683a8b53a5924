// The api target's rows for session 3's ops: convolution, pooling, normalization, dropout, integer-
// tensor indexing, scatter, the in-place updates, cumsum/cumprod, sorting and the losses. Arguments
// are mostly consistent with the variables at hand (a 4-d variable as a conv weight, groups from
// the shapes, an integer variable as an index) and sometimes not (bad axes, a float index, a bad
// kernel, stride, padding or group count, mismatched shapes). `wrap=1` on a row with an index
// takes the index's values modulo the axis size first (index() and index_put_: into [-n, n)), so
// most indices select something; without it the raw values (-20..20, the extremes) mostly miss.
#include <algorithm>
#include <array>

#include "engine/support/error.h"
#include "fuzz/lib/api_ops.h"

namespace anvil::fuzz::api {
namespace {

std::string list(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
  return s + "]";
}

std::string pair(GenCtx& g, int64_t lo, int64_t hi) {
  if (g.src.chance(50)) return g.wild_int(lo, hi);
  return list({g.wild_int(lo, hi), g.wild_int(lo, hi)});
}

// An int or an [h, w] pair (Malformed otherwise).
Size2 size2(const Call& c, std::string_view key, int64_t def) {
  const std::string* v = c.line().arg(key);
  if (!v) return def;
  if (auto i = parse_int(*v)) return *i;
  const std::vector<int64_t> hw = c.ints(key);
  if (hw.size() != 2) throw Malformed{"expected an int or an [h,w] pair"};
  return {hw[0], hw[1]};
}

// The index argument, its values wrapped into [0, n) (or [-n, n)) when the line says wrap=1 and the
// index is an integer tensor (a bool or float index stays as it is: its dtype must still raise).
Tensor index_arg(const Call& c, std::string_view key, int64_t n, bool negatives) {
  Tensor t = c.tensor(key);
  if (!c.flag("wrap", false) || n <= 0) return t;
  try {
    if (!is_int(t.dtype())) return t;
  } catch (const Error&) {
    return t;  // an empty handle: the op raises
  }
  return negatives ? t.remainder(2 * n) - n : t.remainder(n);
}

int64_t axis_size(const Tensor& t, int64_t dim) {
  try {
    if (t.ndim() == 0) return 1;
    if (dim < -t.ndim() || dim >= t.ndim()) return 0;
    return t.shape()[static_cast<size_t>(dim < 0 ? dim + t.ndim() : dim)];
  } catch (const Error&) {
    return 0;
  }
}

Tensor pick(const std::pair<Tensor, Tensor>& p, const Call& c) { return c.i("pick", 0) % 2 ? p.second : p.first; }

std::optional<Tensor> bias_of(const Call& c) { return c.opt_tensor("bias"); }

// ---- argument writers ----

// A variable of rank `rank` (the receiver first), else any.
std::string var_of_rank(GenCtx& g, int64_t rank) {
  std::vector<std::string> fit;
  for (const auto& [n, t] : g.vars) try {
      if (t.uop() && t.ndim() == rank) fit.push_back(n);
    } catch (const Error&) {
    }
  if (!fit.empty() && g.src.chance(85)) return fit[g.src.choose(fit.size())];
  return g.var();
}

// An integer variable for an index (sometimes any variable: a float or bool index must raise).
std::string int_var(GenCtx& g) {
  std::vector<std::string> ints;
  for (const auto& [n, t] : g.vars) try {
      if (t.uop() && (t.dtype() == dtypes::int64 || t.dtype() == dtypes::int32)) ints.push_back(n);
    } catch (const Error&) {
    }
  if (!ints.empty() && g.src.chance(85)) return ints[g.src.choose(ints.size())];
  return g.var();
}

Shape shape_of(GenCtx& g, const std::string& name) {
  for (const auto& [n, t] : g.vars)
    if (n == name) try {
        if (t.uop()) return t.shape();
      } catch (const Error&) {
      }
  return {};
}

void g_index(GenCtx& g, Line& l, const char* key = "index") {
  l.set(key, int_var(g));
  if (g.src.chance(80)) l.set("wrap", "1");
}

// conv2d / conv_transpose2d: input and weight 4-d variables, groups from their shapes mostly.
void g_conv(GenCtx& g, Line& l, bool transpose) {
  const std::string in = var_of_rank(g, g.src.chance(85) ? 4 : 3), w = var_of_rank(g, 4);
  l.set("input", in);
  l.set("weight", w);
  const Shape is = shape_of(g, in), ws = shape_of(g, w);
  int64_t groups = 1;
  if (is.size() >= 3 && ws.size() == 4) {
    const int64_t c = is[is.size() - 3];
    if (!transpose && ws[1] > 0 && c % ws[1] == 0 && g.src.chance(80)) groups = c / ws[1];
    if (transpose && c > 0 && ws[0] == c && g.src.chance(30)) groups = c;
  }
  if (g.src.chance(10)) groups = std::stoll(g.wild_int(0, 3));
  if (groups != 1) l.set("groups", std::to_string(groups));
  if (g.src.chance(30)) l.set("bias", g.var());
  if (g.src.chance(50)) l.set("stride", pair(g, 1, 2));
  if (!transpose && g.src.chance(10))
    l.set("padding", g.src.chance(50) ? "same" : "valid");
  else if (g.src.chance(50))
    l.set("padding", pair(g, 0, 2));
  if (g.src.chance(30)) l.set("dilation", pair(g, 1, 2));
  if (transpose && g.src.chance(30)) l.set("output_padding", pair(g, 0, 1));
}
void g_conv2d(GenCtx& g, Line& l) { g_conv(g, l, false); }
void g_conv_t(GenCtx& g, Line& l) { g_conv(g, l, true); }

void g_pool(GenCtx& g, Line& l) {
  l.set("input", var_of_rank(g, g.src.chance(80) ? 4 : 3));
  l.set("kernel", pair(g, 1, 3));
  if (g.src.chance(50)) l.set("stride", pair(g, 1, 3));
  if (g.src.chance(50)) l.set("padding", pair(g, 0, 1));
  if (g.src.chance(30)) l.set("ceil_mode", "1");
}
void g_max_pool(GenCtx& g, Line& l) {
  g_pool(g, l);
  if (g.src.chance(30)) l.set("dilation", pair(g, 1, 2));
  if (g.src.chance(40)) l.set("indices", "1"), l.set("pick", std::to_string(g.src.range(0, 1)));
}
void g_avg_pool(GenCtx& g, Line& l) {
  g_pool(g, l);
  if (g.src.chance(30)) l.set("count_include_pad", "0");
  if (g.src.chance(20)) l.set("divisor", g.wild_int(-1, 4));
}

// A variable of the receiver's (or input's) channel count: [C].
std::string channels_var(GenCtx& g, const std::string& in) {
  const Shape s = shape_of(g, in);
  if (s.size() >= 2)
    for (const auto& [n, t] : g.vars) try {
        if (t.uop() && t.shape() == Shape{s[1]} && g.src.chance(80)) return n;
      } catch (const Error&) {
      }
  return g.var();
}

void g_batch_norm(GenCtx& g, Line& l) {
  const std::string in = g.var();
  l.set("input", in);
  const bool training = g.src.chance(50);
  if (training) l.set("training", "1");
  if (!training || g.src.chance(50)) {
    l.set("running_mean", channels_var(g, in));
    l.set("running_var", channels_var(g, in));
  }
  if (g.src.chance(40)) l.set("weight", channels_var(g, in));
  if (g.src.chance(40)) l.set("bias", channels_var(g, in));
  if (g.src.chance(30)) l.set("momentum", g.number());
  if (g.src.chance(20)) l.set("eps", g.number());
}

void g_layer_norm(GenCtx& g, Line& l) {
  const std::string in = g.var();
  l.set("input", in);
  const Shape s = shape_of(g, in);
  const size_t k = s.empty() ? 0 : 1 + g.src.choose(s.size());
  std::vector<std::string> dims;
  for (size_t i = s.size() - k; i < s.size(); ++i) dims.push_back(std::to_string(s[i]));
  if (g.src.chance(10)) dims.push_back(g.wild_int(0, 3));
  l.set("normalized_shape", list(dims));
  if (g.src.chance(40)) l.set("weight", g.tensor());
  if (g.src.chance(40)) l.set("bias", g.tensor());
  if (g.src.chance(20)) l.set("eps", g.number());
}

void g_group_norm(GenCtx& g, Line& l) {
  const std::string in = g.var();
  l.set("input", in);
  const Shape s = shape_of(g, in);
  const int64_t c = s.size() >= 2 ? std::max<int64_t>(s[1], 1) : 1;
  l.set("groups", g.src.chance(70) ? std::to_string(g.src.chance(50) ? 1 : c) : g.wild_int(0, 4));
  if (g.src.chance(40)) l.set("weight", channels_var(g, in));
  if (g.src.chance(40)) l.set("bias", channels_var(g, in));
}

void g_dropout(GenCtx& g, Line& l) {
  l.set("input", g.var());
  static constexpr std::array<const char*, 7> kP = {"0.0", "0.25", "0.5", "1.0", "-0.5", "1.5", "nan"};
  l.set("p", kP[g.src.choose(g.src.chance(85) ? 4 : kP.size())]);
  if (g.src.chance(30)) l.set("training", "0");
}

void g_axis_index(GenCtx& g, Line& l) {
  l.set("axis", g.axis());
  g_index(g, l);
}

// index() items with one or two integer tensors among slices and ints.
void g_index_adv(GenCtx& g, Line& l) {
  std::vector<std::string> items;
  const size_t n = std::max<size_t>(1, static_cast<size_t>(g.nd()));
  int tensors = 0;
  for (size_t i = 0; i < n + (g.src.chance(10) ? 1 : 0); ++i) {
    if (tensors < 2 && g.src.chance(i + 1 == n && tensors == 0 ? 100 : 45)) {
      items.push_back(int_var(g));
      ++tensors;
    } else {
      items.push_back(g.src.chance(20) ? "None" : g.src.chance(80) ? ":" : g.wild_int(-1, 1));
    }
  }
  l.set("items", list(items));
  if (g.src.chance(80)) l.set("wrap", "1");
}

void g_embedding(GenCtx& g, Line& l) {
  g_index(g, l, "indices");
  l.set("weight", var_of_rank(g, 2));
}

void g_one_hot(GenCtx& g, Line& l) {
  if (g.src.chance(90)) l.set("classes", g.wild_int(g.src.chance(10) ? -2 : 0, 5));
}

void g_masked(GenCtx& g, Line& l) {
  l.set("mask", g.tensor());
  l.set("value", g.src.chance(80) ? g.number() : g.var());
}

void g_scatter(GenCtx& g, Line& l) {
  l.set("axis", g.axis());
  g_index(g, l);
  if (g.src.chance(20))
    l.set("value", g.number());
  else
    l.set("src", g.tensor());
}

void g_scatter_reduce(GenCtx& g, Line& l) {
  g_scatter(g, l);
  static constexpr std::array<const char*, 6> kReduce = {"sum", "prod", "mean", "amax", "amin", "max"};
  l.set("reduce", kReduce[g.src.choose(g.src.chance(90) ? 5 : kReduce.size())]);
  if (g.src.chance(40)) l.set("include_self", "0");
}

void g_index_put(GenCtx& g, Line& l) {
  std::vector<std::string> idx(1 + (g.src.chance(30) ? 1 : 0) + (g.src.chance(5) ? g.src.choose(3) : 0));
  for (auto& i : idx) i = int_var(g);
  l.set("indices", list(idx));
  l.set("values", g.var());
  if (g.src.chance(30)) l.set("accumulate", "1");
  if (g.src.chance(80)) l.set("wrap", "1");
}

void g_setitem(GenCtx& g, Line& l) {
  std::vector<std::string> items;
  const Shape s = g.self_shape();
  for (size_t i = 0; i < s.size() && (i == 0 || g.src.chance(60)); ++i) {
    const int64_t n = std::max<int64_t>(s[i], 1);
    switch (g.src.choose(4)) {
      case 0: items.push_back(g.wild_int(-n, n - 1)); break;
      case 1: items.push_back(int_var(g)); break;
      case 2: items.push_back(":"); break;
      default: items.push_back(g.wild_int(0, n) + ":" + g.wild_int(0, n) + (g.src.chance(30) ? ":2" : ""));
    }
  }
  l.set("items", list(items));
  l.set("value", g.src.chance(50) ? g.number() : g.var());
}

void g_assign(GenCtx& g, Line& l) { l.set("o", g.tensor()); }

void g_cumulative(GenCtx& g, Line& l) {
  l.set("axis", g.axis());
  if (g.src.chance(20)) l.set("dtype", g.dtype());
}

void g_sort(GenCtx& g, Line& l) {
  if (g.src.chance(80)) l.set("axis", g.axis());
  if (g.src.chance(50)) l.set("descending", "1");
  if (g.src.chance(30)) l.set("stable", "1");
  l.set("pick", std::to_string(g.src.range(0, 1)));
}

void g_topk(GenCtx& g, Line& l) {
  l.set("k", g.wild_int(0, 3));
  if (g.src.chance(80)) l.set("axis", g.axis());
  if (g.src.chance(40)) l.set("largest", "0");
  if (g.src.chance(20)) l.set("sorted", "0");
  l.set("pick", std::to_string(g.src.range(0, 1)));
}

void g_reduction(GenCtx& g, Line& l) {
  static constexpr std::array<const char*, 4> kReductions = {"mean", "sum", "none", "avg"};
  if (g.src.chance(70)) l.set("reduction", kReductions[g.src.choose(g.src.chance(95) ? 3 : 4)]);
}

void g_mse(GenCtx& g, Line& l) {
  l.set("input", g.var());
  l.set("target", g.tensor());
  g_reduction(g, l);
}

// nll_loss and cross_entropy: class-index targets (an integer variable, wrapped into [0, C)).
void g_class_loss(GenCtx& g, Line& l) {
  const std::string in = g.var();
  l.set("input", in);
  l.set("target", g.src.chance(80) ? int_var(g) : g.tensor());
  if (g.src.chance(80)) l.set("wrap", "1");
  if (g.src.chance(30)) l.set("weight", channels_var(g, in));
  if (g.src.chance(30)) l.set("ignore_index", g.wild_int(-1, 3));
  g_reduction(g, l);
  if (g.src.chance(30)) l.set("label_smoothing", g.src.chance(80) ? "0.1" : g.number());
}

void g_bce(GenCtx& g, Line& l) {
  l.set("input", g.var());
  l.set("target", g.tensor());
  if (g.src.chance(30)) l.set("weight", g.tensor());
  if (g.src.chance(30)) l.set("pos_weight", g.tensor());
  g_reduction(g, l);
}

// ---- runners ----

Tensor run_conv2d(const Call& c) {
  const Tensor in = c.tensor("input"), w = c.tensor("weight");
  const Size2 stride = size2(c, "stride", 1), dilation = size2(c, "dilation", 1);
  const int64_t groups = c.i("groups", 1);
  const std::string pad = c.str("padding", "0");
  if (pad == "same" || pad == "valid")
    return conv2d(in, w, bias_of(c), stride, pad == "same" ? ConvPadding::Same : ConvPadding::Valid, dilation, groups);
  return conv2d(in, w, bias_of(c), stride, size2(c, "padding", 0), dilation, groups);
}

Tensor run_conv_t(const Call& c) {
  return conv_transpose2d(c.tensor("input"), c.tensor("weight"), bias_of(c), size2(c, "stride", 1),
                          size2(c, "padding", 0), size2(c, "output_padding", 0), c.i("groups", 1),
                          size2(c, "dilation", 1));
}

std::optional<Size2> opt_size2(const Call& c, std::string_view key) {
  if (!c.has(key)) return std::nullopt;
  return size2(c, key, 1);
}

Tensor run_max_pool(const Call& c) {
  const Tensor in = c.tensor("input");
  const Size2 k = size2(c, "kernel", 1), p = size2(c, "padding", 0), d = size2(c, "dilation", 1);
  const bool ceil = c.flag("ceil_mode", false);
  if (c.flag("indices", false)) return pick(max_pool2d_with_indices(in, k, opt_size2(c, "stride"), p, d, ceil), c);
  return max_pool2d(in, k, opt_size2(c, "stride"), p, d, ceil);
}

Tensor run_avg_pool(const Call& c) {
  return avg_pool2d(c.tensor("input"), size2(c, "kernel", 1), opt_size2(c, "stride"), size2(c, "padding", 0),
                    c.flag("ceil_mode", false), c.flag("count_include_pad", true), c.opt_i("divisor"));
}

Tensor run_batch_norm(const Call& c) {
  // The running statistics are updated in place when training: the variables see it.
  return batch_norm(c.tensor("input"), c.opt_tensor("running_mean"), c.opt_tensor("running_var"),
                    c.opt_tensor("weight"), c.opt_tensor("bias"), c.flag("training", false), c.f("momentum", 0.1),
                    c.f("eps", 1e-5));
}

Tensor run_index_adv(const Call& c) {
  std::vector<IndexItem> items = c.index_items("items");
  const Tensor self = c.self();
  // Wrap each tensor item into its axis (the axis it stands for among the items before it).
  int64_t axis = 0;
  for (IndexItem& item : items) {
    if (auto* t = std::get_if<TensorItem>(&item)) {
      if (c.flag("wrap", false)) {
        const int64_t n = axis_size(self, axis);
        try {
          if (n > 0 && is_int(t->t->dtype())) item = TensorItem(t->t->remainder(2 * n) - n);
        } catch (const Error&) {
        }
      }
      ++axis;
    } else if (std::holds_alternative<int64_t>(item) || std::holds_alternative<Slice>(item)) {
      ++axis;
    }
  }
  return self.index(items);
}

Tensor run_index_put(const Call& c) {
  Tensor t = c.self();  // a copy of the handle: the receiver's variable sees the update
  std::vector<Tensor> idx = c.tensors("indices");
  if (c.flag("wrap", false))
    for (size_t d = 0; d < idx.size(); ++d) {
      const int64_t n = axis_size(t, static_cast<int64_t>(d));
      try {
        if (n > 0 && is_int(idx[d].dtype())) idx[d] = idx[d].remainder(2 * n) - n;
      } catch (const Error&) {
      }
    }
  return t.index_put_(idx, c.tensor("values"), c.flag("accumulate", false));
}

Operand value_of(const Call& c) {
  const std::string* v = c.line().arg("value");
  if (v && is_tensor_name(*v)) return c.tensor("value");
  return c.number("value", 0);
}

Tensor loss_target(const Call& c, const Tensor& input) {
  int64_t classes = 0;
  try {
    classes = input.ndim() == 0 ? 0 : input.shape()[input.ndim() == 1 ? 0 : 1];
  } catch (const Error&) {
  }
  return index_arg(c, "target", classes, false);
}

// clang-format off
const OpSpec kNnOps[] = {
  // Convolution, pooling, normalization, dropout.
  {"conv2d", false, run_conv2d, g_conv2d},
  {"conv_transpose2d", false, run_conv_t, g_conv_t},
  {"max_pool2d", false, run_max_pool, g_max_pool},
  {"avg_pool2d", false, run_avg_pool, g_avg_pool},
  {"batch_norm", false, run_batch_norm, g_batch_norm},
  {"layer_norm", false, [](const Call& c) {
     return layer_norm(c.tensor("input"), c.ints("normalized_shape"), c.opt_tensor("weight"), c.opt_tensor("bias"), c.f("eps", 1e-5)); }, g_layer_norm},
  {"group_norm", false, [](const Call& c) {
     return group_norm(c.tensor("input"), c.i("groups", 1), c.opt_tensor("weight"), c.opt_tensor("bias"), c.f("eps", 1e-5)); }, g_group_norm},
  {"dropout", false, [](const Call& c) { return dropout(c.tensor("input"), c.f("p", 0.5), c.flag("training", true)); }, g_dropout},
  // Integer-tensor indexing.
  {"gather", true, [](const Call& c) {
     const int64_t dim = c.i("axis", 0);
     return c.self().gather(dim, index_arg(c, "index", axis_size(c.self(), dim), false)); }, g_axis_index},
  {"index_select", true, [](const Call& c) {
     const int64_t dim = c.i("axis", 0);
     return c.self().index_select(dim, index_arg(c, "index", axis_size(c.self(), dim), false)); }, g_axis_index},
  {"index_adv", true, run_index_adv, g_index_adv},
  {"embedding", false, [](const Call& c) {
     const Tensor w = c.tensor("weight");
     return embedding(index_arg(c, "indices", axis_size(w, 0), false), w); }, g_embedding},
  {"one_hot", true, [](const Call& c) {
     const Tensor t = c.self();
     const int64_t k = c.i("classes", -1);
     if (k == -1 && t.numel() > 4096) return Tensor();  // realizes the input: small ones only
     return t.one_hot(k); }, g_one_hot},
  {"masked_fill", true, [](const Call& c) { return c.self().masked_fill(c.tensor("mask"), value_of(c)); }, g_masked},
  {"scatter", true, [](const Call& c) {
     const int64_t dim = c.i("axis", 0);
     const Tensor idx = index_arg(c, "index", axis_size(c.self(), dim), false);
     if (c.has("value")) return c.self().scatter(dim, idx, c.number("value", 0));
     return c.self().scatter(dim, idx, c.tensor("src")); }, g_scatter},
  {"scatter_add", true, [](const Call& c) {
     const int64_t dim = c.i("axis", 0);
     return c.self().scatter_add(dim, index_arg(c, "index", axis_size(c.self(), dim), false), c.tensor("src")); }, g_scatter},
  {"scatter_reduce", true, [](const Call& c) {
     const int64_t dim = c.i("axis", 0);
     return c.self().scatter_reduce(dim, index_arg(c, "index", axis_size(c.self(), dim), false), c.tensor("src"),
                                    c.str("reduce", "sum"), c.flag("include_self", true)); }, g_scatter_reduce},
  // In-place updates: on a copy of the receiver's handle, so its variable sees the new value.
  {"index_put_", true, run_index_put, g_index_put},
  {"setitem", true, [](const Call& c) { Tensor t = c.self(); return t.setitem(c.index_items("items"), value_of(c)); }, g_setitem},
  {"masked_fill_", true, [](const Call& c) { Tensor t = c.self(); return t.masked_fill_(c.tensor("mask"), value_of(c)); }, g_masked},
  {"assign", true, [](const Call& c) { Tensor t = c.self(); return t.assign(c.tensor("o")); }, g_assign},
  // Cumulative ops and sorting.
  {"cumsum", true, [](const Call& c) { return c.self().cumsum(c.i("axis", 0), c.opt_dtype("dtype")); }, g_cumulative},
  {"cumprod", true, [](const Call& c) { return c.self().cumprod(c.i("axis", 0), c.opt_dtype("dtype")); }, g_cumulative},
  {"sort", true, [](const Call& c) {
     return pick(c.self().sort(c.i("axis", -1), c.flag("descending", false), c.flag("stable", false)), c); }, g_sort},
  {"argsort", true, [](const Call& c) {
     return c.self().argsort(c.i("axis", -1), c.flag("descending", false), c.flag("stable", false)); }, g_sort},
  {"topk", true, [](const Call& c) {
     return pick(c.self().topk(c.i("k", 1), c.i("axis", -1), c.flag("largest", true), c.flag("sorted", true)), c); }, g_topk},
  // Losses.
  {"mse_loss", false, [](const Call& c) { return mse_loss(c.tensor("input"), c.tensor("target"), c.str("reduction", "mean")); }, g_mse},
  {"nll_loss", false, [](const Call& c) {
     const Tensor in = c.tensor("input");
     return nll_loss(in, loss_target(c, in), c.opt_tensor("weight"), c.i("ignore_index", -100), c.str("reduction", "mean")); }, g_class_loss},
  {"cross_entropy", false, [](const Call& c) {
     const Tensor in = c.tensor("input");
     return cross_entropy(in, loss_target(c, in), c.opt_tensor("weight"), c.i("ignore_index", -100),
                          c.str("reduction", "mean"), c.f("label_smoothing", 0)); }, g_class_loss},
  {"binary_cross_entropy", false, [](const Call& c) {
     return binary_cross_entropy(c.tensor("input"), c.tensor("target"), c.opt_tensor("weight"), c.str("reduction", "mean")); }, g_bce},
  {"binary_cross_entropy_with_logits", false, [](const Call& c) {
     return binary_cross_entropy_with_logits(c.tensor("input"), c.tensor("target"), c.opt_tensor("weight"),
                                             c.str("reduction", "mean"), c.opt_tensor("pos_weight")); }, g_bce},
};
// clang-format on

}  // namespace

std::span<const OpSpec> api_nn_ops() { return kNnOps; }

}  // namespace anvil::fuzz::api
