// The graph target's structure-aware mutator and its reducer: both edit the parsed graph and print
// it back, so a mutant or a reduced case is `.uop` text a person can read.
#include <algorithm>
#include <array>
#include <span>

#include "engine/ir/alu.h"
#include "engine/ir/shape.h"
#include "engine/ir/text.h"
#include "engine/support/error.h"
#include "fuzz/lib/gen_tensor.h"
#include "fuzz/lib/graph_edit.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/reduce.h"

namespace anvil::fuzz {
namespace {

UOp parse_acceptable(std::string_view input) {
  try {
    UOp root = parse_one(input);
    return graph_acceptable(root) ? root : UOp();
  } catch (const Error&) {
    return UOp();
  }
}

Value small_value(Source& src, Scalar s) {
  if (is_float(s)) {
    static constexpr std::array<double, 8> kEdges = {0.0, -0.0, 1.0, -1.0, 0.5, 2.0, HUGE_VAL, -HUGE_VAL};
    return Value::of_float(
        round_to(s, src.chance(50) ? kEdges[src.choose(kEdges.size())] : static_cast<double>(src.range(-16, 16)) / 4));
  }
  if (src.chance(20)) return Value::of_int(wrap_int(s, src.chance(50) ? int_min(s) : int_max(s)));
  return Value::of_int(wrap_int(s, src.range(-4, 4)));
}

int64_t next_text_uid(const UOp& root) {
  int64_t next = 0;
  for (const UOp& u : root.toposort())
    if (u.op() == Op::BUFFER) next = std::max(next, u.arg_ints()[0] + 1);
  return next;
}

// Another op of the same arity whose sources and result keep their dtypes.
std::optional<Op> swapped_op(Source& src, const UOp& n) {
  static constexpr std::array<Op, 4> kCompare = {Op::CMPLT, Op::CMPLE, Op::CMPEQ, Op::CMPNE};
  static constexpr std::array<Op, 6> kFloatBinary = {Op::ADD, Op::SUB, Op::MUL, Op::FDIV, Op::MAX, Op::MIN};
  static constexpr std::array<Op, 12> kIntBinary = {Op::ADD,      Op::SUB,      Op::MUL,      Op::MAX,
                                                    Op::MIN,      Op::AND,      Op::OR,       Op::XOR,
                                                    Op::FLOORDIV, Op::FLOORMOD, Op::TRUNCDIV, Op::TRUNCMOD};
  static constexpr std::array<Op, 7> kFloatUnary = {Op::NEG,  Op::RECIP, Op::SQRT, Op::EXP2,
                                                    Op::LOG2, Op::SIN,   Op::TRUNC};
  const Op op = n.op();
  if (in_group(op, opgroup::Compare)) return kCompare[src.choose(kCompare.size())];
  if (op == Op::CAST || op == Op::WHERE) return std::nullopt;
  const bool fl = is_float(n.dtype());
  if (in_group(op, opgroup::Binary))
    return fl ? kFloatBinary[src.choose(kFloatBinary.size())] : kIntBinary[src.choose(kIntBinary.size())];
  if (in_group(op, opgroup::Unary)) return fl ? kFloatUnary[src.choose(kFloatUnary.size())] : Op::NEG;
  return std::nullopt;
}

// One edit at a random node; an empty UOp when the chosen edit does not apply there.
UOp mutate_once(Source& src, const UOp& root) {
  const std::vector<UOp> nodes = root.toposort();
  const UOp n = nodes[src.choose(nodes.size())];
  const Shape& shape = *n.shape();
  switch (src.choose(6)) {
    case 0: {
      std::optional<Op> op = swapped_op(src, n);
      if (!op) return UOp();
      return substitute(root, n, UOp::make(*op, n.dtype(), n.src(), n.arg()));
    }
    case 1: {
      std::vector<UOp> consts;
      for (const UOp& u : nodes)
        if (u.is_const()) consts.push_back(u);
      if (consts.empty()) return UOp();
      const UOp c = consts[src.choose(consts.size())];
      return substitute(root, c, value_const(c.dtype(), small_value(src, c.dtype().scalar)));
    }
    case 2: {
      TensorOptions opt;
      opt.max_steps = 3;
      opt.depth = 1;
      const UOp fresh = gen_tensor_like(src, shape, n.dtype(), opt).uop();
      return substitute(root, n, renumber_buffers(fresh, next_text_uid(root)));
    }
    case 3: {  // reduce over other axes, broadcast back to the old shape
      if (n.op() != Op::REDUCE_AXIS) return UOp();
      const UOp& x = n.src(0);
      static constexpr std::array<Op, 4> kReduce = {Op::ADD, Op::MUL, Op::MAX, Op::MIN};
      std::vector<int64_t> axes;
      for (int64_t i = 0; i < static_cast<int64_t>(x.shape()->size()); ++i)
        if (shape[static_cast<size_t>(i)] == 1 &&
            (std::count(n.arg_reduce().axes.begin(), n.arg_reduce().axes.end(), i) || src.chance(50)))
          axes.push_back(i);
        else if (src.chance(30))
          axes.push_back(i);
      const UOp r = UOp::make(Op::REDUCE_AXIS, n.dtype(), {x}, ReduceArg{kReduce[src.choose(4)], axes});
      if (!r.shape()) return UOp();
      return substitute(root, n, *r.shape() == shape ? r : UOp::make(Op::EXPAND, n.dtype(), {r}, shape));
    }
    case 4: return substitute(root, n, UOp::make(Op::CONTIGUOUS, n.dtype(), {n}));
    default: {  // a round trip through another dtype
      const DType via = gen_dtype(src);
      if (via == n.dtype()) return UOp();
      return substitute(root, n, n.cast(via).cast(n.dtype()));
    }
  }
}

bool same_failure(const Outcome& o, const Signature& want) {
  return o.kind == Outcome::Found && o.finding.signature.stage == want.stage && o.finding.signature.kind == want.kind;
}

}  // namespace

std::string mutate_graph(std::string_view input, uint64_t seed, size_t max_size) {
  SeededSource src(seed);
  const UOp root = parse_acceptable(input);
  auto fresh = [&] { return kGraphTarget.generate(src); };
  if (!root || src.chance(3)) return fresh();
  for (int attempt = 0; attempt < 8; ++attempt) {
    UOp m;
    try {
      m = mutate_once(src, root);
    } catch (const Error&) {
      continue;  // an edit the API refused (a subtree for an odd shape)
    }
    if (!m || m == root || !graph_acceptable(m)) continue;
    std::string out = to_text(m);
    if (out.size() <= max_size) return out;
  }
  return input.size() <= max_size ? std::string(input) : std::string();
}

// The failure must keep its stage and kind; nodes are simplified and dimensions shrunk
// (reduce.h). Deterministic; bounded in checks.
std::string reduce_graph(std::string_view input, const Signature& signature) {
  const UOp root = parse_acceptable(input);
  if (!root) return std::string(input);
  auto fails = [&](const UOp& g) { return graph_acceptable(g) && same_failure(check_graph(g), signature); };
  const UOp reduced = reduce_graph_with(root, fails);
  // Leaf data follows the text uids: renumbered leaves hold other values, which may not fail.
  const UOp renumbered = renumber_buffers(reduced);
  return to_text(renumbered == reduced || fails(renumbered) ? renumbered : reduced);
}

}  // namespace anvil::fuzz
