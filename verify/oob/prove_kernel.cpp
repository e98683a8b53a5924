#include "verify/oob/prove_kernel.h"

#include <chrono>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "engine/ir/text.h"
#include "engine/runtime/kernel_check.h"
#include "engine/support/check.h"
#include "engine/support/error.h"
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

bool is_global_access(const UOp& u) {
  return u.op() == Op::INDEX && u.src().size() >= 2 && u.src(0).op() == Op::DEFINE_GLOBAL;
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
  explicit AccessEncoder(smt::Context& ctx) : enc_(ctx) {}

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
      return bounded_var(u, name, true);
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
    return bounded_var(u, "v" + std::to_string(opaque_++), false);
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
  const smt::CheckResult r = ctx.check_valid(claim, show, kRlimit);
  st.stats.z3_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  if (r.outcome == smt::Outcome::Proved) return "";
  if (r.outcome == smt::Outcome::Refuted) return "out of bounds or overflowing; counterexample: " + r.model;
  return "unknown (" + r.reason + ")";
}

void abort_on_finding(const UOp& ast) {
  const std::vector<std::string> findings = prove_kernel_bounds(ast);
  if (findings.empty()) return;
  std::ostringstream os;
  for (const std::string& f : findings) os << "\n" << f;
  ANVIL_CHECK(false) << "ANVIL_CHECK_OOB: " << findings.size() << " access(es) not proved in bounds:" << os.str();
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
    for (const UOp& u : ast.toposort()) {
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
                         "\n  kernel:\n" + to_text(ast));
    }
    if (findings.empty()) {
      if (st.kernels_ok.size() >= kMaxCached) st.kernels_ok.clear();
      st.kernels_ok.insert(ast);
    }
  }
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
      ctx.check_valid(smt::implies(smt::and_all(ctx, ae.encoder().assumptions()), goal), ae.shown(), kRlimit);
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
     << s.accesses << " access(es): " << s.by_interval << " by intervals, " << s.by_z3 << " by Z3; " << s.findings
     << " finding(s); " << s.total_seconds << " s proving, " << s.z3_seconds << " s in Z3";
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
