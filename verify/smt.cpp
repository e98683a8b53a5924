#include "verify/smt.h"

#include <z3++.h>

#include <cmath>
#include <cstdio>

namespace anvil::smt {

struct TermRep {
  z3::expr e;
};

struct Context::Impl {
  z3::context z;
  std::optional<z3::solver> reused;  // check_valid_reused's, made at its first call
  uint64_t rlimit_seen = 0;          // Z3 counts resources per context: a check's use is the difference
};

struct TermAccess {
  static Term make(z3::expr e) { return Term(std::make_shared<const TermRep>(TermRep{std::move(e)})); }
  static z3::context& z(Context& c) { return c.impl_->z; }
};

namespace {

const z3::expr& E(const Term& t) { return t.rep().e; }
Term T(z3::expr e) { return TermAccess::make(std::move(e)); }

std::string int128_text(__int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  unsigned __int128 m = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  for (; m != 0; m /= 10) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
  return negative ? "-" + s : s;
}

// A decimal numeral (with an optional '-') as __int128; nullopt when it does not fit.
std::optional<__int128> parse_int128(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const bool negative = s[0] == '-';
  unsigned __int128 m = 0;
  for (size_t i = negative ? 1 : 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    const unsigned __int128 next = m * 10 + static_cast<unsigned>(s[i] - '0');
    if (next / 10 != m) return std::nullopt;
    m = next;
  }
  if (m > (static_cast<unsigned __int128>(1) << 127)) return std::nullopt;
  return negative ? static_cast<__int128>(-m) : static_cast<__int128>(m);
}

// A floating-point numeral as a decimal (exact for every format up to double), with its bits.
std::string fp_text(const z3::expr& v) {
  z3::context& c = v.ctx();
  if (Z3_fpa_is_numeral_nan(c, v)) return "NaN";
  const unsigned eb = v.get_sort().fpa_ebits(), sb = v.get_sort().fpa_sbits();
  const z3::expr bits = z3::expr(c, Z3_mk_fpa_to_ieee_bv(c, v)).simplify();
  std::optional<__int128> raw;
  if (bits.is_numeral()) raw = parse_int128(bits.get_decimal_string(0));
  if (!raw || eb + sb > 64) return v.to_string();
  const auto u = static_cast<uint64_t>(*raw);
  const uint64_t man = u & ((uint64_t{1} << (sb - 1)) - 1), ex = (u >> (sb - 1)) & ((uint64_t{1} << eb) - 1);
  const bool negative = (u >> (eb + sb - 1)) & 1;
  const int bias = (1 << (eb - 1)) - 1;
  double mag;
  if (ex == (uint64_t{1} << eb) - 1) {
    mag = INFINITY;
  } else if (ex == 0) {
    mag = std::ldexp(static_cast<double>(man), 1 - bias - static_cast<int>(sb - 1));
  } else {
    mag = std::ldexp(static_cast<double>(man | (uint64_t{1} << (sb - 1))),
                     static_cast<int>(ex) - bias - static_cast<int>(sb - 1));
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g (0x%llx)", negative ? -mag : mag, static_cast<unsigned long long>(u));
  return buf;
}

std::string model_value(const z3::expr& v, bool is_signed) {
  if (v.is_fpa()) return fp_text(v);
  if (v.is_bool()) return v.is_true() ? "true" : v.is_false() ? "false" : v.to_string();
  if (!v.is_numeral()) return v.to_string();
  const std::string text = v.get_decimal_string(0);
  if (!v.is_bv() || !is_signed) return text;
  std::optional<__int128> u = parse_int128(text);
  const unsigned width = v.get_sort().bv_size();
  if (!u || width >= 127) return text;
  const __int128 half = static_cast<__int128>(1) << (width - 1);
  return int128_text(*u >= half ? *u - 2 * half : *u);
}

}  // namespace

std::string Term::text() const { return E(*this).to_string(); }
bool Term::is_bool() const { return E(*this).is_bool(); }
bool Term::is_int() const { return E(*this).is_int(); }
bool Term::is_bv() const { return E(*this).is_bv(); }
int Term::width() const { return static_cast<int>(E(*this).get_sort().bv_size()); }
bool Term::is_fp() const { return E(*this).is_fpa(); }

Context::Context() : impl_(std::make_unique<Impl>()) {}
Context::~Context() = default;

Term Context::int_val(__int128 v) { return T(impl_->z.int_val(int128_text(v).c_str())); }
Term Context::int_var(const std::string& name) { return T(impl_->z.int_const(name.c_str())); }
Term Context::bv_val(__int128 v, int width) {
  const unsigned __int128 mask =
      width >= 128 ? ~static_cast<unsigned __int128>(0) : (static_cast<unsigned __int128>(1) << width) - 1;
  const auto u = static_cast<unsigned __int128>(v) & mask;
  std::string s;
  unsigned __int128 m = u;
  if (m == 0) s = "0";
  for (; m != 0; m /= 10) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(m % 10)));
  return T(impl_->z.bv_val(s.c_str(), static_cast<unsigned>(width)));
}
Term Context::bv_var(const std::string& name, int width) {
  return T(impl_->z.bv_const(name.c_str(), static_cast<unsigned>(width)));
}
Term Context::bool_val(bool v) { return T(impl_->z.bool_val(v)); }
Term Context::bool_var(const std::string& name) { return T(impl_->z.bool_const(name.c_str())); }
Term Context::fp_bits(uint64_t bits, int ebits, int sbits) {
  z3::context& z = impl_->z;
  const auto width = static_cast<unsigned>(ebits + sbits);
  const z3::expr bv = z.bv_val(static_cast<uint64_t>(width >= 64 ? bits : bits & ((uint64_t{1} << width) - 1)), width);
  return T(
      z3::expr(z, Z3_mk_fpa_to_fp_bv(z, bv, z.fpa_sort(static_cast<unsigned>(ebits), static_cast<unsigned>(sbits)))));
}
Term Context::fp_var(const std::string& name, int ebits, int sbits) {
  return T(impl_->z.fpa_const(name.c_str(), static_cast<unsigned>(ebits), static_cast<unsigned>(sbits)));
}
Term Context::fp_nan(int ebits, int sbits) {
  return T(impl_->z.fpa_nan(impl_->z.fpa_sort(static_cast<unsigned>(ebits), static_cast<unsigned>(sbits))));
}

namespace {

// Checks ¬formula on `s` (its parameters already set): the verdict, a model's shown terms, and the
// resources this check used.
CheckResult run_check(z3::solver& s, uint64_t& rlimit_seen, const Term& formula, const std::vector<Shown>& show,
                      unsigned fuse_ms) {
  CheckResult out;
  s.add(!E(formula));
  const z3::check_result r = s.check();
  const z3::stats st = s.statistics();
  for (unsigned i = 0; i < st.size(); ++i) {
    if (st.key(i) != "rlimit count") continue;
    const uint64_t count = st.is_uint(i) ? st.uint_value(i) : static_cast<uint64_t>(st.double_value(i));
    out.rlimit_used = count >= rlimit_seen ? count - rlimit_seen : count;
    rlimit_seen = count;
  }
  if (r == z3::unsat) {
    out.outcome = Outcome::Proved;
  } else if (r == z3::sat) {
    out.outcome = Outcome::Refuted;
    const z3::model m = s.get_model();
    for (const Shown& sh : show) {
      if (!out.model.empty()) out.model += ", ";
      out.model += sh.label + " = " + model_value(m.eval(E(sh.term), true), sh.is_signed);
    }
  } else {
    out.outcome = Outcome::Unknown;
    out.reason = s.reason_unknown();
    if (out.reason == "canceled" || out.reason == "timeout")
      out.reason +=
          " (the rlimit, or the " + std::to_string(fuse_ms / 1000) + " s fuse of a search that stopped counting)";
  }
  return out;
}

void set_limits(z3::context& z, z3::solver& s, uint64_t rlimit, unsigned fuse_ms) {
  z3::params p(z);
  p.set("rlimit", static_cast<unsigned>(rlimit));  // counted from the check's start
  p.set("timeout", fuse_ms ? fuse_ms : 4294967295U);
  s.set(p);
}

}  // namespace

CheckResult Context::check_valid(const Term& formula, const std::vector<Shown>& show, uint64_t rlimit,
                                 unsigned fuse_ms) {
  try {
    z3::solver s(impl_->z);
    set_limits(impl_->z, s, rlimit, fuse_ms);
    return run_check(s, impl_->rlimit_seen, formula, show, fuse_ms);
  } catch (const z3::exception& e) {
    CheckResult out;
    out.reason = std::string("z3: ") + e.msg();
    return out;
  }
}

CheckResult Context::check_valid_reused(const Term& formula, const std::vector<Shown>& show, uint64_t rlimit,
                                        unsigned fuse_ms) {
  try {
    if (!impl_->reused) impl_->reused.emplace(impl_->z);
    z3::solver& s = *impl_->reused;
    set_limits(impl_->z, s, rlimit, fuse_ms);
    s.push();
    CheckResult out = run_check(s, impl_->rlimit_seen, formula, show, fuse_ms);
    s.pop();
    return out;
  } catch (const z3::exception& e) {
    impl_->reused.reset();  // its scopes may be unbalanced now: the next call starts afresh
    CheckResult out;
    out.reason = std::string("z3: ") + e.msg();
    return out;
  }
}

std::optional<__int128> Context::eval_ground(const Term& t) {
  const z3::expr v = E(t).simplify();
  if (v.is_bool()) {
    if (v.is_true()) return 1;
    if (v.is_false()) return 0;
    return std::nullopt;
  }
  if (!v.is_numeral()) return std::nullopt;
  return parse_int128(v.get_decimal_string(0));
}

std::string Context::z3_version() {
  unsigned major = 0, minor = 0, build = 0, rev = 0;
  Z3_get_version(&major, &minor, &build, &rev);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%u.%u.%u", major, minor, build);
  return buf;
}

std::optional<__int128> numeral(const Term& t) {
  if (!E(t).is_numeral()) return std::nullopt;
  return parse_int128(E(t).get_decimal_string(0));
}

Term add(const Term& a, const Term& b) { return T(E(a) + E(b)); }
Term sub(const Term& a, const Term& b) { return T(E(a) - E(b)); }
Term mul(const Term& a, const Term& b) { return T(E(a) * E(b)); }
Term neg(const Term& a) { return T(-E(a)); }
Term eq(const Term& a, const Term& b) { return T(E(a) == E(b)); }
Term ite(const Term& c, const Term& a, const Term& b) { return T(z3::ite(E(c), E(a), E(b))); }
Term and_(const Term& a, const Term& b) { return T(E(a) && E(b)); }
Term or_(const Term& a, const Term& b) { return T(E(a) || E(b)); }
Term xor_(const Term& a, const Term& b) { return T(E(a) != E(b)); }
Term not_(const Term& a) { return T(!E(a)); }
Term implies(const Term& a, const Term& b) { return T(z3::implies(E(a), E(b))); }
Term and_all(Context& ctx, const std::vector<Term>& terms) {
  z3::expr_vector v(TermAccess::z(ctx));
  for (const Term& t : terms) v.push_back(E(t));
  return T(z3::mk_and(v));
}
Term lt(const Term& a, const Term& b) { return T(E(a) < E(b)); }
Term le(const Term& a, const Term& b) { return T(E(a) <= E(b)); }
Term ediv(const Term& a, const Term& b) { return T(E(a) / E(b)); }
Term emod(const Term& a, const Term& b) { return T(z3::mod(E(a), E(b))); }
Term slt(const Term& a, const Term& b) { return T(z3::slt(E(a), E(b))); }
Term sle(const Term& a, const Term& b) { return T(z3::sle(E(a), E(b))); }
Term ult(const Term& a, const Term& b) { return T(z3::ult(E(a), E(b))); }
Term ule(const Term& a, const Term& b) { return T(z3::ule(E(a), E(b))); }
Term sdiv(const Term& a, const Term& b) { return T(E(a) / E(b)); }  // z3++: `/` on bit-vectors is bvsdiv
Term srem(const Term& a, const Term& b) { return T(z3::srem(E(a), E(b))); }
Term smod(const Term& a, const Term& b) { return T(z3::smod(E(a), E(b))); }
Term udiv(const Term& a, const Term& b) { return T(z3::udiv(E(a), E(b))); }
Term urem(const Term& a, const Term& b) { return T(z3::urem(E(a), E(b))); }
Term shl(const Term& a, const Term& b) { return T(z3::shl(E(a), E(b))); }
Term ashr(const Term& a, const Term& b) { return T(z3::ashr(E(a), E(b))); }
Term lshr(const Term& a, const Term& b) { return T(z3::lshr(E(a), E(b))); }
Term band(const Term& a, const Term& b) { return T(E(a) & E(b)); }
Term bor(const Term& a, const Term& b) { return T(E(a) | E(b)); }
Term bxor(const Term& a, const Term& b) { return T(E(a) ^ E(b)); }
Term bnot(const Term& a) { return T(~E(a)); }
Term sext(const Term& a, int extra) { return T(z3::sext(E(a), static_cast<unsigned>(extra))); }
Term zext(const Term& a, int extra) { return T(z3::zext(E(a), static_cast<unsigned>(extra))); }
Term extract(const Term& a, int hi, int lo) {
  return T(E(a).extract(static_cast<unsigned>(hi), static_cast<unsigned>(lo)));
}
Term add_exact(const Term& a, const Term& b) {
  return T(z3::bvadd_no_overflow(E(a), E(b), true) && z3::bvadd_no_underflow(E(a), E(b)));
}
Term sub_exact(const Term& a, const Term& b) {
  return T(z3::bvsub_no_overflow(E(a), E(b)) && z3::bvsub_no_underflow(E(a), E(b), true));
}
Term mul_exact(const Term& a, const Term& b) {
  return T(z3::bvmul_no_overflow(E(a), E(b), true) && z3::bvmul_no_underflow(E(a), E(b)));
}
Term int2bv(const Term& a, int width) { return T(z3::int2bv(static_cast<unsigned>(width), E(a))); }
Term bv2int(const Term& a, bool is_signed) { return T(z3::bv2int(E(a), is_signed)); }

namespace {
// The C API with an explicit rounding mode: z3++'s operators read a mutable per-context mode.
z3::expr rne(const z3::expr& a) { return z3::expr(a.ctx(), Z3_mk_fpa_rne(a.ctx())); }
z3::expr rtz(const z3::expr& a) { return z3::expr(a.ctx(), Z3_mk_fpa_rtz(a.ctx())); }
Term fp_op(const Term& a, const Term& b, Z3_ast (*f)(Z3_context, Z3_ast, Z3_ast, Z3_ast)) {
  const z3::expr& x = E(a);
  return T(z3::expr(x.ctx(), f(x.ctx(), rne(x), x, E(b))));
}
Term fp_pred(const Term& a, const Term& b, Z3_ast (*f)(Z3_context, Z3_ast, Z3_ast)) {
  const z3::expr& x = E(a);
  return T(z3::expr(x.ctx(), f(x.ctx(), x, E(b))));
}
Term fp_test(const Term& a, Z3_ast (*f)(Z3_context, Z3_ast)) {
  const z3::expr& x = E(a);
  return T(z3::expr(x.ctx(), f(x.ctx(), x)));
}
}  // namespace

Term fp_add(const Term& a, const Term& b) { return fp_op(a, b, Z3_mk_fpa_add); }
Term fp_sub(const Term& a, const Term& b) { return fp_op(a, b, Z3_mk_fpa_sub); }
Term fp_mul(const Term& a, const Term& b) { return fp_op(a, b, Z3_mk_fpa_mul); }
Term fp_div(const Term& a, const Term& b) { return fp_op(a, b, Z3_mk_fpa_div); }
Term fp_neg(const Term& a) { return fp_test(a, Z3_mk_fpa_neg); }
Term fp_sqrt(const Term& a) {
  const z3::expr& x = E(a);
  return T(z3::expr(x.ctx(), Z3_mk_fpa_sqrt(x.ctx(), rne(x), x)));
}
Term fp_trunc(const Term& a) {
  const z3::expr& x = E(a);
  return T(z3::expr(x.ctx(), Z3_mk_fpa_round_to_integral(x.ctx(), rtz(x), x)));
}
Term fp_lt(const Term& a, const Term& b) { return fp_pred(a, b, Z3_mk_fpa_lt); }
Term fp_le(const Term& a, const Term& b) { return fp_pred(a, b, Z3_mk_fpa_leq); }
Term fp_feq(const Term& a, const Term& b) { return fp_pred(a, b, Z3_mk_fpa_eq); }
Term fp_is_nan(const Term& a) { return fp_test(a, Z3_mk_fpa_is_nan); }
Term fp_is_zero(const Term& a) { return fp_test(a, Z3_mk_fpa_is_zero); }
Term fp_is_negative(const Term& a) { return fp_test(a, Z3_mk_fpa_is_negative); }
Term fp_to_fp(const Term& a, int ebits, int sbits) {
  const z3::expr& x = E(a);
  const z3::sort s = x.ctx().fpa_sort(static_cast<unsigned>(ebits), static_cast<unsigned>(sbits));
  return T(z3::expr(x.ctx(), Z3_mk_fpa_to_fp_float(x.ctx(), rne(x), x, s)));
}
Term fp_from_bv(const Term& a, bool is_signed, int ebits, int sbits) {
  const z3::expr& x = E(a);
  const z3::sort s = x.ctx().fpa_sort(static_cast<unsigned>(ebits), static_cast<unsigned>(sbits));
  return T(z3::expr(x.ctx(), is_signed ? Z3_mk_fpa_to_fp_signed(x.ctx(), rne(x), x, s)
                                       : Z3_mk_fpa_to_fp_unsigned(x.ctx(), rne(x), x, s)));
}
Term fp_to_bv(const Term& a, bool is_signed, int width) {
  const z3::expr& x = E(a);
  const auto w = static_cast<unsigned>(width);
  return T(
      z3::expr(x.ctx(), is_signed ? Z3_mk_fpa_to_sbv(x.ctx(), rtz(x), x, w) : Z3_mk_fpa_to_ubv(x.ctx(), rtz(x), x, w)));
}

}  // namespace anvil::smt
