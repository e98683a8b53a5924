#include "engine/symbolic/terms.h"

#include <algorithm>

namespace anvil {
namespace {

// An index node whose bounds are the whole of int64 may be a saturated (overflowing) bound.
bool may_overflow(const UOp& u) {
  return u.dtype().scalar == Scalar::Index && u.vmin() == int_min(Scalar::Index) && u.vmax() == int_max(Scalar::Index);
}

void add_term(Sum& s, const UOp& base, __int128 coeff, bool& ok) {
  for (Term& t : s.terms)
    if (t.base == base) {
      t.coeff += coeff;
      ok = ok && normalize(s.dtype, t.coeff);
      return;
    }
  s.terms.push_back({base, coeff});
}

}  // namespace

bool normalize(const DType& dt, __int128& v) {
  if (dt.scalar == Scalar::Index) return v >= int_min(Scalar::Index) && v <= int_max(Scalar::Index);
  v = wrap_int(dt.scalar, v);
  return true;
}

std::optional<Sum> decompose(const UOp& e) {
  Sum s{e.dtype(), {}, 0};
  bool ok = true;
  std::vector<UOp> work{e};
  while (!work.empty() && ok) {
    UOp u = work.back();
    work.pop_back();
    if (u.op() == Op::ADD) {
      work.push_back(u.src(1));  // popped after src(0): terms keep their left-to-right order
      work.push_back(u.src(0));
    } else if (u.op() == Op::CONST) {
      s.constant += u.const_int();
      ok = normalize(s.dtype, s.constant);
    } else if (u.op() == Op::MUL && u.src(1).op() == Op::CONST) {
      add_term(s, u.src(0), u.src(1).const_int(), ok);
    } else if (u.op() == Op::MUL && u.src(0).op() == Op::CONST) {
      add_term(s, u.src(1), u.src(0).const_int(), ok);
    } else {
      add_term(s, u, 1, ok);
    }
  }
  if (!ok) return std::nullopt;
  std::erase_if(s.terms, [](const Term& t) { return t.coeff == 0; });
  return s;
}

UOp rebuild(Sum s) {
  std::erase_if(s.terms, [](const Term& t) { return t.coeff == 0; });
  std::stable_sort(s.terms.begin(), s.terms.end(),
                   [](const Term& a, const Term& b) { return structural_less(a.base, b.base); });
  UOp out;
  bool ok = true;
  auto check = [&](const UOp& u) {
    ok = ok && !may_overflow(u);
    return u;
  };
  for (const Term& t : s.terms) {
    UOp term = t.coeff == 1 ? t.base : check(t.base * UOp::constant(s.dtype, static_cast<int64_t>(t.coeff)));
    out = out ? check(out + term) : term;
  }
  if (s.constant != 0 || !out) {
    UOp c = UOp::constant(s.dtype, static_cast<int64_t>(s.constant));
    out = out ? check(out + c) : c;
  }
  return ok ? out : UOp();
}

}  // namespace anvil
