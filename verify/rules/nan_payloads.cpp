#include "verify/rules/nan_payloads.h"

#include <array>
#include <cstdio>
#include <optional>

#include "engine/ir/alu.h"
#include "engine/rewrite/rule.h"
#include "engine/runtime/interp/eval.h"
#include "engine/support/error.h"
#include "engine/symbolic/registry.h"

namespace anvil::verify {
namespace {

// A quiet NaN of s with `payload` in its low mantissa bits and the given sign.
uint64_t nan_bits(Scalar s, uint64_t payload, bool negative) {
  const int width = bits(s);
  const int mant = s == Scalar::Float64 ? 52 : s == Scalar::Float32 ? 23 : s == Scalar::Float16 ? 10 : 7;
  const uint64_t exp_all = ((uint64_t{1} << (width - 1 - mant)) - 1) << mant;
  const uint64_t quiet = uint64_t{1} << (mant - 1);
  const uint64_t low = payload & (quiet - 1);
  return (negative ? uint64_t{1} << (width - 1) : 0) | exp_all | quiet | low;
}

std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The left side as a constant expression: wildcard slot i holds in[i] (floats) or `truth` (bools).
// nullopt for left sides this check does not build (CAST, folds): Z3's proof covers them alone.
class Instance {
 public:
  Instance(Scalar s, std::array<uint64_t, kPatSlots> in, bool truth) : s_(s), in_(in), truth_(truth) {}

  std::optional<UOp> lhs(const Pat& p, Scalar want) {
    switch (p.kind()) {
      case PatKind::Wild:
      case PatKind::ConstWild: {
        UOp& b = bound_[p.slot()];
        if (!b) {
          b = want == Scalar::Bool ? UOp::constant(dtypes::bool_, truth_ ? 1 : 0)
                                   : value_const(DType(want), value_from_bits(want, in_[p.slot()]));
          inputs_ += (inputs_.empty() ? "" : ", ") + p.name() + " = " + hex(value_bits(want, const_value(b)));
        }
        if (b.dtype().scalar != want) return std::nullopt;
        return b;
      }
      case PatKind::Literal: return UOp::constant(DType(want), p.literal());
      case PatKind::Node: break;
      default: return std::nullopt;
    }
    const Op op = p.op();
    if (op == Op::CAST) return std::nullopt;
    const bool cmp = in_group(op, opgroup::Compare);
    if (cmp && want != Scalar::Bool) return std::nullopt;
    std::vector<UOp> src;
    for (size_t i = 0; i < p.src().size(); ++i) {
      const Scalar t = cmp ? s_ : (op == Op::WHERE && i == 0) ? Scalar::Bool : want;
      std::optional<UOp> u = lhs(p.src(i), t);
      if (!u) return std::nullopt;
      src.push_back(*u);
    }
    return UOp::make(op, DType(cmp ? Scalar::Bool : want), std::move(src));
  }
  const std::string& inputs() const { return inputs_; }

 private:
  Scalar s_;
  std::array<uint64_t, kPatSlots> in_;
  bool truth_;
  std::array<UOp, kPatSlots> bound_;
  std::string inputs_;
};

// The input assignments: all NaNs (distinct payloads, both sign orders), then one NaN at a time
// among ordinary values (so x + 0 with x NaN is seen).
std::vector<std::pair<std::array<uint64_t, kPatSlots>, bool>> assignments(Scalar s) {
  std::vector<std::pair<std::array<uint64_t, kPatSlots>, bool>> out;
  std::array<uint64_t, kPatSlots> a{}, b{};
  for (int i = 0; i < kPatSlots; ++i) {
    a[i] = nan_bits(s, static_cast<uint64_t>(i + 1), i % 2 == 1);
    b[i] = nan_bits(s, static_cast<uint64_t>(kPatSlots - i + 8), i % 2 == 0);
  }
  out.emplace_back(a, true);
  out.emplace_back(b, false);
  const uint64_t two =
      value_bits(s, exec_alu(Op::CAST, s, std::array{Scalar::Float64}, std::array{Value::of_float(2.0)}));
  for (int k = 0; k < kPatSlots; ++k) {
    std::array<uint64_t, kPatSlots> c{};
    c.fill(two);
    c[k] = nan_bits(s, static_cast<uint64_t>(k + 3), k % 2 == 0);
    out.emplace_back(c, k % 2 == 0);
  }
  return out;
}

}  // namespace

PayloadReport check_nan_payloads(const std::vector<Scalar>& dtypes) {
  PayloadReport report;
  for (const RuleSet* set : all_rule_sets()) {
    for (const Rule& r : set->rules()) {
      if (r.is_code() || !has(r.domain, Domain::Float)) continue;
      ++report.rules;
      for (Scalar s : dtypes) {
        const bool cmp_root = r.lhs.kind() == PatKind::Node && in_group(r.lhs.op(), opgroup::Compare);
        for (const auto& [in, truth] : assignments(s)) {
          Instance inst(s, in, truth);
          const std::optional<UOp> lhs = inst.lhs(r.lhs, cmp_root ? Scalar::Bool : s);
          if (!lhs) break;  // not buildable in this dtype: no assignment will be
          Bindings b{};
          if (!match(r.lhs, *lhs, b)) continue;
          const UOp rhs = apply_rule(r, *lhs, b);
          if (!rhs) continue;
          Value lv, rv;
          try {
            lv = interp::eval(*lhs, {});
            rv = interp::eval(rhs, {});
          } catch (const Error&) {
            continue;  // an op exec_alu does not define on this dtype
          }
          ++report.instances;
          if (lv.poison) continue;  // refinement: a poison left side allows anything
          const Scalar out = lhs->dtype().scalar;
          const uint64_t lb = value_bits(out, lv), rb = rv.poison ? ~uint64_t{0} : value_bits(out, rv);
          if (lb == rb && !rv.poison) continue;
          report.changes.push_back({set->name(), r.name, s, inst.inputs(), lb, rb});
          break;  // one instance per rule and dtype is enough to name it
        }
      }
    }
  }
  return report;
}

}  // namespace anvil::verify
