#include "fuzz/lib/shape_target.h"

#include <algorithm>
#include <numeric>
#include <sstream>

#include "engine/ir/buffer.h"
#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"
#include "fuzz/lib/case_size.h"
#include "fuzz/lib/compare.h"
#include "verify/ref/ref.h"

namespace anvil::fuzz {
namespace {

constexpr size_t kMaxInput = 1 << 16;
constexpr size_t kMaxSteps = 64;
constexpr int64_t kMaxElements = 1 << 14;  // per node, in accepted inputs
constexpr int64_t kGenElements = 4096;     // per node, in generated ones

bool move_op(Op op) {
  return op == Op::RESHAPE || op == Op::PERMUTE || op == Op::EXPAND || op == Op::PAD || op == Op::SHRINK ||
         op == Op::FLIP;
}

UOp build(const MoveChain& chain, int64_t uid) {
  UOp x = UOp::make(Op::BUFFER, chain.dtype, {}, std::vector<int64_t>{uid, chain.count});
  for (const MoveStep& s : chain.steps) {
    x = UOp::make(s.op, chain.dtype, {x}, s.arg);
    if (!x.shape()) return UOp();
  }
  return x;
}

// A shape of `n` elements and random rank (0..4): n's prime factors dealt to random axes.
Shape shape_with_numel(Source& src, int64_t n) {
  Shape s(static_cast<size_t>(src.range(n == 1 ? 0 : 1, 4)), 1);
  if (n == 0) {
    for (int64_t& d : s) d = src.range(0, 4);
    s[src.choose(s.size())] = 0;
    return s;
  }
  for (int64_t p = 2; n > 1; ++p)
    for (; n % p == 0; n /= p) s[src.choose(s.size())] *= p;
  return s;
}

int64_t gen_dim(Source& src) {
  if (src.chance(5)) return 0;
  if (src.chance(25)) return 1;
  return src.range(2, 5);
}

// The shape `op` gives an input of shape `in` (nullopt where it does not apply).
std::optional<Shape> step_shape(const Shape& in, const MoveStep& s) {
  UOp x = UOp::make(Op::BUFFER, dtypes::int32, {}, std::vector<int64_t>{0, shape_numel(in)});
  if (in.size() != 1) x = UOp::make(Op::RESHAPE, dtypes::int32, {x}, in);
  return UOp::make(s.op, dtypes::int32, {x}, s.arg).shape();
}

// The element numbers (0 = padding) as text for a message.
std::string source_text(const Value& v) {
  if (v.poison) return "poison";
  if (v.i == 0) return "padding (0)";
  return "source element " + to_string(v.i - 1);
}

Outcome run_shape(std::string_view input) {
  std::optional<MoveChain> chain = parse_chain(input);
  if (!chain) return Outcome::rejected();
  return check_chain(*chain);
}

std::string generate_shape(Source& src) {
  install_interp_realizer();
  MoveChain chain;
  chain.dtype = src.chance(50) ? dtypes::int32 : dtypes::int64;
  Shape start(static_cast<size_t>(src.range(1, 4)));
  for (int64_t& d : start) d = gen_dim(src);
  if (shape_numel(start) > kGenElements) start = {static_cast<int64_t>(src.range(0, 16))};
  chain.count = shape_numel(start);
  if (start.size() != 1 || src.chance(50)) chain.steps.push_back({Op::RESHAPE, start});
  Shape shape = start;
  for (int64_t i = src.range(1, 8); i > 0; --i) {
    std::optional<MoveStep> s;
    for (int tries = 0; !s && tries < 4; ++tries) s = gen_move_step(src, shape, kGenElements);
    if (!s) continue;
    chain.steps.push_back(*s);
    shape = *chain_graph(chain).shape();
  }
  return to_text(chain_graph(chain));
}

}  // namespace

std::optional<MoveChain> parse_chain(std::string_view input) {
  if (input.size() > kMaxInput) return std::nullopt;
  UOp root;
  try {
    root = parse_one(input);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (validate(root, Stage::Tensor)) return std::nullopt;
  MoveChain chain;
  chain.dtype = root.dtype();
  if (!(chain.dtype == dtypes::int32) && !(chain.dtype == dtypes::int64)) return std::nullopt;
  UOp x = root;
  for (; x.op() != Op::BUFFER; x = UOp(x.src(0))) {
    if (!move_op(x.op()) || x.src().size() != 1 || !(x.dtype() == chain.dtype) || !x.shape()) return std::nullopt;
    if (shape_numel(*x.shape()) < 0 || shape_numel(*x.shape()) > kMaxElements) return std::nullopt;
    if (chain.steps.size() >= kMaxSteps) return std::nullopt;
    chain.steps.push_back({x.op(), x.arg_ints()});
  }
  if (!(x.dtype() == chain.dtype) || x.arg_ints().size() != 2) return std::nullopt;
  chain.count = x.arg_ints()[1];
  if (chain.count < 0 || chain.count > kMaxElements) return std::nullopt;
  std::reverse(chain.steps.begin(), chain.steps.end());
  return chain;
}

UOp chain_graph(const MoveChain& chain) { return build(chain, 0); }

std::vector<Shape> chain_shapes(const MoveChain& chain) {
  std::vector<Shape> out{{chain.count}};
  UOp x = UOp::make(Op::BUFFER, chain.dtype, {}, std::vector<int64_t>{0, chain.count});
  for (const MoveStep& s : chain.steps) {
    x = UOp::make(s.op, chain.dtype, {x}, s.arg);
    ANVIL_CHECK(x.shape()) << "chain_shapes: an invalid chain";
    out.push_back(*x.shape());
  }
  return out;
}

MoveChain repair_chain(const MoveChain& chain) {
  MoveChain out{chain.dtype, chain.count, {}};
  Shape in{chain.count};
  for (MoveStep s : chain.steps) {
    const size_t rank = in.size();
    switch (s.op) {
      case Op::RESHAPE:
        if (shape_numel(s.arg) != shape_numel(in)) continue;
        break;
      case Op::PERMUTE:
      case Op::FLIP:
        if (s.op == Op::PERMUTE ? s.arg.size() != rank : std::any_of(s.arg.begin(), s.arg.end(), [&](int64_t a) {
              return a >= static_cast<int64_t>(rank);
            }))
          continue;
        break;
      case Op::EXPAND:
        if (s.arg.size() != rank) continue;
        for (size_t i = 0; i < rank; ++i)
          if (in[i] != 1) s.arg[i] = in[i];
        break;
      case Op::SHRINK:
        if (s.arg.size() != 2 * rank) continue;
        for (size_t i = 0; i < rank; ++i) {
          s.arg[2 * i + 1] = std::min(s.arg[2 * i + 1], in[i]);
          s.arg[2 * i] = std::min(s.arg[2 * i], s.arg[2 * i + 1]);
        }
        break;
      default:
        if (s.arg.size() != 2 * rank) continue;
    }
    const std::optional<Shape> next = step_shape(in, s);
    if (!next || shape_numel(*next) > kMaxElements) continue;
    in = *next;
    out.steps.push_back(std::move(s));
  }
  return out;
}

std::optional<MoveStep> gen_move_step(Source& src, const Shape& in, int64_t max_elements) {
  const size_t rank = in.size();
  const int64_t n = shape_numel(in);
  MoveStep s{Op::RESHAPE, {}};
  switch (src.choose(6)) {
    case 0: s.arg = shape_with_numel(src, n); break;
    case 1: {
      s.op = Op::PERMUTE;
      s.arg.resize(rank);
      std::iota(s.arg.begin(), s.arg.end(), 0);
      for (size_t i = rank; i > 1; --i) std::swap(s.arg[i - 1], s.arg[src.choose(i)]);
      break;
    }
    case 2: {
      s.op = Op::EXPAND;
      s.arg = in;
      bool any = false;
      for (int64_t& d : s.arg)
        if (d == 1 && src.chance(70)) d = src.range(0, 4), any = true;
      if (!any) return std::nullopt;
      break;
    }
    case 3:
      s.op = Op::PAD;
      for (size_t i = 0; i < 2 * rank; ++i) s.arg.push_back(src.chance(50) ? 0 : src.range(1, 3));
      break;
    case 4:
      s.op = Op::SHRINK;
      for (int64_t d : in) {
        const int64_t b = src.chance(40) ? 0 : src.range(0, d);
        s.arg.push_back(b);
        s.arg.push_back(src.chance(40) ? d : src.range(b, d));
      }
      break;
    default:
      s.op = Op::FLIP;
      for (size_t i = 0; i < rank; ++i)
        if (src.chance(50)) s.arg.push_back(static_cast<int64_t>(i));
      if (s.arg.empty() && rank > 0) s.arg.push_back(src.range(0, static_cast<int64_t>(rank) - 1));
      if (src.chance(30)) std::reverse(s.arg.begin(), s.arg.end());  // axis order must not matter
  }
  const std::optional<Shape> next = step_shape(in, s);
  if (!next || shape_numel(*next) < 0 || shape_numel(*next) > max_elements) return std::nullopt;
  return s;
}

Outcome check_chain(const MoveChain& chain) {
  install_interp_realizer();
  const UOp text = chain_graph(chain);
  if (!text) return Outcome::rejected();
  const Shape out_shape = *text.shape();
  auto finding = [&](const char* kind, const std::string& msg) {
    const std::string op = chain.steps.empty() ? "BUFFER" : std::string(op_name(chain.steps.back().op));
    return Outcome::found(Finding{{"shape", op, "interp", kind}, msg + "\nsequence:\n" + to_text(text)});
  };

  // ref: the leaf's element numbers + 1, moved one op at a time through a strided view.
  ref::Array want{chain.dtype, {chain.count}, {}};
  for (int64_t i = 0; i < chain.count; ++i) want.data.push_back(Value::of_int(i + 1));
  try {
    for (const MoveStep& s : chain.steps)
      want = ref::materialize(want, ref::View::contiguous(want.shape).apply(s.op, s.arg));
  } catch (const Error&) {
    return Outcome::rejected();
  }

  // The engine: the same numbers in a registered leaf, realized through the scheduler.
  const int64_t leaf_uid = new_buffer_uid();
  auto leaf = std::make_shared<Buffer>(chain.dtype, static_cast<size_t>(chain.count));
  for (int64_t i = 0; i < chain.count; ++i) leaf->set(static_cast<size_t>(i), Value::of_int(i + 1));
  register_storage(leaf_uid, std::move(leaf));
  std::shared_ptr<Buffer> got;
  std::string error;
  try {
    UOp res = realize_graph(build(chain, leaf_uid));
    while (res.op() == Op::RESHAPE) res = UOp(res.src(0));
    const int64_t uid = res.arg_ints()[0];
    got = storage_of(uid);
    if (uid != leaf_uid) (void)claim_storage(uid);  // the result is ours now: freed with `got`
  } catch (const Error& e) {
    error = e.what();
  }
  (void)claim_storage(leaf_uid);
  if (!error.empty()) return finding("error", "the engine raised: " + error);
  if (want.data.empty()) return Outcome::ok();
  if (!got || got->count != want.data.size() || !(got->dtype == chain.dtype))
    return finding("mismatch", "the engine's result has the wrong size or dtype for shape " + shape_str(out_shape));
  for (size_t i = 0; i < want.data.size(); ++i) {
    const Value g = got->get(i), &w = want.data[i];
    if (!g.poison && g.i == w.i) continue;
    std::ostringstream msg;
    msg << "output element " << i << " " << index_text(static_cast<int64_t>(i), out_shape) << " of "
        << shape_str(out_shape) << ": the engine reads " << source_text(g) << ", the reference reads " << source_text(w)
        << " (leaf of " << chain.count << " elements)";
    return finding(g.poison ? "poison" : "mismatch", msg.str());
  }
  return Outcome::ok();
}

const Target kShapeTarget = {"shape", run_shape, generate_shape, mutate_shape, reduce_shape, move_chain_size};

}  // namespace anvil::fuzz
