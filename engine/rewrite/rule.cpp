#include "engine/rewrite/rule.h"

#include <limits>
#include <optional>

#include "engine/ir/alu.h"
#include "engine/ir/range.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/support/hash.h"
#include "engine/support/mutant.h"

namespace anvil {
namespace {

using Wide = std::optional<__int128>;

std::optional<DType> own_dtype(const Pat& p, const Bindings& b);

bool literal_matches(int64_t lit, const UOp& c) {
  if (c.op() != Op::CONST || c.dtype().count != 1 || c.dtype().is_ptr) return false;
  if (is_float(c.dtype().scalar)) {
    const auto* d = std::get_if<double>(&c.arg());
    return d && double_bits(*d) == double_bits(static_cast<double>(lit));
  }
  return is_intlike(c.dtype()) && c.const_int() == lit;
}

// Exact guard arithmetic: nullopt on overflow, division by zero or an unsupported op.
Wide eval_wide(const Pat& g, const Bindings& b) {
  switch (g.kind()) {
    case PatKind::Literal: return g.literal();
    case PatKind::ConstWild: {
      const UOp& c = b[g.slot()];
      if (!c || !is_intlike(c.dtype())) return std::nullopt;
      return c.const_int();
    }
    case PatKind::VMin:
    case PatKind::VMax: {
      if (g.src(0).kind() != PatKind::Wild && g.src(0).kind() != PatKind::ConstWild) return std::nullopt;
      const UOp& x = b[g.src(0).slot()];
      if (!x || !is_intlike(x.dtype())) return std::nullopt;
      return g.kind() == PatKind::VMin ? x.vmin() : x.vmax();
    }
    case PatKind::NoOverflow: {
      std::optional<DType> dt = own_dtype(g.src(0), b);
      if (!dt) return std::nullopt;
      UOp e = build(g.src(0), *dt, b);
      if (!e) return 0;
      for (const UOp& u : e.toposort()) {  // a saturated bound may hide an overflow: refuse it
        if (!is_intlike(u.dtype()) || u.dtype().scalar != Scalar::Index) continue;
        if (u.vmin() == int_min(Scalar::Index) && u.vmax() == int_max(Scalar::Index)) return 0;
      }
      return 1;
    }
    case PatKind::IsConst: {
      if (g.src(0).kind() != PatKind::Wild && g.src(0).kind() != PatKind::ConstWild) return std::nullopt;
      const UOp& x = b[g.src(0).slot()];
      return x && x.op() == Op::CONST;
    }
    case PatKind::Node: break;
    default: return std::nullopt;
  }
  std::vector<__int128> v;
  for (const Pat& s : g.src()) {
    Wide w = eval_wide(s, b);
    if (!w) return std::nullopt;
    v.push_back(*w);
  }
  __int128 r = 0;
  switch (g.op()) {
    case Op::ADD:
      if (__builtin_add_overflow(v[0], v[1], &r)) return std::nullopt;
      return r;
    case Op::SUB:
      if (__builtin_sub_overflow(v[0], v[1], &r)) return std::nullopt;
      return r;
    case Op::MUL:
      if (__builtin_mul_overflow(v[0], v[1], &r)) return std::nullopt;
      return r;
    case Op::NEG:
      if (__builtin_sub_overflow(0, v[0], &r)) return std::nullopt;
      return r;
    case Op::FLOORDIV: return v[1] == 0 || v[1] == -1 ? std::nullopt : Wide(floor_div(v[0], v[1]));
    case Op::FLOORMOD: return v[1] == 0 || v[1] == -1 ? std::nullopt : Wide(floor_mod(v[0], v[1]));
    case Op::TRUNCDIV: return v[1] == 0 || v[1] == -1 ? std::nullopt : Wide(v[0] / v[1]);
    case Op::TRUNCMOD: return v[1] == 0 || v[1] == -1 ? std::nullopt : Wide(v[0] % v[1]);
    case Op::MAX: return std::max(v[0], v[1]);
    case Op::MIN: return std::min(v[0], v[1]);
    case Op::CMPLT: return ANVIL_MUTANT(6) ? v[0] <= v[1] : v[0] < v[1];
    case Op::CMPLE: return v[0] <= v[1];
    case Op::CMPEQ: return v[0] == v[1];
    case Op::CMPNE: return v[0] != v[1];
    case Op::AND: return v[0] != 0 && v[1] != 0;
    case Op::OR: return v[0] != 0 || v[1] != 0;
    case Op::NOT: return v[0] == 0;
    default: return std::nullopt;
  }
}

// The value of a fold expression in scalar type s, through exec_alu; poison when undefined.
Value eval_fold(const Pat& e, Scalar s, const Bindings& b) {
  switch (e.kind()) {
    case PatKind::Literal:
      if (is_float(s)) return Value::of_float(static_cast<double>(e.literal()));
      if (s != Scalar::Index && (e.literal() < int_min(s) || e.literal() > int_max(s))) return Value::make_poison();
      return Value::of_int(e.literal());
    case PatKind::ConstWild: {
      const UOp& c = b[e.slot()];
      if (!c || c.dtype().scalar != s) return Value::make_poison();
      return const_value(c);
    }
    case PatKind::VMin:
    case PatKind::VMax: {
      Wide w = eval_wide(e, b);
      if (!w || is_float(s) || *w < int_min(s) || *w > int_max(s)) return Value::make_poison();
      return Value::of_int(*w);
    }
    case PatKind::Fold: return eval_fold(e.src(0), s, b);
    case PatKind::Node: break;
    default: return Value::make_poison();
  }
  if (in_group(e.op(), opgroup::Compare) || e.op() == Op::WHERE || e.op() == Op::CAST) return Value::make_poison();
  std::vector<Value> in;
  for (const Pat& p : e.src()) in.push_back(eval_fold(p, s, b));
  std::vector<Scalar> types(in.size(), s);
  try {
    return exec_alu(e.op(), s, types, in);
  } catch (const Error&) {  // an op the dtype does not define: the rule does not apply
    return Value::make_poison();
  }
}

// The dtype a right-side tree has on its own (from a bound wildcard), if any.
std::optional<DType> own_dtype(const Pat& p, const Bindings& b) {
  switch (p.kind()) {
    case PatKind::Wild:
    case PatKind::ConstWild: return b[p.slot()] ? std::optional<DType>(b[p.slot()].dtype()) : std::nullopt;
    case PatKind::Node:
      if (in_group(p.op(), opgroup::Compare)) return DType(dtypes::bool_);
      if (p.op() == Op::CAST) return p.cast_to();
      for (size_t i = p.op() == Op::WHERE ? 1 : 0; i < p.src().size(); ++i)
        if (auto d = own_dtype(p.src(i), b)) return d;
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::string default_name(const Rule& r) {
  return to_string(r.lhs) + " => " + (r.is_code() ? "<code>" : to_string(r.rhs)) +
         (r.guard ? "  when " + guard_to_string(r.guard) : "");
}

}  // namespace

Domain domain_of(const UOp& node) {
  DType d = in_group(node.op(), opgroup::Compare) ? node.src(0).dtype() : node.dtype();
  if (d.is_ptr || d.count != 1) return Domain::Other;
  if (d.scalar == Scalar::Index) return Domain::Index;
  if (d.scalar == Scalar::Bool) return Domain::Bool;
  if (is_float(d.scalar)) return Domain::Float;
  if (is_int(d.scalar)) return Domain::WrapInt;
  return Domain::Other;
}

std::string to_string(Domain d) {
  static constexpr std::pair<Domain, const char*> kNames[] = {{Domain::Index, "Index"},
                                                              {Domain::WrapInt, "WrapInt"},
                                                              {Domain::Float, "Float"},
                                                              {Domain::Bool, "Bool"},
                                                              {Domain::Other, "Other"}};
  std::string out;
  for (auto [bit, name] : kNames)
    if (has(d, bit)) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

bool match(const Pat& p, const UOp& node, Bindings& b) {
  switch (p.kind()) {
    case PatKind::ConstWild:
      if (node.op() != Op::CONST) return false;
      [[fallthrough]];
    case PatKind::Wild: {
      UOp& slot = b[p.slot()];
      if (slot) return slot == node;
      slot = node;
      return true;
    }
    case PatKind::Literal: return literal_matches(p.literal(), node);
    case PatKind::Node: break;
    default: return false;
  }
  if (node.op() != p.op() || node.src().size() != p.src().size()) return false;
  if (p.op() == Op::CAST && !(node.dtype() == p.cast_to())) return false;
  // Only a commutative node retries, so only it must undo a failed first attempt's bindings.
  const bool commutative = in_group(p.op(), opgroup::Commutative) && p.src().size() == 2;
  Bindings saved;
  if (commutative) saved = b;
  bool ok = true;
  for (size_t i = 0; ok && i < p.src().size(); ++i) ok = match(p.src(i), node.src(i), b);
  if (ok || !commutative) return ok;
  b = saved;
  if (match(p.src(0), node.src(1), b) && match(p.src(1), node.src(0), b)) return true;
  b = std::move(saved);
  return false;
}

bool eval_guard(const Pat& g, const UOp& node, const Bindings& b) {
  if (!static_cast<bool>(g)) return true;
  Wide w = eval_wide(g, b);
  return w && *w != 0;
}

UOp build(const Pat& p, DType dt, const Bindings& b) {
  switch (p.kind()) {
    case PatKind::Wild:
    case PatKind::ConstWild: return b[p.slot()];
    case PatKind::Literal:
      if (!is_float(dt) && !is_intlike(dt)) return {};
      if (is_intlike(dt) && dt.scalar != Scalar::Index &&
          (p.literal() < int_min(dt.scalar) || p.literal() > int_max(dt.scalar)))
        return {};
      return UOp::constant(dt, p.literal());
    case PatKind::Fold:
    case PatKind::VMin:
    case PatKind::VMax: {
      if (dt.count != 1 || dt.is_ptr) return {};
      Value v = eval_fold(p, dt.scalar, b);
      if (v.poison) return {};
      return value_const(dt, v);
    }
    case PatKind::NoOverflow:
    case PatKind::IsConst: return {};
    case PatKind::Node: break;
  }
  const Op op = p.op();
  const DType node_dt = own_dtype(p, b).value_or(dt);
  std::vector<UOp> src(p.src().size());
  if (in_group(op, opgroup::Compare)) {
    std::optional<DType> operand = own_dtype(p.src(0), b);
    if (!operand) operand = own_dtype(p.src(1), b);
    if (!operand) return {};
    for (size_t i = 0; i < 2; ++i) src[i] = build(p.src(i), *operand, b);
  } else if (op == Op::CAST) {
    std::optional<DType> from = own_dtype(p.src(0), b);
    if (!from) return {};
    src[0] = build(p.src(0), *from, b);
  } else {
    for (size_t i = 0; i < src.size(); ++i)
      src[i] = build(p.src(i), (op == Op::WHERE && i == 0) ? DType(dtypes::bool_) : node_dt, b);
  }
  for (const UOp& s : src)
    if (!s) return {};
  DType out = in_group(op, opgroup::Compare) ? DType(dtypes::bool_) : op == Op::CAST ? p.cast_to() : node_dt;
  return UOp::make(op, out, std::move(src));
}

UOp apply_rule(const Rule& r, const UOp& node, Bindings& b) {
  b = Bindings{};
  if (!has(r.domain, domain_of(node)) || !match(r.lhs, node, b)) return {};
  if (!eval_guard(r.guard, node, b)) return {};
  UOp out = r.is_code() ? r.code(node, b) : build(r.rhs, node.dtype(), b);
  // Guards cannot name dtypes, so a replacement of another dtype (where(x, 1, 0) => x with an
  // integer x) means the rule does not apply here.
  if (!out || out == node || !(out.dtype() == node.dtype())) return {};
  return out;
}

Rule rule(Pat lhs, Pat rhs, Domain domain, const char* file, int line) {
  return rule(std::move(lhs), std::move(rhs), Pat(), domain, file, line);
}

Rule rule(Pat lhs, Pat rhs, Pat guard, Domain domain, const char* file, int line) {
  Rule r;
  r.lhs = std::move(lhs);
  r.rhs = std::move(rhs);
  r.guard = std::move(guard);
  r.domain = domain;
  r.file = file;
  r.line = line;
  r.name = default_name(r);
  return r;
}

Rule code_rule(Pat lhs, RuleFn fn, std::string why, std::string name, Domain domain, const char* file, int line) {
  Rule r;
  r.lhs = std::move(lhs);
  r.code = std::move(fn);
  r.why_code = std::move(why);
  r.name = std::move(name);
  r.domain = domain;
  r.file = file;
  r.line = line;
  return r;
}

RuleSet::RuleSet(std::string name, std::vector<Rule> rules) : name_(std::move(name)), rules_(std::move(rules)) {
  for (const Rule& r : rules_) {
    ANVIL_CHECK(static_cast<bool>(r.lhs)) << name_ << ": a rule without a left side at " << r.location();
    ANVIL_CHECK(r.is_code() != static_cast<bool>(r.rhs)) << name_ << ": " << r.name << " needs exactly one right side";
    ANVIL_CHECK(!r.is_code() || !r.why_code.empty()) << name_ << ": code rule " << r.name << " must say why";
    const uint32_t bound = r.lhs.slots_used();
    const uint32_t used = (r.rhs ? r.rhs.slots_used() : 0u) | (r.guard ? r.guard.slots_used() : 0u);
    ANVIL_CHECK((used & ~bound) == 0) << name_ << ": " << r.name << " (" << r.location()
                                      << ") uses a wildcard its left side does not bind";
  }
  index();
}

RuleSet::RuleSet(std::string name, const std::vector<const RuleSet*>& parts) : name_(std::move(name)) {
  for (const RuleSet* part : parts) rules_.insert(rules_.end(), part->rules().begin(), part->rules().end());
  index();
}

void RuleSet::index() {
  for (int i = 0; i < static_cast<int>(rules_.size()); ++i) {
    const Pat& lhs = rules_[i].lhs;
    if (lhs.kind() == PatKind::Node)
      by_op_[static_cast<int>(lhs.op())].push_back(i);
    else if (lhs.kind() == PatKind::ConstWild || lhs.kind() == PatKind::Literal)
      by_op_[static_cast<int>(Op::CONST)].push_back(i);
    else
      for (auto& bucket : by_op_) bucket.push_back(i);
  }
}

}  // namespace anvil
