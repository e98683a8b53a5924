#include "fuzz/lib/symbolic_target.h"

#include <algorithm>
#include <functional>
#include <map>
#include <sstream>

#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/runtime/interp/eval.h"
#include "engine/support/error.h"
#include "engine/symbolic/simplify.h"
#include "fuzz/lib/case_size.h"
#include "fuzz/lib/gen_expr.h"
#include "fuzz/lib/graph_edit.h"

namespace anvil::fuzz {
namespace {

constexpr size_t kMaxInput = 1 << 16;
using Point = std::map<std::string, int64_t>;

std::string point_text(const Point& p) {
  std::ostringstream os;
  const char* sep = "";
  for (const auto& [name, value] : p) os << sep << name << "=" << value, sep = " ";
  return os.str();
}

std::string value_text(const Value& v) { return v.poison ? "poison" : to_string(v.i); }

// The corners of the variables' box (at most 16), then points drawn from the expression's hash.
std::vector<Point> points_for(const UOp& expr, const std::vector<UOp>& vars, int random_points) {
  std::vector<Point> points;
  const size_t corners = vars.size() >= 4 ? 16 : (size_t{1} << vars.size());
  for (size_t mask = 0; mask < corners; ++mask) {
    Point p;
    for (size_t i = 0; i < vars.size(); ++i)
      p[vars[i].arg_var().name] = (mask >> i) & 1 ? vars[i].arg_var().hi : vars[i].arg_var().lo;
    points.push_back(std::move(p));
  }
  SeededSource rng(expr.hash() ^ 0x5eedULL);
  for (int i = 0; i < random_points; ++i) points.push_back(gen_point(rng, vars));
  return points;
}

std::optional<Finding> range_violation(const std::vector<UOp>& topo, const std::vector<Value>& values,
                                       const Point& point) {
  for (size_t i = 0; i < topo.size(); ++i) {
    const UOp& u = topo[i];
    const Value& v = values[i];
    if (!is_intlike(u.dtype()) || v.poison || (v.i >= u.vmin() && v.i <= u.vmax())) continue;
    std::ostringstream msg;
    msg << "value " << to_string(v.i) << " outside [vmin, vmax] = [" << to_string(u.vmin()) << ", "
        << to_string(u.vmax()) << "] at " << point_text(point) << "\nnode:\n"
        << to_text(u);
    return Finding{{"symbolic", std::string(op_name(u.op())), "-", "range"}, msg.str()};
  }
  return std::nullopt;
}

// Inputs this target accepts: a valid integer expression whose only leaves are constants and
// variables, each variable name with one range.
bool acceptable(const UOp& expr) {
  if (validate(expr, Stage::IntExpr)) return false;
  std::map<std::string, UOp> by_name;
  for (const UOp& u : expr.toposort()) {
    if (u.op() == Op::RANGE || u.op() == Op::SPECIAL) return false;
    if (u.op() != Op::DEFINE_VAR) continue;
    auto [it, fresh] = by_name.emplace(u.arg_var().name, u);
    if (!fresh && !(it->second == u)) return false;
  }
  return true;
}

Outcome run_symbolic(std::string_view input) {
  if (input.size() > kMaxInput) return Outcome::rejected();
  UOp expr;
  try {
    expr = parse_one(input);
  } catch (const Error&) {
    return Outcome::rejected();
  }
  if (!acceptable(expr)) return Outcome::rejected();
  if (auto f = check_symbolic(expr)) return Outcome::found(*f);
  return Outcome::ok();
}

std::string generate_symbolic(Source& src) { return to_text(gen_int_expr(src).expr); }

std::string mutate_symbolic(std::string_view input, uint64_t seed, size_t max_size) {
  SeededSource src(seed);
  UOp expr;
  try {
    expr = parse_one(input);
  } catch (const Error&) {
  }
  if (!expr || !acceptable(expr) || src.chance(3)) return generate_symbolic(src);
  std::vector<UOp> ints;
  for (const UOp& u : expr.toposort())
    if (is_int(u.dtype())) ints.push_back(u);
  if (ints.empty()) return generate_symbolic(src);
  const UOp target = ints[src.choose(ints.size())];
  const DType dt = target.dtype();
  std::vector<UOp> vars = vars_of(expr);
  UOp replacement;
  switch (src.choose(5)) {
    case 0: replacement = gen_int_subexpr(src, vars, dt, static_cast<int>(src.range(1, 3))); break;
    case 1: replacement = target.is_const() ? gen_int_const(src, dt) : target + gen_int_const(src, dt); break;
    case 2: {
      static constexpr std::array<Op, 9> kOps = {Op::ADD,      Op::SUB,      Op::MUL, Op::FLOORDIV, Op::FLOORMOD,
                                                 Op::TRUNCDIV, Op::TRUNCMOD, Op::MAX, Op::MIN};
      Op op = kOps[src.choose(kOps.size())];
      if (target.src().size() == 2 && target.src(0).dtype() == dt && target.src(1).dtype() == dt)
        replacement = target.src(0).alu(op, target.src(1));
      else
        replacement = target.alu(op, gen_int_const(src, dt));
      break;
    }
    case 3: {
      if (target.op() != Op::DEFINE_VAR) {
        replacement = target.floormod(UOp::constant(dt, src.range(2, 16)));
        break;
      }
      const VarArg& a = target.arg_var();
      int64_t lo = std::max<int64_t>(a.lo - src.range(0, 8),
                                     static_cast<int64_t>(std::max<__int128>(int_min(dt.scalar), INT64_MIN)));
      int64_t hi = lo + src.range(0, 64);
      hi = static_cast<int64_t>(std::min<__int128>(hi, std::min<__int128>(int_max(dt.scalar), INT64_MAX)));
      replacement = UOp::var(a.name, lo, std::max(lo, hi), dt);
      break;
    }
    default: replacement = target.floordiv(UOp::constant(dt, src.range(1, 16))); break;
  }
  std::string out = to_text(substitute(expr, target, replacement));
  if (out.size() <= max_size) return out;
  return input.size() <= max_size ? std::string(input) : std::string();
}

bool same_failure(const std::optional<Finding>& f, const Signature& want) {
  return f && f->signature.stage == want.stage && f->signature.kind == want.kind;
}

// Greedy: replace nodes by their sources or by constants, narrow variable ranges, while the
// failure keeps its stage and kind. Deterministic; bounded in checks.
UOp reduce_expr(UOp expr, const Signature& want) {
  auto fails = [&](const UOp& e) { return acceptable(e) && same_failure(check_symbolic(e), want); };
  int budget = 4000;
  for (bool progress = true; progress && budget > 0;) {
    progress = false;
    std::vector<UOp> topo = expr.toposort();
    const std::vector<UOp> vars = vars_of(expr);
    std::reverse(topo.begin(), topo.end());  // root first: the biggest cuts come first
    const size_t size = topo.size();
    for (const UOp& n : topo) {
      std::vector<UOp> candidates;
      for (const UOp& s : n.src())
        if (s.dtype() == n.dtype()) candidates.push_back(s);
      if (is_int(n.dtype()) && !n.is_const()) {
        candidates.push_back(UOp::constant(n.dtype(), 0));
        candidates.push_back(UOp::constant(n.dtype(), 1));
        for (const UOp& v : vars)  // keeps a variable in play where a constant would fold away
          if (v.dtype() == n.dtype() && !(v == n)) candidates.push_back(v);
      }
      if (n.op() == Op::DEFINE_VAR) {
        const VarArg& a = n.arg_var();
        const int64_t mid = a.lo + (a.hi - a.lo) / 2;
        for (auto [lo, hi] : {std::pair{a.lo, a.lo}, {a.hi, a.hi}, {a.lo, mid}, {mid + (mid < a.hi), a.hi}})
          if (lo != a.lo || hi != a.hi) candidates.push_back(UOp::var(a.name, lo, hi, n.dtype()));
      }
      if (n.is_const() && is_int(n.dtype()) && n.const_int() != 0)
        candidates.push_back(UOp::constant(n.dtype(), static_cast<int64_t>(n.const_int() / 2)));
      for (const UOp& c : candidates) {
        if (--budget <= 0) break;
        UOp smaller = substitute(expr, n, c);
        if (smaller == expr || node_count(smaller) > size || !fails(smaller)) continue;
        expr = smaller;
        progress = true;
        break;
      }
      if (progress) break;
    }
  }
  return expr;
}

std::string reduce_symbolic(std::string_view input, const Signature& signature) {
  UOp expr = parse_one(input);
  return to_text(reduce_expr(expr, signature));
}

}  // namespace

std::optional<Finding> check_symbolic(const UOp& expr, int random_points) {
  const std::string op(op_name(expr.op()));
  auto finding = [&](const char* kind, const std::string& msg) { return Finding{{"symbolic", op, "-", kind}, msg}; };
  UOp simple;
  try {
    simple = simplify(expr);
  } catch (const Error& e) {
    return finding("error", std::string("simplify raised: ") + e.what());
  }
  if (!(simple.dtype() == expr.dtype()))
    return finding("dtype", "simplify changed the dtype from " + name(expr.dtype()) + " to " + name(simple.dtype()));
  if (UOp again = simplify(simple); !(again == simple))
    return finding("idempotence",
                   "simplify(simplify(e)) != simplify(e)\nonce:\n" + to_text(simple) + "twice:\n" + to_text(again));
  const std::vector<UOp> vars = vars_of(expr);
  const std::vector<UOp> topo_e = expr.toposort(), topo_s = simple.toposort();
  interp::Env env;  // bound once per point for both sides: simplify never invents a variable
  for (const Point& point : points_for(expr, vars, random_points)) {
    for (const UOp& v : vars) env[v] = Value::of_int(point.at(v.arg_var().name));
    std::vector<Value> ve, vs;
    try {
      ve = interp::eval_all(topo_e, env);
      vs = interp::eval_all(topo_s, env);
    } catch (const Error& e) {
      return finding("error", std::string("evaluation raised: ") + e.what() + "\nsimplified:\n" + to_text(simple));
    }
    if (auto f = range_violation(topo_e, ve, point)) return f;
    if (auto f = range_violation(topo_s, vs, point)) return f;
    const Value &want = ve.back(), &got = vs.back();
    if (want.poison || (!got.poison && got.i == want.i)) continue;
    std::ostringstream msg;
    msg << "at " << point_text(point) << ": original " << value_text(want) << ", simplified " << value_text(got)
        << "\noriginal:\n"
        << to_text(expr) << "simplified:\n"
        << to_text(simple);
    return finding(got.poison ? "poison" : "mismatch", msg.str());
  }
  return std::nullopt;
}

const Target kSymbolicTarget = {"symbolic",      run_symbolic,    generate_symbolic,
                                mutate_symbolic, reduce_symbolic, uop_text_size};

}  // namespace anvil::fuzz
