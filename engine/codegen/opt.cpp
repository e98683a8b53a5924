#include "engine/codegen/opt.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/codegen/vectorize.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "engine/support/mutant.h"
#include "engine/symbolic/simplify.h"
#include "engine/symbolic/terms.h"

namespace anvil {
namespace {

constexpr int64_t kMaxAmount = 1024;
constexpr size_t kMaxNodes = 50000;
constexpr int64_t kMaxLanes = 1024;  // a group's lanes are the threads of one GPU block  // an action that would grow
                                     // the kernel past this is refused

constexpr std::string_view kNames[] = {"upcast", "unroll", "split", "swap", "thread", "group", "tc", "vectorize"};

[[noreturn]] void refuse(const Opt& opt, const auto&... why) {
  ErrorBuilder e("opt");
  e << to_string(opt) << ": ";
  (e << ... << why);
  e.raise();
}

struct Loops {
  std::vector<UOp> out, red;  // by id
  int64_t next_id = 0;
};

Loops loops_of(const UOp& ast) {
  std::unordered_set<UOp, UOpHash> reduced, seen;
  std::vector<UOp> all;
  for (const UOp& u : ast.toposort()) {
    if (u.op() == Op::REDUCE)
      for (size_t i = 1; i < u.src().size(); ++i) reduced.insert(u.src(i));
    if (u.op() == Op::RANGE && seen.insert(u).second) all.push_back(u);
  }
  Loops l;
  for (const UOp& r : all) {
    (reduced.count(r) ? l.red : l.out).push_back(r);
    if (is_ordinary_axis(r.arg_int())) l.next_id = std::max(l.next_id, r.arg_int() + 1);
  }
  auto by_id = [](const UOp& a, const UOp& b) { return a.arg_int() < b.arg_int(); };
  std::sort(l.out.begin(), l.out.end(), by_id);
  std::sort(l.red.begin(), l.red.end(), by_id);
  return l;
}

const UOp* find_loop(const std::vector<UOp>& loops, int64_t id) {
  for (const UOp& r : loops)
    if (r.arg_int() == id) return &r;
  return nullptr;
}

UOp range(int64_t size, int64_t id) {
  return UOp::make(Op::RANGE, dtypes::index, {UOp::constant(dtypes::index, size)}, id);
}

// Rebuilds a graph with nodes replaced (`expr`: a hit is not visited further) and, in the loop
// lists of REDUCEs, loops replaced by lists of loops (`loops`).
class Rebuild {
 public:
  std::unordered_map<UOp, UOp, UOpHash> expr;
  std::unordered_map<UOp, std::vector<UOp>, UOpHash> loops;

  UOp operator()(const UOp& u) {
    if (auto it = memo_.find(u); it != memo_.end()) return it->second;
    UOp v;
    if (auto e = expr.find(u); e != expr.end()) {
      v = e->second;
    } else {
      std::vector<UOp> src;
      for (size_t i = 0; i < u.src().size(); ++i) {
        const UOp& s = u.src(i);
        auto l = u.op() == Op::REDUCE && i > 0 ? loops.find(s) : loops.end();
        if (l != loops.end()) {
          src.insert(src.end(), l->second.begin(), l->second.end());
        } else {
          src.push_back((*this)(s));
        }
      }
      v = src == u.src() ? u : UOp::make(u.op(), u.dtype(), std::move(src), u.arg());
    }
    memo_.emplace(u, v);
    return v;
  }

 private:
  std::unordered_map<UOp, UOp, UOpHash> memo_;
};

// One loop of the kernel, checked for what the action needs.
UOp loop_for(const Opt& opt, const Loops& l, bool want_reduce) {
  const UOp* out = find_loop(l.out, opt.axis);
  const UOp* red = find_loop(l.red, opt.axis);
  if (!out && !red) refuse(opt, "the kernel has no loop ", opt.axis);
  if (is_lane_axis(opt.axis)) refuse(opt, "loop ", opt.axis, " is a group's lanes: no action applies to it");
  if (is_tile_axis(opt.axis)) refuse(opt, "loop ", opt.axis, " is a tc action's tile: no action applies to it");
  if (want_reduce && !red) refuse(opt, "loop ", opt.axis, " is an output loop, not a reduce loop");
  if (!want_reduce && !out) refuse(opt, "loop ", opt.axis, " is a reduce loop, not an output loop");
  return out ? *out : *red;
}

int64_t size_for(const Opt& opt, const UOp& loop) {
  const UOp& end = loop.src(0);
  if (!end.is_const()) refuse(opt, "loop ", opt.axis, " ends at ", end.brief(), " (symbolic)");
  const int64_t n = end.arg_int();
  if (opt.amount < 2 || opt.amount > kMaxAmount) refuse(opt, "the factor must be in [2, ", kMaxAmount, "]");
  if (n % opt.amount != 0)
    refuse(opt, "loop ", opt.axis, " has ", n, " iterations; ", opt.amount, " does not divide them");
  return n;
}

UOp upcast(const UOp& ast, const Opt& opt, const Loops& l) {
  const UOp r = loop_for(opt, l, false);
  const int64_t n = size_for(opt, r), k = opt.amount;
  const UOp outer = n == k ? UOp::constant(dtypes::index, 0) : range(n / k, opt.axis);
  std::vector<UOp> stores;
  for (const UOp& s : ast.src())
    for (int64_t c = 0; c < k; ++c) {
      Rebuild sub;
      sub.expr.emplace(r, ANVIL_MUTANT(32) ? outer + c : outer * k + c);
      stores.push_back(sub(s));
    }
  return UOp::make(Op::SINK, dtypes::void_, std::move(stores));
}

// As upcast, the K copies as one K-lane computation (engine/codegen/vectorize.cpp).
UOp vectorize(const UOp& ast, const Opt& opt, const Loops& l) {
  if (opt.amount != 2 && opt.amount != 4 && opt.amount != 8) refuse(opt, "the factor must be 2, 4 or 8");
  const UOp r = loop_for(opt, l, false);
  const int64_t n = size_for(opt, r), k = opt.amount;
  std::string why;
  const UOp out =
      codegen::vectorize_loop(ast, r, n == k ? UOp::constant(dtypes::index, 0) : range(n / k, opt.axis), k, why);
  if (!out) refuse(opt, why);
  return out;
}

// `ast` with each REDUCE over loop `r` replaced by rewrite(that REDUCE with its sources rebuilt, its
// other loops with `rest` in r's place, or without r when `rest` is empty).
UOp rewrite_reduces_over(const UOp& ast, const UOp& r, const std::optional<UOp>& rest,
                         const std::function<UOp(const UOp&, std::vector<UOp>)>& rewrite) {
  std::unordered_map<UOp, UOp, UOpHash> memo;
  std::function<UOp(const UOp&)> go = [&](const UOp& u) -> UOp {
    if (auto it = memo.find(u); it != memo.end()) return it->second;
    std::vector<UOp> src;
    for (const UOp& s : u.src()) src.push_back(go(s));
    UOp v = src == u.src() ? u : UOp::make(u.op(), u.dtype(), src, u.arg());
    if (u.op() == Op::REDUCE && std::find(src.begin() + 1, src.end(), r) != src.end()) {
      std::vector<UOp> loops;
      for (size_t i = 1; i < src.size(); ++i)
        if (!(src[i] == r))
          loops.push_back(src[i]);
        else if (rest)
          loops.push_back(*rest);
      v = rewrite(v, std::move(loops));
    }
    memo.emplace(u, v);
    return v;
  };
  return go(ast);
}

// REDUCE(value, loops...), or the value itself when there are no loops.
UOp reduce_over(const UOp& like, const UOp& value, std::vector<UOp> loops) {
  if (loops.empty()) return value;
  loops.insert(loops.begin(), value);
  return UOp::make(Op::REDUCE, like.dtype(), std::move(loops), like.arg());
}

// Each REDUCE over the loop becomes K REDUCEs over its outer part, combined in order.
UOp unroll(const UOp& ast, const Opt& opt, const Loops& l) {
  const UOp r = loop_for(opt, l, true);
  const int64_t n = size_for(opt, r), k = opt.amount;
  const bool whole = n == k;
  const UOp outer = range(n / k, opt.axis);
  return rewrite_reduces_over(ast, r, whole ? std::nullopt : std::optional<UOp>(outer),
                              [&](const UOp& red, std::vector<UOp> ranges) {
                                UOp combined;
                                for (int64_t c = 0; c < k; ++c) {
                                  Rebuild sub;
                                  sub.expr.emplace(r, whole ? UOp::constant(dtypes::index, c) : outer * k + c);
                                  const UOp part = reduce_over(red, sub(red.src(0)), ranges);
                                  combined = c == 0 ? part : combined.alu(red.arg_reduce().op, part);
                                }
                                return combined;
                              });
}

UOp split(const UOp& ast, const Opt& opt, const Loops& l) {
  const UOp* out = find_loop(l.out, opt.axis);
  const UOp r = loop_for(opt, l, out == nullptr);
  const int64_t n = size_for(opt, r), k = opt.amount;
  if (n == k) refuse(opt, "loop ", opt.axis, " has only ", n, " iterations (use upcast or unroll)");
  const UOp o = range(n / k, opt.axis), i = range(k, l.next_id);
  Rebuild sub;
  sub.expr.emplace(r, o * k + i);
  sub.loops.emplace(r, std::vector<UOp>{o, i});
  return sub(ast);
}

UOp swap(const UOp& ast, const Opt& opt, const Loops& l) {
  const UOp a = loop_for(opt, l, false);
  const UOp* b = find_loop(l.out, opt.amount);
  if (!b) refuse(opt, "the kernel has no output loop ", opt.amount);
  if (opt.amount == opt.axis) refuse(opt, "a loop cannot swap with itself");
  Rebuild sub;
  sub.expr.emplace(a, UOp::make(Op::RANGE, dtypes::index, {a.src(0)}, opt.amount));
  sub.expr.emplace(*b, UOp::make(Op::RANGE, dtypes::index, {b->src(0)}, opt.axis));
  return sub(ast);
}

// Each REDUCE over the loop becomes a REDUCE over the lanes of REDUCEs over the loop's rest (with the
// REDUCE's other loops): lane c reduces elements c, c + K, c + 2K... of the loop.
UOp group(const UOp& ast, const Opt& opt, const Loops& l) {
  const UOp r = loop_for(opt, l, true);
  if (opt.amount > kMaxLanes) refuse(opt, "at most ", kMaxLanes, " lanes (threads of one block)");
  const int64_t n = size_for(opt, r), k = opt.amount;
  if (find_loop(l.red, lane_axis(opt.axis))) refuse(opt, "loop ", opt.axis, " is already grouped");
  const UOp lane = range(k, lane_axis(opt.axis));
  const bool whole = n == k;
  const UOp rest = range(n / k, opt.axis);
  return rewrite_reduces_over(ast, r, whole ? std::nullopt : std::optional<UOp>(rest),
                              [&](const UOp& red, std::vector<UOp> inner) {
                                Rebuild sub;
                                sub.expr.emplace(r, whole ? lane : rest * k + lane);
                                const UOp part = reduce_over(red, sub(red.src(0)), std::move(inner));
                                return UOp::make(Op::REDUCE, red.dtype(), {part, lane}, red.arg());
                              });
}

UOp thread(const UOp& ast, const Opt& opt, const Loops& l) {
  if (thread_chunks(ast) > 1) refuse(opt, "the kernel is already cut into chunks");
  const UOp r = loop_for(opt, l, false);
  const int64_t n = size_for(opt, r), t = opt.amount;
  const UOp tid = UOp::var(std::string(kThreadVar), 0, t - 1);
  Rebuild sub;
  sub.expr.emplace(r, n == t ? tid : tid * (n / t) + range(n / t, opt.axis));
  return sub(ast);
}

// The output loops among `loops` that `u` depends on.
std::vector<UOp> loops_under(const UOp& u, const std::vector<UOp>& loops) {
  std::vector<UOp> in;
  const std::vector<UOp> all = u.toposort();
  for (const UOp& r : loops)
    if (std::find(all.begin(), all.end(), r) != all.end()) in.push_back(r);
  return in;
}

// The innermost loop of `of` that `other` lacks and whose size `tile` divides (an empty UOp: none).
UOp tile_loop(const std::vector<UOp>& of, const std::vector<UOp>& other, int64_t tile) {
  UOp pick;
  for (const UOp& r : of)
    if (std::find(other.begin(), other.end(), r) == other.end() && r.src(0).is_const() &&
        r.src(0).arg_int() % tile == 0)
      pick = r;
  return pick;
}

// M and N become outer loops (ids kept) over tile loops of the warp tile's edge, the reduce loop an
// outer loop over a tile loop of 16, the outer part first: the same sum in the same order on a host.
UOp tc(const UOp& ast, const Opt& opt, const Loops& l) {
  for (const auto* loops : {&l.out, &l.red})
    for (const UOp& r : *loops)
      if (!is_ordinary_axis(r.arg_int())) refuse(opt, "the kernel already has lanes or tiles: tc comes first");
  if (ast.src().size() != 1 || thread_chunks(ast) > 1)
    refuse(opt, "the kernel is cut or copied already: tc comes first");
  const UOp k = loop_for(opt, l, true);
  const int64_t w = opt.amount;
  if (w != kTileSize && w != 2 * kTileSize && w != 4 * kTileSize)
    refuse(opt, "a warp's tile is 16, 32 or 64 elements square");
  if (!k.src(0).is_const()) refuse(opt, "loop ", opt.axis, " ends at ", k.src(0).brief(), " (symbolic)");
  const int64_t n = k.src(0).arg_int();
  if (n % kTileSize != 0) refuse(opt, "loop ", opt.axis, " has ", n, " iterations; the sum steps by ", kTileSize);
  std::vector<UOp> reduces;
  for (const UOp& u : ast.toposort())
    if (u.op() == Op::REDUCE) reduces.push_back(u);
  if (reduces.size() != 1) refuse(opt, "the kernel has ", reduces.size(), " reductions; tc takes one contraction");
  const UOp& red = reduces[0];
  if (red.src().size() != 2 || !(red.src(1) == k))
    refuse(opt, "the reduction is over more loops than ", opt.axis, " (tc takes a sum over one loop)");
  const UOp& prod = red.src(0);
  if (red.arg_reduce().op != Op::ADD || red.dtype() != dtypes::float32 || prod.op() != Op::MUL ||
      tc_operand(prod.src(0)) == Scalar::Void || tc_operand(prod.src(0)) != tc_operand(prod.src(1)))
    refuse(opt, "the reduction is not a float32 sum of products of two float16, two bfloat16 or two float32 loads");
  const std::vector<UOp> xs = loops_under(prod.src(0), l.out), ys = loops_under(prod.src(1), l.out);
  UOp m = tile_loop(xs, ys, w), nn = tile_loop(ys, xs, w);
  if (!m || !nn)
    refuse(opt, "no output loop with a multiple of ", w,
           " iterations that one operand reads and the other does not (the tile's rows and columns)");
  auto outer = [&](const UOp& r, int64_t size, int64_t t) {
    return size == t ? UOp::constant(dtypes::index, 0) : range(size / t, r.arg_int());
  };
  const UOp mt = range(w, tile_axis_m), nt = range(w, tile_axis_n), kt = range(kTileSize, tile_axis_k);
  const UOp ko = outer(k, n, kTileSize);
  Rebuild sub;
  sub.expr.emplace(m, outer(m, m.src(0).arg_int(), w) * w + mt);
  sub.expr.emplace(nn, outer(nn, nn.src(0).arg_int(), w) * w + nt);
  sub.expr.emplace(k, ko * kTileSize + kt);
  sub.loops.emplace(k, n == kTileSize ? std::vector<UOp>{kt} : std::vector<UOp>{ko, kt});
  return sub(ast);
}

// A bound the gate of a load puts on an index expression: lo <= expr <= hi.
struct GateBound {
  UOp expr;
  __int128 lo, hi;
};

void gate_bounds(const UOp& gate, std::vector<GateBound>& out) {
  if (gate.op() == Op::AND && gate.dtype() == dtypes::bool_) {
    for (const UOp& s : gate.src()) gate_bounds(s, out);
    return;
  }
  if (gate.op() != Op::CMPLT && gate.op() != Op::CMPLE) return;
  const UOp &a = gate.src(0), &b = gate.src(1);
  if (a.dtype() != dtypes::index || b.dtype() != dtypes::index || a.is_const() == b.is_const()) return;
  const __int128 strict = gate.op() == Op::CMPLT ? 1 : 0;
  const UOp& e = a.is_const() ? b : a;
  __int128 lo = e.vmin(), hi = e.vmax();
  if (a.is_const())
    lo = a.const_int() + strict;  // c <(=) e
  else
    hi = b.const_int() - strict;  // e <(=) c
  for (GateBound& g : out)
    if (g.expr == e) {
      g.lo = std::max(g.lo, lo), g.hi = std::min(g.hi, hi);
      return;
    }
  out.push_back({e, std::max(lo, e.vmin()), std::min(hi, e.vmax())});
}

size_t divmod_count(const UOp& e) {
  size_t n = 0;
  for (const UOp& u : e.toposort())
    n += u.op() == Op::FLOORDIV || u.op() == Op::FLOORMOD || u.op() == Op::TRUNCDIV || u.op() == Op::TRUNCMOD;
  return n;
}

// The index of a gated load only matters where the gate holds. For each sum of loops the gate
// bounds (a padded window: 1 <= oy + ky <= 32), one loop r of it becomes v - rest with v a fresh
// variable in the gate's range; the simplifier, knowing v's range, drops the div/mod that the
// movement ops left (the bounds are a relaxation, so whatever it proves holds), and v = the sum again.
UOp simplify_gated_index(const UOp& index) {
  std::vector<GateBound> bounds;
  gate_bounds(index.src(2), bounds);
  Rebuild in, back;
  std::unordered_set<UOp, UOpHash> used;
  for (const GateBound& g : bounds) {
    if (g.lo > g.hi || g.lo < INT64_MIN || g.hi > INT64_MAX) continue;
    const std::optional<Sum> sum = decompose(g.expr);
    if (!sum) continue;
    bool free = true;  // no loop of this sum is already replaced
    for (const Term& t : sum->terms) free = free && !used.count(t.base);
    if (!free) continue;
    for (const Term& t : sum->terms) {
      if (t.base.op() != Op::RANGE || t.coeff != 1) continue;
      const UOp v = UOp::var("anvil.gate" + std::to_string(back.expr.size()), static_cast<int64_t>(g.lo),
                             static_cast<int64_t>(g.hi));
      in.expr.emplace(t.base, v - (g.expr - t.base));
      back.expr.emplace(v, g.expr);
      for (const Term& u : sum->terms) used.insert(u.base);
      break;
    }
  }
  if (back.expr.empty()) return index;
  const UOp idx = back(simplify(in(index.src(1))));
  if (divmod_count(idx) >= divmod_count(index.src(1))) return index;
  return UOp::make(Op::INDEX, index.dtype(), {index.src(0), idx, index.src(2)}, index.arg());
}

}  // namespace

Scalar tc_operand(const UOp& factor) {
  const bool widened = factor.op() == Op::CAST && factor.dtype() == dtypes::float32;
  const UOp& l = widened ? factor.src(0) : factor;
  if (l.op() != Op::LOAD || l.src().size() != 1 || l.dtype().count != 1) return Scalar::Void;
  const UOp& ix = l.src(0);
  if (ix.op() != Op::INDEX || ix.src().size() != 2 || ix.src(0).op() != Op::DEFINE_GLOBAL) return Scalar::Void;
  const Scalar s = l.dtype().scalar;
  if (widened) return s == Scalar::Float16 || s == Scalar::BFloat16 ? s : Scalar::Void;
  return s == Scalar::Float32 ? s : Scalar::Void;
}

const UOp& tc_operand_index(const UOp& factor) {
  ANVIL_CHECK(tc_operand(factor) != Scalar::Void) << "opt: not a tc operand: " << factor.brief();
  return (factor.op() == Op::CAST ? factor.src(0) : factor).src(0);
}

std::string to_string(const Opt& opt) {
  return std::string(kNames[static_cast<size_t>(opt.kind)]) + " " + std::to_string(opt.axis) + " " +
         std::to_string(opt.amount);
}

std::string to_string(std::span<const Opt> opts) {
  std::string s;
  for (const Opt& o : opts) s += (s.empty() ? "" : ", ") + to_string(o);
  return s;
}

std::vector<Opt> parse_opts(std::string_view text) {
  std::vector<Opt> opts;
  std::string item;
  std::istringstream all{std::string(text)};
  while (std::getline(all, item, ',')) {
    std::istringstream in(item);
    std::string name, rest;
    Opt o;
    if (!(in >> name)) {
      if (opts.empty() && all.eof()) break;  // "" is no action
      (ErrorBuilder("opt") << "an empty action in '" << text << "'").raise();
    }
    const auto* it = std::find(std::begin(kNames), std::end(kNames), name);
    if (it == std::end(kNames))
      (ErrorBuilder("opt") << "unknown action '" << name
                           << "' (expected upcast, unroll, split, swap, thread, group, tc or vectorize)")
          .raise();
    o.kind = static_cast<OptKind>(it - std::begin(kNames));
    if (!(in >> o.axis >> o.amount) || (in >> rest))
      (ErrorBuilder("opt") << "'" << item << "': expected '" << name << " AXIS AMOUNT'").raise();
    opts.push_back(o);
  }
  return opts;
}

std::vector<KernelAxis> kernel_axes(const UOp& ast) {
  const Loops l = loops_of(ast);
  std::vector<KernelAxis> axes;
  for (const auto* list : {&l.out, &l.red})
    for (const UOp& r : *list)
      axes.push_back({r.arg_int(), r.src(0).is_const() ? r.src(0).arg_int() : -1, list == &l.red});
  return axes;
}

UOp apply_opt(const UOp& ast, const Opt& opt) {
  ANVIL_CHECK(ast.op() == Op::SINK) << "opt: not a kernel: " << ast.brief();
  const Loops l = loops_of(ast);
  UOp out;
  switch (opt.kind) {
    case OptKind::Upcast: out = upcast(ast, opt, l); break;
    case OptKind::Unroll: out = unroll(ast, opt, l); break;
    case OptKind::Split: out = split(ast, opt, l); break;
    case OptKind::Swap: out = swap(ast, opt, l); break;
    case OptKind::Thread: out = thread(ast, opt, l); break;
    case OptKind::Group: out = group(ast, opt, l); break;
    case OptKind::Tc: out = tc(ast, opt, l); break;
    case OptKind::Vectorize: out = vectorize(ast, opt, l); break;
  }
  // Not simplified again: substitution keeps every index affine and folded constants are cheap for
  // the compilers; simplify() on a whole upcast kernel gave a wrong merge of two copies in release
  // builds (memory-layout dependent, under investigation: see the issue 7 note).
  if (const size_t nodes = out.toposort().size(); nodes > kMaxNodes)
    refuse(opt, "the kernel would have ", nodes, " nodes (at most ", kMaxNodes, ")");
  return out;
}

UOp apply_opts(const UOp& ast, std::span<const Opt> opts) {
  UOp out = simplify_gated_indices(ast);
  for (const Opt& o : opts) out = apply_opt(out, o);
  return out;
}

UOp simplify_gated_indices(const UOp& ast) {
  Rebuild sub;
  for (const UOp& u : ast.toposort())
    if (u.op() == Op::INDEX && u.src().size() == 3) {
      const UOp v = simplify_gated_index(u);
      if (!(v == u)) sub.expr.emplace(u, v);
    }
  return sub.expr.empty() ? ast : sub(ast);
}

int64_t thread_chunks(const UOp& ast) {
  for (const UOp& u : ast.toposort())
    if (u.op() == Op::DEFINE_VAR && u.arg_var().name == kThreadVar) return u.arg_var().hi + 1;
  return 1;
}

}  // namespace anvil
