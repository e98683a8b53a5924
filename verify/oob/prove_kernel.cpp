#include "verify/oob/prove_kernel.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/codegen/opt.h"
#include "engine/ir/text.h"
#include "engine/runtime/kernel_check.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
#include "verify/oob/finite_check.h"
#include "verify/rules/encode.h"
#include "verify/smt.h"

namespace anvil::verify {
namespace {

using Clock = std::chrono::steady_clock;
using smt::Term;

// Index expressions are linear with div/mod by constants; this is far above what they need.
constexpr uint64_t kRlimit = 20'000'000;
constexpr size_t kMaxCached = 1 << 16;

struct State {
  std::mutex mu;
  std::unique_ptr<smt::Context> ctx;  // made at the first access intervals cannot decide
  std::unordered_set<UOp, UOpHash> kernels_ok;
  std::unordered_set<UOp, UOpHash> accesses_ok;  // INDEX nodes: buffer slot, size, idx and gate
  OobStats stats;
};

State& state() {
  static auto* s = new State;  // never destroyed: tests may realize during static teardown
  return *s;
}

// Counts one solver call; ANVIL_OOB_TRACE=1 prints its rlimit units and time (where Z3's time goes).
void note_z3_call(State& st, Clock::time_point t0, const smt::CheckResult& r) {
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  st.stats.z3_seconds += seconds;
  st.stats.z3_rlimit += r.rlimit_used;
  static const bool trace = std::getenv("ANVIL_OOB_TRACE") && std::string(std::getenv("ANVIL_OOB_TRACE")) == "1";
  if (trace)
    std::fprintf(stderr, "ANVIL_OOB_TRACE: z3 call, %llu rlimit units, %.4f s\n",
                 static_cast<unsigned long long>(r.rlimit_used), seconds);
}

bool is_global_access(const UOp& u) {
  return u.op() == Op::INDEX && u.src().size() >= 2 && u.src(0).op() == Op::DEFINE_GLOBAL;
}

// The loop id that stands for the lanes of a K-lane access (no kernel loop has it).
constexpr int64_t kLanesLoopId = int64_t{1} << 48;

// A K-lane LOAD or STORE (vectorize, engine/codegen/opt.h) touches elements idx..idx+K-1: as a scalar
// access at idx + lane over a loop of its K lanes, the bounds, injectivity and coverage proofs see each.
UOp lanes_as_loops(const UOp& ast) {
  std::unordered_map<UOp, UOp, UOpHash> done;
  for (const UOp& u : ast.toposort()) {
    std::vector<UOp> src;
    for (const UOp& s : u.src()) src.push_back(done.at(s));
    const int64_t lanes = u.op() == Op::LOAD ? u.dtype().count : u.op() == Op::STORE ? u.src(1).dtype().count : 1;
    if (lanes > 1 && src[0].op() == Op::INDEX) {
      const UOp lane = UOp::make(Op::RANGE, dtypes::index, {UOp::constant(dtypes::index, lanes)}, kLanesLoopId);
      std::vector<UOp> at = src[0].src();
      at[1] = at[1] + lane;
      src[0] = UOp::make(Op::INDEX, src[0].dtype(), std::move(at), src[0].arg());
    }
    done.emplace(u, src == u.src() ? u : UOp::make(u.op(), u.dtype(), std::move(src), u.arg()));
  }
  return done.at(ast);
}

// No index node of `e` may have reached int64's limits: range analysis saturates there when a
// result may overflow, so bounds strictly inside mean no intermediate overflows.
bool no_saturation(const UOp& e) {
  constexpr __int128 lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  for (const UOp& u : e.toposort())
    if (u.dtype() == dtypes::index && (u.vmin() <= lo || u.vmax() >= hi)) return false;
  return true;
}

bool decided_by_intervals(const UOp& idx, const UOp& gate, int64_t size) {
  if (gate && !no_saturation(gate)) return false;
  if (gate && gate.vmax() == 0) return true;   // never taken
  if (gate && gate.vmin() == 0) return false;  // only a solver can use the gate
  return no_saturation(idx) && idx.vmin() >= 0 && idx.vmax() < size;
}

// The UOps of one access as Z3 terms: loop variables with their ranges, anything the encoder
// does not speak (a loaded value, a float cast) as a free value within its vmin/vmax.
class AccessEncoder {
 public:
  // `suffix` names a second copy of the loop variables (r0') for the store injectivity proof.
  explicit AccessEncoder(smt::Context& ctx, std::string suffix = "") : enc_(ctx), suffix_(std::move(suffix)) {}

  Enc encode(const UOp& root) {
    for (const UOp& u : root.toposort())
      if (!memo_.count(u)) memo_.emplace(u, encode_node(u));
    return memo_.at(root);
  }
  Encoder& encoder() { return enc_; }
  const std::vector<smt::Shown>& shown() const { return shown_; }

 private:
  Enc encode_node(const UOp& u) {
    smt::Context& ctx = enc_.ctx();
    const DType dt = u.dtype();
    const bool scalar = !dt.is_ptr && dt.count == 1 && encodable(dt.scalar);
    if (!scalar) return {ctx.bool_val(false), ctx.bool_val(false)};  // never read by an index (a pointer, a float)
    if (u.op() == Op::CONST) return enc_.constant(dt.scalar, u.const_int());
    if (u.op() == Op::RANGE || u.op() == Op::DEFINE_VAR) {
      const std::string name = u.op() == Op::RANGE ? "r" + std::to_string(u.arg_int()) : u.arg_var().name;
      return bounded_var(u, u.op() == Op::RANGE ? name + suffix_ : name, true);
    }
    if (in_group(u.op(), opgroup::Alu)) {
      std::vector<Scalar> types;
      std::vector<Enc> in;
      bool ok = true;
      for (const UOp& s : u.src()) {
        ok = ok && !s.dtype().is_ptr && s.dtype().count == 1 && encodable(s.dtype().scalar);
        types.push_back(s.dtype().scalar);
        if (ok) in.push_back(memo_.at(s));
      }
      if (ok) {
        try {
          return enc_.alu(u.op(), dt.scalar, types, in);
        } catch (const Error&) {  // an op the encoder does not define on this dtype: opaque below
        }
      }
    }
    return bounded_var(u, "v" + std::to_string(opaque_++) + suffix_, false);
  }

  // A free value within u's vmin/vmax (index values: also within int64).
  Enc bounded_var(const UOp& u, const std::string& name, bool show) {
    smt::Context& ctx = enc_.ctx();
    const Scalar s = u.dtype().scalar;
    const Term v = enc_.value_var(s, name);
    if (s == Scalar::Index) {
      enc_.assume(smt::le(ctx.int_val(u.vmin()), v));
      enc_.assume(smt::le(v, ctx.int_val(u.vmax())));
      if (u.op() == Op::RANGE) enc_.assume(smt::lt(v, memo_.at(u.src(0)).v));
    }
    if (show) shown_.push_back({name, v, true});
    return {v, ctx.bool_val(false)};
  }

  Encoder enc_;
  std::string suffix_;
  std::unordered_map<UOp, Enc, UOpHash> memo_;
  std::vector<smt::Shown> shown_;
  int opaque_ = 0;
};

std::string access_text(const UOp& access) {
  std::ostringstream os;
  os << "INDEX of buffer slot " << access.src(0).arg_int() << " (" << access.src(0).dtype().ptr_size
     << " elements)\n    idx  = " << to_text(access.src(1));
  if (access.src().size() > 2) os << "\n    gate = " << to_text(access.src(2));
  return os.str();
}

// Empty when proved; otherwise the finding's detail. Called with the state's lock held.
std::string prove_access(State& st, const UOp& access) {
  const int64_t size = access.src(0).dtype().ptr_size;
  const UOp& idx = access.src(1);
  const UOp gate = access.src().size() > 2 ? access.src(2) : UOp();
  if (size < 0) return "the buffer's size is unknown (DEFINE_GLOBAL without ptr_size)";
  if (decided_by_intervals(idx, gate, size)) {
    ++st.stats.by_interval;
    return "";
  }
  if (const std::optional<FiniteVerdict> f = check_access_finite(idx, gate, size)) {
    ++st.stats.by_finite;
    st.stats.finite_points += f->points;
    if (f->proved) return "";
    return "out of bounds or overflowing (checked at every point); counterexample: " + f->counterexample;
  }
  ++st.stats.by_z3;
  if (!st.ctx) st.ctx = std::make_unique<smt::Context>();
  smt::Context& ctx = *st.ctx;
  AccessEncoder ae(ctx);
  const Enc i = ae.encode(idx);
  const Enc g = gate ? ae.encode(gate) : Enc{ctx.bool_val(true), ctx.bool_val(false)};
  const Term in_bounds = smt::and_(smt::le(ctx.int_val(0), i.v), smt::lt(i.v, ctx.int_val(size)));
  const Term goal = smt::and_(smt::not_(smt::or_(i.poison, g.poison)), smt::implies(g.v, in_bounds));
  const Term claim = smt::implies(smt::and_all(ctx, ae.encoder().assumptions()), goal);
  std::vector<smt::Shown> show = ae.shown();
  show.push_back({"idx", i.v, true});
  if (gate) show.push_back({"gate", g.v, true});
  const auto t0 = Clock::now();
  const smt::CheckResult r = ctx.check_valid_reused(claim, show, kRlimit);
  note_z3_call(st, t0, r);
  if (r.outcome == smt::Outcome::Proved) return "";
  if (r.outcome == smt::Outcome::Refuted) return "out of bounds or overflowing; counterexample: " + r.model;
  return "unknown (" + r.reason + ")";
}

// ---- Stores: injective over the loop ranges (no lost writes, no races) and covering the output. ----

// The loop ranges of a store: the RANGEs it depends on that no REDUCE inside it closes.
std::vector<UOp> loop_ranges(const UOp& store) {
  const std::vector<UOp> topo = store.toposort();
  std::unordered_set<UOp, UOpHash> reduced;
  for (const UOp& u : topo)
    if (u.op() == Op::REDUCE)
      for (size_t i = 1; i < u.src().size(); ++i) reduced.insert(u.src(i));
  std::vector<UOp> out;
  for (const UOp& u : topo)
    if (u.op() == Op::RANGE && !reduced.count(u)) out.push_back(u);
  return out;
}

// The DEFINE_VAR a thread action adds (engine/codegen/opt.h): chunk t of T runs with it bound to t,
// so over all chunks it ranges like a loop.
bool is_thread_var(const UOp& u) { return u.op() == Op::DEFINE_VAR && u.arg_var().name == kThreadVar; }

// idx as c + Σ coef·range over constant-ended ranges, or nullopt when it is not of that form.
struct Affine {
  __int128 c = 0;
  std::vector<std::pair<UOp, __int128>> terms;  // each range once
};

bool add_affine(const UOp& e, __int128 scale, Affine& a, int depth = 0) {
  if (depth > 64) return false;
  switch (e.op()) {
    case Op::CONST: a.c += scale * e.const_int(); return true;
    case Op::DEFINE_VAR:
      if (!is_thread_var(e)) return false;
      [[fallthrough]];
    case Op::RANGE: {
      if (e.op() == Op::RANGE && e.src(0).op() != Op::CONST) return false;
      for (auto& [r, k] : a.terms)
        if (r == e) return k += scale, true;
      a.terms.emplace_back(e, scale);
      return true;
    }
    case Op::ADD: return add_affine(e.src(0), scale, a, depth + 1) && add_affine(e.src(1), scale, a, depth + 1);
    case Op::SUB: return add_affine(e.src(0), scale, a, depth + 1) && add_affine(e.src(1), -scale, a, depth + 1);
    case Op::MUL:
      if (e.src(1).op() == Op::CONST) return add_affine(e.src(0), scale * e.src(1).const_int(), a, depth + 1);
      if (e.src(0).op() == Op::CONST) return add_affine(e.src(1), scale * e.src(0).const_int(), a, depth + 1);
      return false;
    default: return false;
  }
}

int64_t range_end(const UOp& r) {
  if (is_thread_var(r)) return r.arg_var().hi + 1;
  return r.src(0).op() == Op::CONST ? static_cast<int64_t>(r.src(0).const_int()) : -1;
}

// Mixed radix: sorted by |coef|, each coefficient exceeds the span of all smaller terms, and every
// loop range with more than one point occurs. Then distinct loop points give distinct indices.
bool affine_injective(const Affine& a, const std::vector<UOp>& loops) {
  for (const UOp& r : loops) {
    if (range_end(r) <= 1) continue;
    bool found = false;
    for (const auto& [t, k] : a.terms) found = found || (t == r && k != 0);
    if (!found) return false;
  }
  std::vector<std::pair<__int128, int64_t>> mags;
  for (const auto& [t, k] : a.terms)
    if (range_end(t) > 1) mags.emplace_back(k < 0 ? -k : k, range_end(t));
  std::sort(mags.begin(), mags.end());
  __int128 span = 0;
  for (const auto& [m, end] : mags) {
    if (m <= span) return false;
    span += m * (end - 1);
  }
  return true;
}

std::string store_text(const UOp& access) {
  return "STORE to buffer slot " + std::to_string(access.src(0).arg_int()) + " (" +
         std::to_string(access.src(0).dtype().ptr_size) + " elements), idx = " + to_text(access.src(1));
}

// Z3: two loop points that pass the gate and write the same element are the same point.
std::string z3_injective(State& st, const UOp& access, const std::vector<UOp>& loops) {
  ++st.stats.stores_by_z3;
  if (!st.ctx) st.ctx = std::make_unique<smt::Context>();
  smt::Context& ctx = *st.ctx;
  AccessEncoder a(ctx), b(ctx, "'");
  const UOp gate = access.src().size() > 2 ? access.src(2) : UOp();
  const Enc ia = a.encode(access.src(1)), ib = b.encode(access.src(1));
  Term premise = smt::and_(smt::and_all(ctx, a.encoder().assumptions()), smt::and_all(ctx, b.encoder().assumptions()));
  premise = smt::and_(premise, smt::not_(smt::or_(ia.poison, ib.poison)));
  if (gate) {
    const Enc ga = a.encode(gate), gb = b.encode(gate);
    premise = smt::and_(premise, smt::and_(smt::not_(smt::or_(ga.poison, gb.poison)), smt::and_(ga.v, gb.v)));
  }
  premise = smt::and_(premise, smt::eq(ia.v, ib.v));
  std::vector<Term> same;
  std::vector<smt::Shown> show;
  for (const UOp& r : loops) {
    const Term ra = a.encode(r).v, rb = b.encode(r).v;
    same.push_back(smt::eq(ra, rb));
    const std::string n = "r" + std::to_string(r.arg_int());
    show.push_back({n, ra, true});
    show.push_back({n + "'", rb, true});
  }
  show.push_back({"idx", ia.v, true});
  const auto t0 = Clock::now();
  const smt::CheckResult res = ctx.check_valid_reused(smt::implies(premise, smt::and_all(ctx, same)), show, kRlimit);
  note_z3_call(st, t0, res);
  if (res.outcome == smt::Outcome::Proved) return "";
  if (res.outcome == smt::Outcome::Refuted)
    return "two loop points collide (a lost write, a race once loops run in parallel): " + res.model;
  return "injectivity unknown (" + res.reason + ")";
}

// Z3: no loop point writes element e (so e is missed). Only on the failure path.
bool z3_never_written(State& st, const UOp& idx, int64_t e) {
  if (!st.ctx) st.ctx = std::make_unique<smt::Context>();
  smt::Context& ctx = *st.ctx;
  AccessEncoder a(ctx);
  const Enc i = a.encode(idx);
  const Term claim =
      smt::implies(smt::and_all(ctx, a.encoder().assumptions()), smt::not_(smt::eq(i.v, ctx.int_val(e))));
  return ctx.check_valid_reused(claim, {}, kRlimit).outcome == smt::Outcome::Proved;
}

// Empty when the store is injective and (ungated) covers [0, size); otherwise the finding.
std::string prove_store(State& st, const UOp& store) {
  const UOp& access = store.src(0);
  if (!is_global_access(access)) return "";
  ++st.stats.stores;
  const std::vector<UOp> loops = loop_ranges(store);
  const UOp& idx = access.src(1);
  Affine aff;
  const bool is_affine = add_affine(idx, 1, aff);
  std::string why;
  if (is_affine && affine_injective(aff, loops)) {
    ++st.stats.stores_by_interval;
  } else {
    why = z3_injective(st, access, loops);
    if (!why.empty()) return why;
  }
  if (access.src().size() > 2) return "";  // a gated store writes part of its output by design
  const int64_t size = access.src(0).dtype().ptr_size;
  __int128 points = 1;
  for (const UOp& r : loops) {
    const int64_t end = range_end(r);
    if (end < 0) return "";  // symbolic extent: the count is not a number
    points *= end;
  }
  if (points == size) return "";  // injective and in bounds (the bounds proof): a bijection onto [0, size)
  std::string missed;
  if (points < size) {
    for (int64_t e : {int64_t{0}, size - 1})
      if (missed.empty() && z3_never_written(st, idx, e))
        missed = "element " + std::to_string(e) + " is never written; ";
  }
  return "does not cover its output: " + missed + std::to_string(static_cast<int64_t>(points)) +
         " loop point(s) write distinct elements of " + std::to_string(size);
}

// The points a store's index takes: c + sum k*x over its loops (a loop absent from the index writes
// the same element once per iteration), or nullopt when the index is not affine in constant loops.
struct StorePoints {
  Affine index;
  std::vector<std::pair<int64_t, __int128>> dims;  // (extent, coefficient)
  __int128 count = 1;
};
std::optional<StorePoints> store_points(const UOp& store) {
  StorePoints p;
  if (!add_affine(store.src(0).src(1), 1, p.index)) return std::nullopt;
  std::vector<UOp> loops = loop_ranges(store);
  for (const UOp& u : store.src(0).src(1).toposort())
    if (is_thread_var(u)) loops.push_back(u);
  for (const UOp& r : loops) {
    const int64_t end = range_end(r);
    if (end < 0) return std::nullopt;
    __int128 k = 0;
    for (const auto& [t, c] : p.index.terms)
      if (t == r) k = c;
    p.dims.emplace_back(end, k);
    p.count *= end;
  }
  return p;
}

constexpr __int128 kMaxEnumerated = __int128{1} << 24;

// Several ungated stores to one buffer (an upcast kernel's copies) or a store cut into thread
// chunks: together they write every element exactly once. Decided by enumerating their affine
// indices; empty when proved, or when there are too many points to enumerate (then each store's
// own injectivity, checked by prove_store, is what is known).
std::string prove_store_group(const std::vector<UOp>& stores) {
  const int64_t size = stores[0].src(0).src(0).dtype().ptr_size;
  std::vector<StorePoints> all;
  __int128 total = 0;
  for (const UOp& s : stores) {
    std::optional<StorePoints> p = store_points(s);
    if (!p) return "";
    total += p->count;
    all.push_back(std::move(*p));
  }
  if (total > kMaxEnumerated || size > kMaxEnumerated) return "";
  std::vector<uint8_t> seen(static_cast<size_t>(size), 0);
  for (size_t n = 0; n < all.size(); ++n) {
    const StorePoints& p = all[n];
    std::vector<int64_t> x(p.dims.size(), 0);
    for (__int128 i = 0; i < p.count; ++i) {
      __int128 e = p.index.c;
      for (size_t d = 0; d < x.size(); ++d) e += p.dims[d].second * x[d];
      if (e < 0 || e >= size)
        return "store " + std::to_string(n) + " writes element " + std::to_string(static_cast<int64_t>(e)) +
               " outside [0, " + std::to_string(size) + ")";
      if (seen[static_cast<size_t>(e)]++)
        return "element " + std::to_string(static_cast<int64_t>(e)) + " is written twice (store " + std::to_string(n) +
               " of " + std::to_string(all.size()) + ")";
      for (size_t d = 0; d < x.size() && ++x[d] == p.dims[d].first; ++d) x[d] = 0;
    }
  }
  for (int64_t e = 0; e < size; ++e)
    if (!seen[static_cast<size_t>(e)])
      return "does not cover its output: element " + std::to_string(e) + " is never written by the " +
             std::to_string(all.size()) + " store(s)";
  return "";
}

std::vector<std::string> prove_stores_locked(State& st, const UOp& ast) {
  std::vector<std::string> findings;
  auto finding = [&](const UOp& store, const std::string& why) {
    ++st.stats.findings;
    findings.push_back("kernel " + std::to_string(ast.hash()) + ", " + store_text(store.src(0)) + "\n  " + why +
                       "\n  kernel:\n" + to_text(ast));
  };
  // Stores grouped by buffer slot; a group of one without a thread var is proved on its own.
  std::vector<std::pair<int64_t, std::vector<UOp>>> groups;
  for (const UOp& u : ast.toposort()) {
    if (u.op() != Op::STORE || !is_global_access(u.src(0))) continue;
    const int64_t slot = u.src(0).src(0).arg_int();
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == slot; });
    if (it == groups.end()) it = groups.insert(groups.end(), {slot, {}});
    it->second.push_back(u);
  }
  for (const auto& [slot, stores] : groups) {
    bool threaded = false;
    for (const UOp& n : stores[0].src(0).src(1).toposort()) threaded = threaded || is_thread_var(n);
    const bool gated =
        std::any_of(stores.begin(), stores.end(), [](const UOp& s) { return s.src(0).src().size() > 2; });
    if (stores.size() == 1 && !threaded) {
      if (std::string why = prove_store(st, stores[0]); !why.empty()) finding(stores[0], why);
      continue;
    }
    st.stats.stores += stores.size();
    if (gated) continue;  // gated stores write part of their output by design
    if (std::string why = prove_store_group(stores); !why.empty()) finding(stores[0], why);
  }
  return findings;
}

void abort_on_finding(const UOp& ast) {
  const std::vector<std::string> findings = prove_kernel_bounds(ast);
  if (findings.empty()) return;
  std::ostringstream os;
  for (const std::string& f : findings) os << "\n" << f;
  ANVIL_CHECK(false) << "ANVIL_CHECK_OOB: " << findings.size() << " access(es) not proved in bounds, or stores not"
                     << " proved injective and covering:" << os.str();
}

}  // namespace

std::vector<std::string> prove_kernel_bounds(const UOp& ast) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  const auto t0 = Clock::now();
  std::vector<std::string> findings;
  if (st.kernels_ok.count(ast)) {
    ++st.stats.kernels_cached;
  } else {
    ++st.stats.kernels;
    const UOp scalar = lanes_as_loops(ast);
    for (const UOp& u : scalar.toposort()) {
      if (!is_global_access(u) || st.accesses_ok.count(u)) continue;
      ++st.stats.accesses;
      const std::string why = prove_access(st, u);
      if (why.empty()) {
        if (st.accesses_ok.size() >= kMaxCached) st.accesses_ok.clear();
        st.accesses_ok.insert(u);
        continue;
      }
      ++st.stats.findings;
      findings.push_back("kernel " + std::to_string(ast.hash()) + ", access " + access_text(u) + "\n  " + why +
                         "\n  kernel:\n" + to_text(scalar));
    }
    for (std::string& f : prove_stores_locked(st, scalar)) findings.push_back(std::move(f));
    if (findings.empty()) {
      if (st.kernels_ok.size() >= kMaxCached) st.kernels_ok.clear();
      st.kernels_ok.insert(ast);
    }
  }
  st.stats.total_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  return findings;
}

std::vector<std::string> prove_kernel_stores(const UOp& ast) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  const auto t0 = Clock::now();
  std::vector<std::string> findings = prove_stores_locked(st, lanes_as_loops(ast));
  st.stats.total_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  return findings;
}

std::string prove_index_claim(const UOp& claim) {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  if (!st.ctx) st.ctx = std::make_unique<smt::Context>();
  smt::Context& ctx = *st.ctx;
  AccessEncoder ae(ctx);
  const Enc c = ae.encode(claim);
  if (!c.v.is_bool()) return "the claim is not a bool: " + claim.brief();
  const Term goal = smt::and_(smt::not_(c.poison), c.v);
  const smt::CheckResult r =
      ctx.check_valid_reused(smt::implies(smt::and_all(ctx, ae.encoder().assumptions()), goal), ae.shown(), kRlimit);
  if (r.outcome == smt::Outcome::Proved) return "";
  if (r.outcome == smt::Outcome::Refuted) return "refuted; counterexample: " + r.model;
  return "unknown (" + r.reason + ")";
}

OobStats oob_stats() {
  State& st = state();
  std::lock_guard<std::mutex> lock(st.mu);
  return st.stats;
}

std::string oob_stats_text() {
  const OobStats s = oob_stats();
  std::ostringstream os;
  os << "ANVIL_CHECK_OOB: " << s.kernels << " kernel(s) proved (" << s.kernels_cached << " more from the cache), "
     << s.accesses << " access(es): " << s.by_interval << " by intervals, " << s.by_finite << " at every point ("
     << s.finite_points << " points), " << s.by_z3 << " by Z3; " << s.stores
     << " store(s) injective: " << s.stores_by_interval << " by their affine form, " << s.stores_by_z3 << " by Z3; "
     << s.findings << " finding(s); " << s.total_seconds << " s proving, " << s.z3_seconds << " s in Z3 ("
     << s.z3_rlimit << " rlimit units)";
  return os.str();
}

bool install_oob_checker(bool from_env) {
  if (from_env) {
    const char* v = std::getenv("ANVIL_CHECK_OOB");
    if (!v || std::string(v) != "1") return false;
  }
  set_kernel_checker(&abort_on_finding);
  return true;
}

}  // namespace anvil::verify
