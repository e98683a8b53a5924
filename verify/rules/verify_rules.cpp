#include "verify/rules/verify_rules.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>

#include "engine/symbolic/registry.h"
#include "engine/symbolic/simplify.h"
#include "verify/rules/cache.h"
#include "verify/rules/instances.h"

namespace anvil::verify {
namespace {

void progress(const VerifyOptions& opt, const RuleRow& row) {
  if (!opt.progress) return;
  std::fprintf(stderr, "%-8s %-60s %-9s %-8s %7.2fs %s\n", row.set.c_str(), row.rule.c_str(), row.domain.c_str(),
               verdict_name(row.verdict), row.seconds, row.detail.c_str());
}

using Clock = std::chrono::steady_clock;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

RuleRow code_rule_row(const RuleSet& set, const Rule& r, const VerifyOptions& opt) {
  RuleRow row{set.name(), r.name, "instances", r.location(), Verdict::Unknown, ""};
  const auto t0 = Clock::now();
  smt::Context ctx;  // one per rule: a verdict never depends on what was checked before it
  const InstanceCheck c =
      check_code_rule(ctx, r, opt.code_expressions, opt.max_instances, opt.seed, opt.instance_rlimit);
  row.seconds = since(t0);
  row.rlimit_used = c.rlimit_used;
  std::ostringstream d;
  if (c.refuted > 0) {
    row.verdict = Verdict::Refuted;
    d << c.refuted << " of " << c.fired << " instances refuted; first: " << c.counterexample;
  } else if (c.proved == 0) {
    row.verdict = Verdict::Unknown;
    d << "no instance proved (" << c.fired << " fired in " << opt.code_expressions << " generated expressions, "
      << c.unknown << " unknown, " << c.skipped << " not encodable)";
  } else {
    row.verdict = Verdict::Checked;
    d << "checked on " << c.proved << " symbolic instances";
    if (c.unknown || c.skipped) d << " (" << c.unknown << " unknown, " << c.skipped << " not encodable)";
  }
  row.detail = d.str();
  return row;
}

}  // namespace

RulesReport verify_rules(const VerifyOptions& opt) {
  const auto t0 = Clock::now();
  RulesReport report;
  report.z3_version = smt::Context::z3_version();
  VerdictCache cache(opt.cache_path);
  for (const RuleSet* set : all_rule_sets()) {
    for (const Rule& r : set->rules()) {
      if (r.is_code()) {
        report.rows.push_back(code_rule_row(*set, r, opt));
        progress(opt, report.rows.back());
        continue;
      }
      for (Scalar s : proof_dtypes(r.domain, opt.wide)) {
        RuleRow row{set->name(), r.name, name(s), r.location(), Verdict::Unknown, ""};
        const std::string key = VerdictCache::key(set->name(), r, s, report.z3_version);
        const auto t1 = Clock::now();
        ProofResult p;
        const std::optional<ProofResult> hit = cache.find(key);
        if (hit && hit->verdict != Verdict::Unknown) {  // an unknown is tried again
          p = *hit;
          row.cached = true;
        } else {
          smt::Context ctx;  // made only on a cache miss, and fresh, so a verdict has no history
          p = prove_rule(ctx, r, s, opt.rlimit, opt.fuse_ms);
          cache.put(key, p);
        }
        row.seconds = since(t1);
        row.verdict = p.verdict;
        row.detail = p.detail;
        row.rlimit_used = p.rlimit_used;
        report.rows.push_back(std::move(row));
        progress(opt, report.rows.back());
      }
      if (has(r.domain, Domain::Other))
        report.rows.push_back({set->name(), r.name, to_string(Domain::Other), r.location(), Verdict::NotEncoded,
                               "the " + to_string(Domain::Other) + " domain is not encoded yet"});
    }
  }
  cache.save();
  std::vector<std::pair<std::string, const RuleSet*>> sets;
  for (const RuleSet* set : all_rule_sets()) sets.emplace_back(set->name(), set);
  sets.emplace_back("all (simplify)", &symbolic_rules());
  for (const auto& [label, set] : sets) {
    const FixedPointCheck f = check_fixed_point(*set, opt.termination_expressions, opt.seed);
    report.termination.push_back({label, find_reduction_order(*set), f.instances, f.fixed_points, f.max_rewrites});
    if (opt.progress)
      std::fprintf(stderr, "termination %s: %s; %d/%d at a fixed point\n", label.c_str(),
                   order_text(report.termination.back().order).c_str(), f.fixed_points, f.instances);
  }
  report.seconds = since(t0);
  return report;
}

Summary summarize(const RulesReport& r) {
  Summary s;
  for (const RuleRow& row : r.rows) {
    switch (row.verdict) {
      case Verdict::Proved:
        ++s.proved;
        s.vacuous += row.detail.rfind("vacuous", 0) == 0;
        break;
      case Verdict::Refuted: ++s.refuted; break;
      case Verdict::Unknown: ++s.unknown; break;
      case Verdict::Checked: ++s.checked; break;
      case Verdict::NotEncoded: ++s.not_encoded; break;
    }
  }
  return s;
}

std::string summary_text(const RulesReport& r) {
  std::map<std::string, std::map<std::string, int>> by_domain;
  for (const RuleRow& row : r.rows) ++by_domain[row.domain][verdict_name(row.verdict)];
  std::ostringstream out;
  out << "verdicts per dtype (proved / REFUTED / unknown / checked / not-encoded):\n";
  for (const auto& [domain, counts] : by_domain) {
    auto get = [&c = counts](const char* k) {
      auto it = c.find(k);
      return it == c.end() ? 0 : it->second;
    };
    out << "  " << domain << ": " << get("proved") << " / " << get("REFUTED") << " / " << get("unknown") << " / "
        << get("checked") << " / " << get("not-encoded") << "\n";
  }
  const Summary s = summarize(r);
  const int total = s.total_proof_rows();
  out << "total: " << s.proved << " proved (" << s.vacuous << " vacuous: the rule never fires in that dtype), "
      << s.refuted << " refuted, " << s.unknown << " unknown, " << s.checked << " code rules checked on instances, "
      << s.not_encoded << " not encoded (other domain)\n";
  out << "unknown share: " << s.unknown << "/" << total << " = " << (total ? 100.0 * s.unknown / total : 0.0)
      << "% (bar: <= 10%)\n";
  for (const RuleRow& row : r.rows)
    if (row.verdict == Verdict::Unknown)
      out << "  unknown: " << row.rule << " [" << row.domain << "]: " << row.detail << "\n";
  for (const RuleRow& row : r.rows)
    if (row.verdict == Verdict::Refuted)
      out << "  REFUTED: " << row.set << ": " << row.rule << " [" << row.domain << "] at " << row.location << ": "
          << row.detail << "\n";
  out << "termination (a reduction order where one exists; the bounded rewriting check always):\n";
  for (const TerminationRow& t : r.termination)
    out << "  " << t.set << ": " << order_text(t.order) << "; bounded check: " << t.fixed_points << "/" << t.instances
        << " instances at a fixed point, max " << t.max_rewrites << " rewrites\n";
  out << "z3 " << r.z3_version << ", " << r.seconds << " s\n";
  return out.str();
}

}  // namespace anvil::verify
