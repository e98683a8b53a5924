#include "fuzz/lib/api_ops.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "engine/support/error.h"

namespace anvil::fuzz::api {
namespace {

constexpr int64_t kMaxLeafElements = 4096;

std::string list(const std::vector<std::string>& items) {
  std::string s = "[";
  for (size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i];
  return s + "]";
}

std::string list(const std::vector<int64_t>& items) {
  std::vector<std::string> s;
  for (int64_t i : items) s.push_back(std::to_string(i));
  return list(s);
}

// Leaf data: mostly ordinary values, some specials (signed zeros, infinities, NaN, the extremes).
Tensor from_leaf(const Call& c) {
  const Shape shape = c.ints("shape");
  const DType dtype = c.dtype("dtype", dtypes::float32);
  SeededSource src(static_cast<uint64_t>(c.i("seed", 0)));
  int64_t n = 1;
  bool fits = true;
  for (int64_t d : shape) {
    fits = fits && d >= 0 && d <= kMaxLeafElements;
    if (fits) n = std::min(n * d, kMaxLeafElements + 1);
  }
  if (!fits || n > kMaxLeafElements) n = 3;  // a size that (mostly) cannot match: Tensor::from raises
  if (is_float(dtype)) {
    static constexpr std::array<double, 8> kSpecial = {0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, NAN, 65504.0};
    std::vector<double> v(static_cast<size_t>(n));
    for (double& x : v) x = src.chance(10) ? kSpecial[src.choose(kSpecial.size())] : src.range(-4000, 4000) / 256.0;
    return Tensor::from(Buffer::from_floats(dtype, v), shape);
  }
  std::vector<int64_t> v(static_cast<size_t>(n));
  const bool wide = dtype.scalar == Scalar::Int64 || dtype.scalar == Scalar::UInt64;
  const int64_t lo = wide ? std::numeric_limits<int64_t>::min() : static_cast<int64_t>(int_min(dtype.scalar));
  const int64_t hi = wide ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(int_max(dtype.scalar));
  for (int64_t& x : v) x = src.chance(8) ? (src.chance(50) ? lo : hi) : std::clamp<int64_t>(src.range(-20, 20), lo, hi);
  return Tensor::from(Buffer::from_ints(dtype, v), shape);
}

Tensor pick(const std::vector<Tensor>& pieces, const Call& c) {
  if (pieces.empty()) return Tensor();
  const int64_t k = c.i("pick", 0);
  return pieces[static_cast<size_t>(((k % static_cast<int64_t>(pieces.size())) + static_cast<int64_t>(pieces.size())) %
                                    static_cast<int64_t>(pieces.size()))];
}

// Every node of the graph small: realizing it costs little (a huge EXPAND under a reduce would not).
bool cheap_graph(const Tensor& t) {
  for (const UOp& u : t.uop().toposort()) {
    if (!u.shape()) continue;
    int64_t n = 1;
    for (int64_t d : *u.shape())
      if (d < 0 || (n *= std::min<int64_t>(d, kMaxLeafElements + 1)) > kMaxLeafElements) return false;
  }
  return true;
}

// Argument writers, shared by rows of one shape.
void g_none(GenCtx&, Line&) {}
void g_o(GenCtx& g, Line& l) { l.set("o", g.operand()); }
void g_t(GenCtx& g, Line& l) { l.set("o", g.tensor()); }
void g_dtype(GenCtx& g, Line& l) { l.set("dtype", g.dtype()); }
void g_opt_dtype(GenCtx& g, Line& l) {
  if (g.src.chance(40)) l.set("dtype", g.dtype());
}
void g_axes_keep(GenCtx& g, Line& l) {
  if (g.src.chance(20))
    l.set("axis", g.axis());
  else
    l.set("axes", g.axes());
  if (g.src.chance(50)) l.set("keepdim", g.src.chance(50) ? "1" : "0");
}
void g_axes_keep_dtype(GenCtx& g, Line& l) {
  g_axes_keep(g, l);
  g_opt_dtype(g, l);
}
void g_var(GenCtx& g, Line& l) {
  g_axes_keep(g, l);
  if (g.src.chance(50)) l.set("correction", g.src.chance(20) ? g.number() : g.wild_int(0, 2));
}
void g_arg(GenCtx& g, Line& l) {
  if (g.src.chance(70)) l.set("axis", g.axis());
  if (g.src.chance(50)) l.set("keepdim", "1");
}
void g_softmax(GenCtx& g, Line& l) {
  l.set("axis", g.axis());
  g_opt_dtype(g, l);
}
void g_shape(GenCtx& g, Line& l) {
  l.set("shape", g.shape());
  if (g.src.chance(50)) l.set("dtype", g.dtype());
}
void g_from(GenCtx& g, Line& l) {
  l.set("shape", g.shape());
  l.set("dtype", g.dtype());
  l.set("seed", std::to_string(g.src.range(0, 999)));
}
void g_like(GenCtx& g, Line& l) {
  l.set("x", g.var());
  g_opt_dtype(g, l);
}
// A new shape for the receiver: its numel factored differently, sometimes with -1 or a bad size.
std::string reshaped(GenCtx& g) {
  Shape s = g.self_shape();
  int64_t n = 1;
  for (int64_t d : s) n *= std::max<int64_t>(d, 0);
  Shape out;
  while (n > 1 && out.size() < 4) {
    int64_t f = 2;
    while (n % f) ++f;
    if (g.src.chance(50) && !out.empty())
      out.back() *= f;
    else
      out.push_back(f);
    n /= f;
  }
  if (n == 0) out.push_back(0);
  if (g.src.chance(30)) out.insert(out.begin() + static_cast<int64_t>(g.src.choose(out.size() + 1)), 1);
  if (!out.empty() && g.src.chance(25)) out[g.src.choose(out.size())] = -1;
  if (g.src.chance(10)) return g.shape();
  return list(out);
}
void g_reshape(GenCtx& g, Line& l) { l.set("shape", reshaped(g)); }
void g_permute(GenCtx& g, Line& l) {
  std::vector<int64_t> p(static_cast<size_t>(g.nd()));
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<int64_t>(i);
  for (size_t i = p.size(); i > 1; --i) std::swap(p[i - 1], p[g.src.choose(i)]);
  if (!p.empty() && g.src.chance(15)) p[g.src.choose(p.size())] = std::stoll(g.axis());
  if (g.src.chance(10)) p.push_back(0);
  l.set("axes", list(p));
}
void g_two_axes(GenCtx& g, Line& l) {
  l.set("a", g.axis());
  l.set("b", g.axis());
}
void g_expand(GenCtx& g, Line& l) {
  Shape s = g.self_shape();
  for (int64_t& d : s)
    if (d == 1 && g.src.chance(60))
      d = g.src.range(0, 4);
    else if (g.src.chance(20))
      d = -1;
  if (g.src.chance(30)) s.insert(s.begin(), g.src.range(1, 3));
  if (g.src.chance(10)) s.push_back(std::stoll(g.wild_int(0, 5)));
  l.set("shape", list(s));
}
std::string pairs(GenCtx& g, bool shrink) {
  Shape s = g.self_shape();
  std::vector<std::string> items;
  const size_t n = g.src.chance(85) ? s.size() : g.src.choose(6);
  for (size_t i = 0; i < n; ++i) {
    const int64_t size = i < s.size() ? s[i] : 2;
    int64_t a, b;
    if (shrink) {
      a = g.src.range(0, std::max<int64_t>(size, 0));
      b = g.src.range(a, std::max<int64_t>(size, a));
      if (g.src.chance(10)) b = std::stoll(g.wild_int(-2, size + 2));
    } else {
      a = std::stoll(g.wild_int(-1, 2));
      b = std::stoll(g.wild_int(-1, 2));
    }
    items.push_back(std::to_string(a) + ":" + std::to_string(b));
  }
  return list(items);
}
void g_pad(GenCtx& g, Line& l) {
  l.set("pads", pairs(g, false));
  if (g.src.chance(40)) {
    static constexpr std::array<const char*, 5> kModes = {"constant", "reflect", "replicate", "circular", "edge"};
    l.set("mode", kModes[g.src.choose(kModes.size())]);
  }
  if (g.src.chance(40)) l.set("value", g.number());
}
void g_shrink(GenCtx& g, Line& l) { l.set("ranges", pairs(g, true)); }
void g_split(GenCtx& g, Line& l) {
  if (g.src.chance(60)) {
    l.set("size", g.wild_int(0, 3));
  } else {
    std::vector<int64_t> sizes(g.src.choose(4));
    for (int64_t& s : sizes) s = g.src.range(-1, 3);
    l.set("sizes", list(sizes));
  }
  l.set("axis", g.axis());
  l.set("pick", std::to_string(g.src.range(0, 3)));
}
void g_chunk(GenCtx& g, Line& l) {
  l.set("chunks", g.wild_int(0, 4));
  l.set("axis", g.axis());
  l.set("pick", std::to_string(g.src.range(0, 3)));
}
void g_repeat(GenCtx& g, Line& l) {
  std::vector<std::string> r;
  const size_t n = static_cast<size_t>(g.nd()) + (g.src.chance(20) ? g.src.choose(3) : 0);
  for (size_t i = 0; i < n; ++i) r.push_back(g.wild_int(0, 3));
  l.set("repeats", list(r));
}
void g_index(GenCtx& g, Line& l) {
  Shape s = g.self_shape();
  std::vector<std::string> items;
  const size_t n = g.src.choose(s.size() + 2);
  bool ellipsis = false;
  for (size_t i = 0; i < n; ++i) {
    const int64_t size = i < s.size() ? std::max<int64_t>(s[i], 1) : 2;
    switch (g.src.choose(6)) {
      case 0: items.push_back(g.wild_int(-size, size - 1)); break;
      case 1: items.push_back("None"); break;
      case 2:
        if (!ellipsis || g.src.chance(10)) items.push_back("..."), ellipsis = true;
        break;
      case 3: items.push_back(":"); break;
      default: {
        std::string a = g.src.chance(30) ? "" : g.wild_int(-size, size);
        std::string b = g.src.chance(30) ? "" : g.wild_int(-size, size);
        std::string st = g.src.chance(50) ? "" : ":" + g.wild_int(1, 3);
        items.push_back(a + ":" + b + st);
      }
    }
  }
  l.set("items", list(items));
}
void g_slice(GenCtx& g, Line& l) {
  l.set("axis", g.axis());
  if (g.src.chance(70)) l.set("start", g.wild_int(-3, 3));
  if (g.src.chance(70)) l.set("stop", g.wild_int(-3, 4));
}
void g_flip(GenCtx& g, Line& l) { l.set("axes", g.axes()); }
void g_flatten(GenCtx& g, Line& l) {
  if (g.src.chance(60)) l.set("start", g.axis());
  if (g.src.chance(60)) l.set("end", g.axis());
}
void g_opt_axis(GenCtx& g, Line& l) {
  if (g.src.chance(60)) l.set("axis", g.axis());
}
void g_unsqueeze(GenCtx& g, Line& l) { l.set("axis", g.wild_int(-g.nd() - 1, g.nd())); }
void g_join(GenCtx& g, Line& l) {
  std::vector<std::string> ts;
  const size_t n = g.src.chance(5) ? 0 : 1 + g.src.choose(3);
  for (size_t i = 0; i < n; ++i) ts.push_back(i == 0 ? g.var() : g.tensor());
  l.set("tensors", list(ts));
  l.set("axis", g.axis());
}
void g_linear(GenCtx& g, Line& l) {
  l.set("weight", g.tensor());
  if (g.src.chance(50)) l.set("bias", g.tensor());
}
void g_clamp(GenCtx& g, Line& l) {
  if (g.src.chance(70)) l.set("lo", g.operand());
  if (g.src.chance(70)) l.set("hi", g.operand());
}
void g_where(GenCtx& g, Line& l) {
  l.set("a", g.operand());
  l.set("b", g.operand());
}
void g_lerp(GenCtx& g, Line& l) {
  l.set("end", g.tensor());
  l.set("weight", g.operand());
}
void g_arange(GenCtx& g, Line& l) {
  if (g.src.chance(50)) l.set("start", g.number());
  l.set("stop", g.src.chance(80) ? g.wild_int(-2, 8) : g.number());
  if (g.src.chance(50)) l.set("step", g.src.chance(70) ? g.wild_int(-2, 3) : g.number());
  g_opt_dtype(g, l);
}
void g_eye(GenCtx& g, Line& l) {
  l.set("n", g.wild_int(0, 4));
  if (g.src.chance(50)) l.set("m", g.wild_int(-1, 4));
  g_opt_dtype(g, l);
}
void g_full(GenCtx& g, Line& l) {
  l.set("shape", g.shape());
  l.set("value", g.number());
  g_opt_dtype(g, l);
}
void g_full_like(GenCtx& g, Line& l) {
  l.set("x", g.var());
  l.set("value", g.number());
  g_opt_dtype(g, l);
}
void g_scalar(GenCtx& g, Line& l) {
  l.set("value", g.number());
  g_opt_dtype(g, l);
}
void g_linspace(GenCtx& g, Line& l) {
  l.set("start", g.number());
  l.set("end", g.number());
  l.set("steps", g.wild_int(0, 6));
  g_opt_dtype(g, l);
}
void g_seed(GenCtx& g, Line& l) { l.set("seed", std::to_string(g.src.range(0, 99))); }
void g_randint(GenCtx& g, Line& l) {
  l.set("low", g.wild_int(-5, 5));
  l.set("high", g.wild_int(-5, 10));
  g_shape(g, l);
}
void g_uniform(GenCtx& g, Line& l) {
  l.set("shape", g.shape());
  l.set("a", g.number());
  l.set("b", g.number());
  g_opt_dtype(g, l);
}
void g_slope(GenCtx& g, Line& l) {
  if (g.src.chance(60)) l.set("p", g.number());
}
void g_gelu(GenCtx& g, Line& l) {
  if (g.src.chance(60)) l.set("approximate", g.src.chance(10) ? "fast" : g.src.chance(50) ? "tanh" : "none");
}
void g_softplus(GenCtx& g, Line& l) {
  if (g.src.chance(50)) l.set("beta", g.number());
  if (g.src.chance(50)) l.set("threshold", g.number());
}
void g_device(GenCtx& g, Line& l) { l.set("name", g.src.chance(80) ? "interp" : "nowhere"); }
void g_size(GenCtx& g, Line& l) { l.set("axis", g.axis()); }
void g_grad(GenCtx& g, Line& l) {
  l.set("wrt", g.var());
  if (g.src.chance(30)) l.set("seed", g.tensor());
}
void g_requires(GenCtx& g, Line& l) {
  if (g.src.chance(20)) l.set("on", "0");
}
void g_result_type(GenCtx& g, Line& l) {
  std::vector<std::string> ops;
  for (size_t i = 0, n = g.src.choose(4); i < n; ++i) ops.push_back(g.operand());
  l.set("ops", list(ops));
}
void g_rnum(GenCtx& g, Line& l) { l.set("n", g.number()); }

Tensor axes_or_axis_sum(const Call& c, bool prod) {
  const bool keep = c.flag("keepdim", false);
  if (c.has("axis"))
    return prod ? c.self().prod(c.i("axis", 0), keep, c.opt_dtype("dtype"))
                : c.self().sum(c.i("axis", 0), keep, c.opt_dtype("dtype"));
  return prod ? c.self().prod(c.ints("axes"), keep, c.opt_dtype("dtype"))
              : c.self().sum(c.ints("axes"), keep, c.opt_dtype("dtype"));
}

// Reductions with an axes list or a single axis, and keepdim.
#define ANVIL_API_REDUCE(NAME)                                                      \
  {                                                                                 \
#NAME, true,                                                                      \
        [](const Call& c) {                                                           \
          const bool keep = c.flag("keepdim", false);                                 \
          return c.has("axis") ? c.self().NAME(c.i("axis", 0), keep) : c.self().NAME(c.ints("axes"), keep); \
        },                                                                            \
        g_axes_keep \
  }
#define ANVIL_API_UNARY(NAME)                                          \
  {                                                                    \
#NAME, true, [](const Call& c) { return c.self().NAME(); }, g_none \
  }
#define ANVIL_API_BINARY(NAME)                                                    \
  {                                                                               \
#NAME, true, [](const Call& c) { return c.self().NAME(c.operand("o")); }, g_o \
  }

// clang-format off
const OpSpec kOps[] = {
  // Creation.
  {"from", false, from_leaf, g_from},
  {"empty", false, [](const Call& c) { return Tensor::empty(c.ints("shape"), c.dtype("dtype", dtypes::float32)); }, g_shape},
  {"zeros", false, [](const Call& c) { return Tensor::zeros(c.ints("shape"), c.dtype("dtype", dtypes::float32)); }, g_shape},
  {"ones", false, [](const Call& c) { return Tensor::ones(c.ints("shape"), c.dtype("dtype", dtypes::float32)); }, g_shape},
  {"full", false, [](const Call& c) { return Tensor::full(c.ints("shape"), c.number("value", 0), c.opt_dtype("dtype")); }, g_full},
  {"empty_like", false, [](const Call& c) { return Tensor::empty_like(c.tensor("x"), c.opt_dtype("dtype")); }, g_like},
  {"zeros_like", false, [](const Call& c) { return Tensor::zeros_like(c.tensor("x"), c.opt_dtype("dtype")); }, g_like},
  {"ones_like", false, [](const Call& c) { return Tensor::ones_like(c.tensor("x"), c.opt_dtype("dtype")); }, g_like},
  {"full_like", false, [](const Call& c) { return Tensor::full_like(c.tensor("x"), c.number("value", 0), c.opt_dtype("dtype")); }, g_full_like},
  {"arange", false, [](const Call& c) {
     if (!c.has("start") && !c.has("step") && !c.has("dtype")) return Tensor::arange(c.number("stop", 0));
     return Tensor::arange(c.number("start", 0), c.number("stop", 0), c.number("step", 1), c.opt_dtype("dtype")); }, g_arange},
  {"eye", false, [](const Call& c) { return Tensor::eye(c.i("n", 0), c.i("m", -1), c.dtype("dtype", dtypes::float32)); }, g_eye},
  {"scalar", false, [](const Call& c) { return Tensor::scalar(c.number("value", 0), c.opt_dtype("dtype")); }, g_scalar},
  {"linspace", false, [](const Call& c) { return Tensor::linspace(c.number("start", 0), c.number("end", 1), c.i("steps", 0), c.opt_dtype("dtype")); }, g_linspace},
  {"manual_seed", false, [](const Call& c) { Tensor::manual_seed(static_cast<uint64_t>(c.i("seed", 0))); return Tensor(); }, g_seed},
  {"rand", false, [](const Call& c) { return Tensor::rand(c.ints("shape"), c.dtype("dtype", dtypes::float32)); }, g_shape},
  {"randn", false, [](const Call& c) { return Tensor::randn(c.ints("shape"), c.dtype("dtype", dtypes::float32)); }, g_shape},
  {"randint", false, [](const Call& c) { return Tensor::randint(c.i("low", 0), c.i("high", 1), c.ints("shape"), c.dtype("dtype", dtypes::int64)); }, g_randint},
  {"uniform", false, [](const Call& c) { return Tensor::uniform(c.ints("shape"), c.f("a", 0), c.f("b", 1), c.dtype("dtype", dtypes::float32)); }, g_uniform},
  {"normal", false, [](const Call& c) { return Tensor::normal(c.ints("shape"), c.f("a", 0), c.f("b", 1), c.dtype("dtype", dtypes::float32)); }, g_uniform},
  {"rand_like", false, [](const Call& c) { return Tensor::rand_like(c.tensor("x"), c.opt_dtype("dtype")); }, g_like},
  {"randn_like", false, [](const Call& c) { return Tensor::randn_like(c.tensor("x"), c.opt_dtype("dtype")); }, g_like},
  {"result_type", false, [](const Call& c) { return Tensor::zeros({}, result_type(c.operands("ops"))); }, g_result_type},
  // Unary elementwise and activations.
  ANVIL_API_UNARY(neg), ANVIL_API_UNARY(abs), ANVIL_API_UNARY(sign), ANVIL_API_UNARY(exp), ANVIL_API_UNARY(exp2),
  ANVIL_API_UNARY(log), ANVIL_API_UNARY(log2), ANVIL_API_UNARY(sqrt), ANVIL_API_UNARY(rsqrt), ANVIL_API_UNARY(reciprocal),
  ANVIL_API_UNARY(sin), ANVIL_API_UNARY(cos), ANVIL_API_UNARY(floor), ANVIL_API_UNARY(ceil), ANVIL_API_UNARY(trunc),
  ANVIL_API_UNARY(relu), ANVIL_API_UNARY(sigmoid), ANVIL_API_UNARY(tanh), ANVIL_API_UNARY(tan), ANVIL_API_UNARY(round),
  ANVIL_API_UNARY(isnan), ANVIL_API_UNARY(isinf), ANVIL_API_UNARY(isfinite), ANVIL_API_UNARY(silu),
  ANVIL_API_UNARY(hardswish), ANVIL_API_UNARY(mish), ANVIL_API_UNARY(logical_not), ANVIL_API_UNARY(bitwise_not),
  ANVIL_API_UNARY(contiguous), ANVIL_API_UNARY(detach),
  {"neg_op", true, [](const Call& c) { return -c.self(); }, g_none},
  {"leaky_relu", true, [](const Call& c) { return c.self().leaky_relu(c.f("p", 0.01)); }, g_slope},
  {"elu", true, [](const Call& c) { return c.self().elu(c.f("p", 1)); }, g_slope},
  {"gelu", true, [](const Call& c) { return c.self().gelu(c.str("approximate", "none")); }, g_gelu},
  {"softplus", true, [](const Call& c) { return c.self().softplus(c.f("beta", 1), c.f("threshold", 20)); }, g_softplus},
  {"bitcast", true, [](const Call& c) { return c.self().bitcast(c.dtype("dtype", dtypes::float32)); }, g_dtype},
  {"cast", true, [](const Call& c) { return c.self().to(c.dtype("dtype", dtypes::float32)); }, g_dtype},
  {"to_device", true, [](const Call& c) { return c.self().to(c.str("name", "interp")); }, g_device},
  // Binary elementwise.
  ANVIL_API_BINARY(add), ANVIL_API_BINARY(sub), ANVIL_API_BINARY(mul), ANVIL_API_BINARY(div),
  ANVIL_API_BINARY(floor_divide), ANVIL_API_BINARY(remainder), ANVIL_API_BINARY(maximum), ANVIL_API_BINARY(minimum),
  ANVIL_API_BINARY(lt), ANVIL_API_BINARY(le), ANVIL_API_BINARY(gt), ANVIL_API_BINARY(ge), ANVIL_API_BINARY(eq),
  ANVIL_API_BINARY(ne), ANVIL_API_BINARY(logical_and), ANVIL_API_BINARY(logical_or), ANVIL_API_BINARY(logical_xor),
  ANVIL_API_BINARY(bitwise_and), ANVIL_API_BINARY(bitwise_or), ANVIL_API_BINARY(bitwise_xor), ANVIL_API_BINARY(pow),
  ANVIL_API_BINARY(bitwise_left_shift), ANVIL_API_BINARY(bitwise_right_shift),
  {"radd", true, [](const Call& c) { return c.number("n", 1) + c.self(); }, g_rnum},
  {"rsub", true, [](const Call& c) { return c.number("n", 1) - c.self(); }, g_rnum},
  {"rmul", true, [](const Call& c) { return c.number("n", 1) * c.self(); }, g_rnum},
  {"rdiv", true, [](const Call& c) { return c.number("n", 1) / c.self(); }, g_rnum},
  {"rpow", true, [](const Call& c) { return pow(c.number("n", 1), c.self()); }, g_rnum},
  {"clamp", true, [](const Call& c) { return c.self().clamp(c.opt_operand("lo"), c.opt_operand("hi")); }, g_clamp},
  {"where", true, [](const Call& c) { return c.self().where(c.operand("a"), c.operand("b")); }, g_where},
  {"lerp", true, [](const Call& c) { return c.self().lerp(c.tensor("end"), c.operand("weight")); }, g_lerp},
  // Reductions.
  {"sum", true, [](const Call& c) { return axes_or_axis_sum(c, false); }, g_axes_keep_dtype},
  {"prod", true, [](const Call& c) { return axes_or_axis_sum(c, true); }, g_axes_keep_dtype},
  ANVIL_API_REDUCE(max), ANVIL_API_REDUCE(min), ANVIL_API_REDUCE(mean), ANVIL_API_REDUCE(any), ANVIL_API_REDUCE(all),
  ANVIL_API_REDUCE(logsumexp),
  {"var", true, [](const Call& c) {
     const double k = c.f("correction", 1);
     return c.has("axis") ? c.self().var(c.i("axis", 0), k, c.flag("keepdim", false)) : c.self().var(c.ints("axes"), k, c.flag("keepdim", false)); }, g_var},
  {"std", true, [](const Call& c) {
     const double k = c.f("correction", 1);
     return c.has("axis") ? c.self().std(c.i("axis", 0), k, c.flag("keepdim", false)) : c.self().std(c.ints("axes"), k, c.flag("keepdim", false)); }, g_var},
  {"argmax", true, [](const Call& c) { return c.self().argmax(c.opt_i("axis"), c.flag("keepdim", false)); }, g_arg},
  {"argmin", true, [](const Call& c) { return c.self().argmin(c.opt_i("axis"), c.flag("keepdim", false)); }, g_arg},
  {"softmax", true, [](const Call& c) { return c.self().softmax(c.i("axis", -1), c.opt_dtype("dtype")); }, g_softmax},
  {"log_softmax", true, [](const Call& c) { return c.self().log_softmax(c.i("axis", -1), c.opt_dtype("dtype")); }, g_softmax},
  // Movement.
  {"reshape", true, [](const Call& c) { return c.self().reshape(c.ints("shape")); }, g_reshape},
  {"permute", true, [](const Call& c) { return c.self().permute(c.ints("axes")); }, g_permute},
  {"transpose", true, [](const Call& c) { return c.self().transpose(c.i("a", -2), c.i("b", -1)); }, g_two_axes},
  {"expand", true, [](const Call& c) { return c.self().expand(c.ints("shape")); }, g_expand},
  {"pad", true, [](const Call& c) {
     const std::string mode = c.str("mode", "");
     if (mode.empty()) return c.self().pad(c.ranges("pads"), c.number("value", 0));
     static constexpr std::array<std::pair<const char*, PadMode>, 4> kModes = {{{"constant", PadMode::Constant},
       {"reflect", PadMode::Reflect}, {"replicate", PadMode::Replicate}, {"circular", PadMode::Circular}}};
     for (const auto& [n, m] : kModes)
       if (mode == n) return c.self().pad(c.ranges("pads"), m, c.opt_number("value"));
     throw Malformed{"unknown pad mode"}; }, g_pad},
  {"shrink", true, [](const Call& c) { return c.self().shrink(c.ranges("ranges")); }, g_shrink},
  {"split", true, [](const Call& c) {
     return pick(c.has("sizes") ? c.self().split(c.ints("sizes"), c.i("axis", 0)) : c.self().split(c.i("size", 1), c.i("axis", 0)), c); }, g_split},
  {"chunk", true, [](const Call& c) { return pick(c.self().chunk(c.i("chunks", 1), c.i("axis", 0)), c); }, g_chunk},
  {"repeat", true, [](const Call& c) { return c.self().repeat(c.ints("repeats")); }, g_repeat},
  {"index", true, [](const Call& c) { return c.self().index(c.index_items("items")); }, g_index},
  {"slice", true, [](const Call& c) { return c.self().slice(c.i("axis", 0), c.opt_i("start"), c.opt_i("stop")); }, g_slice},
  {"flip", true, [](const Call& c) { return c.self().flip(c.ints("axes")); }, g_flip},
  {"flatten", true, [](const Call& c) { return c.self().flatten(c.i("start", 0), c.i("end", -1)); }, g_flatten},
  {"squeeze", true, [](const Call& c) { return c.has("axis") ? c.self().squeeze(c.i("axis", 0)) : c.self().squeeze(); }, g_opt_axis},
  {"unsqueeze", true, [](const Call& c) { return c.self().unsqueeze(c.i("axis", 0)); }, g_unsqueeze},
  {"cat", false, [](const Call& c) { return Tensor::cat(c.tensors("tensors"), c.i("axis", 0)); }, g_join},
  {"stack", false, [](const Call& c) { return Tensor::stack(c.tensors("tensors"), c.i("axis", 0)); }, g_join},
  // Linear algebra.
  {"matmul", true, [](const Call& c) { return c.self().matmul(c.tensor("o")); }, g_t},
  {"dot", true, [](const Call& c) { return c.self().dot(c.tensor("o")); }, g_t},
  {"linear", true, [](const Call& c) { return c.self().linear(c.tensor("weight"), c.opt_tensor("bias")); }, g_linear},
  // Queries, printing, autograd.
  {"size", true, [](const Call& c) { return Tensor::scalar(c.self().size(c.i("axis", 0))); }, g_size},
  {"print", true, [](const Call& c) {
     Tensor t = c.self();
     if (cheap_graph(t)) (void)Tensor(t.uop(), t.keep(), t.device()).to_string();  // realizes a fresh handle
     return t; }, g_none},
  {"set_grad", true, [](const Call& c) { Tensor t = c.self(); t.set_grad(c.opt_tensor("o")); return t; }, g_t},
  {"zero_grad", true, [](const Call& c) { Tensor t = c.self(); t.zero_grad(); return t; }, g_none},
  {"realize", true, [](const Call& c) {  // in place: later lines see a BUFFER (small tensors only)
     Tensor t = c.self();
     if (cheap_graph(t)) t.realize();
     return t; }, g_none},
  {"requires_grad", true, [](const Call& c) {  // realizes a non-leaf: small graphs only
     Tensor t = c.self();
     if (cheap_graph(t)) t.requires_grad_(c.flag("on", true));
     return t; }, g_requires},
  {"grad", true, [](const Call& c) {
     auto g = grad(c.self(), {c.tensor("wrt")}, c.opt_tensor("seed"));
     return g.empty() ? Tensor() : g[0]; }, g_grad},
  {"backward", true, [](const Call& c) {
     Tensor t = c.self(), wrt = c.tensor("wrt");
     if (c.has("seed")) t.backward(c.tensor("seed")); else t.backward();
     std::optional<Tensor> g = wrt.grad();
     return g ? *g : Tensor(); }, g_grad},
};
// clang-format on

}  // namespace

int64_t GenCtx::nd() {
  try {
    if (self.uop()) return self.ndim();
  } catch (const Error&) {
  }
  return static_cast<int64_t>(self_shape().size());
}

Shape GenCtx::self_shape() {
  try {
    if (self.uop()) return self.shape();
  } catch (const Error&) {
  }
  Shape s(src.choose(4));
  for (int64_t& d : s) d = src.range(1, 3);
  return s;
}

std::string GenCtx::wild_int(int64_t lo, int64_t hi) {
  static constexpr std::array<int64_t, 6> kExtreme = {std::numeric_limits<int64_t>::min(),
                                                      std::numeric_limits<int64_t>::max(),
                                                      int64_t{1} << 31,
                                                      -(int64_t{1} << 31),
                                                      int64_t{1} << 40,
                                                      -1000};
  if (src.chance(4)) return std::to_string(kExtreme[src.choose(kExtreme.size())]);
  if (src.chance(6)) return std::to_string(src.range(lo - 3, hi + 3));
  return std::to_string(src.range(lo, std::max(lo, hi)));
}

std::string GenCtx::axis() {
  const int64_t n = nd();
  return wild_int(n ? -n : -1, n ? n - 1 : 0);
}

std::string GenCtx::axes() {
  const int64_t n = nd();
  std::vector<std::string> out;
  for (int64_t a = 0; a < n; ++a)
    if (src.chance(50)) out.push_back(std::to_string(src.chance(30) ? a - n : a));
  if (src.chance(10)) out.push_back(axis());
  return "[" + [&] {
    std::string s;
    for (size_t i = 0; i < out.size(); ++i) s += (i ? "," : "") + out[i];
    return s;
  }() + "]";
}

std::string GenCtx::shape() {
  std::vector<std::string> dims(src.choose(5));
  for (auto& d : dims) d = src.chance(90) ? std::to_string(src.chance(8) ? 0 : src.range(1, 4)) : wild_int(-1, 4);
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + dims[i];
  return s + "]";
}

std::string GenCtx::dtype() {
  static constexpr std::array<const char*, 13> kNames = {"bool",     "int8",    "int16",  "int32",  "int64",
                                                         "uint8",    "uint16",  "uint32", "uint64", "float16",
                                                         "bfloat16", "float32", "float64"};
  if (src.chance(40)) return src.chance(50) ? "float32" : "int32";
  return kNames[src.choose(kNames.size())];
}

std::string GenCtx::number() {
  static constexpr std::array<const char*, 10> kFloats = {"2.5",  "-0.5", "0.0",  "-0.0",  "inf",
                                                          "-inf", "nan",  "1e30", "0.125", "-3.75"};
  switch (src.choose(4)) {
    case 0: return kFloats[src.choose(kFloats.size())];
    case 1: return src.chance(50) ? "true" : "false";
    default: return wild_int(-3, 5);
  }
}

std::string GenCtx::var() {
  if (vars.empty() || src.chance(3)) return "t99";
  return vars[src.choose(vars.size())].first;
}

std::string GenCtx::tensor() {
  if (!vars.empty() && src.chance(60)) {
    std::vector<std::string> same;
    try {
      for (const auto& [n, t] : vars)
        if (t.uop() && self.uop() && t.shape() == self.shape()) same.push_back(n);
    } catch (const Error&) {
    }
    if (!same.empty()) return same[src.choose(same.size())];
  }
  return var();
}

std::string GenCtx::operand() { return src.chance(65) ? tensor() : number(); }

std::span<const OpSpec> api_ops() {
  static const std::vector<OpSpec> kAll = [] {
    std::vector<OpSpec> all(std::begin(kOps), std::end(kOps));
    all.insert(all.end(), api_nn_ops().begin(), api_nn_ops().end());
    return all;
  }();
  return kAll;
}

const OpSpec* find_api_op(std::string_view name) {
  for (const OpSpec& op : api_ops())
    if (op.name == name) return &op;
  return nullptr;
}

}  // namespace anvil::fuzz::api
