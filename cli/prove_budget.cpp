#ifdef ANVIL_HAVE_Z3
#include "cli/prove_budget.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "engine/support/hash.h"
#include "engine/support/mutant.h"
#include "engine/symbolic/simplify.h"
#include "verify/rules/cache.h"
#include "verify/rules/instances.h"

namespace fs = std::filesystem;

namespace anvil::cli {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

constexpr const char* kNotProven = "not proven this run (budget)";

std::string hex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string file_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The proof code's version: a hash of its sources (tests aside), so any change to the encoding,
// the prover or the instance checker invalidates every cached verdict.
std::string proof_code_hash(const std::string& source_dir) {
  static const std::string hash = [&] {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const char* dir : {"verify/rules", "verify"})
      for (const auto& e : fs::directory_iterator(fs::path(source_dir) / dir, ec)) {
        const std::string name = e.path().filename().string();
        const bool source = e.path().extension() == ".cpp" || e.path().extension() == ".h";
        if (e.is_regular_file() && source && name.find("_test") == std::string::npos &&
            (std::string(dir) == "verify/rules" || name.rfind("smt", 0) == 0))
          files.push_back(e.path());
      }
    std::sort(files.begin(), files.end());
    uint64_t h = 0;
    for (const fs::path& f : files) h = hash_bytes(file_text(f), h ^ hash_bytes(f.filename().string()));
    return files.empty() ? std::string("unknown") : hex(h);
  }();
  return hash;
}

// A code rule's body cannot be printed: its key holds the hash of the file that defines it.
std::string code_source_hash(const Rule& r, const std::string& source_dir) {
  // __FILE__ is as the compiler saw it: absolute, or relative to the build folder ("../../engine/..").
  std::string file = r.file ? r.file : "";
  while (file.rfind("../", 0) == 0 || file.rfind("./", 0) == 0) file.erase(0, file.find('/') + 1);
  fs::path p(file);
  if (p.is_relative()) p = fs::path(source_dir) / p;
  const std::string text = file_text(p);
  return text.empty() ? "" : hex(hash_bytes(text));
}

}  // namespace

std::string proof_key(const std::string& set, const Rule& r, const std::string& domain, const std::string& z3_version,
                      const std::string& source_dir) {
  const std::string proof = " | proof " + proof_code_hash(source_dir);
  // A table rule's verdict is a function of its printed text, which a change to the rule changes, so
  // a run proves the rules a change touched first, as it would after an edit to the table.
  if (!r.is_code()) {
    for (Scalar s : verify::proof_dtypes(r.domain, true))
      if (name(s) == domain) return verify::VerdictCache::key(set, r, s, z3_version) + proof;
    return "";
  }
  const std::string source = code_source_hash(r, source_dir);
  if (source.empty()) return "";  // unknown code: never cached
  // An injected bug (ci/mutants) changes what a code rule does at run time, not its file: never share
  // those verdicts between mutants.
  const std::string mutant = active_mutant() ? " | mutant " + std::to_string(active_mutant()) : std::string();
  return set + " | " + r.name + " | code " + source + " | instances | z3 " + z3_version + proof + mutant;
}

BudgetedRules prove_rules_within(const std::vector<const RuleSet*>& sets, const verify::VerifyOptions& opt,
                                 double budget_s, bool cached_only, const std::string& source_dir) {
  const auto t0 = Clock::now();
  BudgetedRules out;
  verify::RulesReport& report = out.report;
  report.z3_version = smt::Context::z3_version();
  verify::VerdictCache cache(opt.cache_path);
  auto time_left = [&] { return !cached_only && (budget_s <= 0 || since(t0) < budget_s); };
  auto add = [&](verify::RuleRow row, bool skipped) {
    if (opt.progress)
      std::fprintf(stderr, "%-8s %-60s %-9s %-8s %7.2fs %s\n", row.set.c_str(), row.rule.c_str(), row.domain.c_str(),
                   skipped ? "budget" : verify::verdict_name(row.verdict), row.seconds, row.detail.c_str());
    report.rows.push_back(std::move(row));
    out.skipped.push_back(skipped);
    out.not_proven += skipped;
  };
  // Every proof to make, in report order; each is decided in one of two passes, then reported in order.
  struct Job {
    verify::RuleRow row;
    const Rule* rule = nullptr;
    std::function<verify::ProofResult()> prove;  // empty: a row with no proof (not encoded)
    bool done = false, skipped = false;
  };
  std::vector<Job> jobs;
  for (const RuleSet* set : sets)
    for (const Rule& r : set->rules()) {
      if (r.is_code()) {
        jobs.push_back({{set->name(), r.name, "instances", r.location(), verify::Verdict::Unknown, ""}, &r, [&opt, &r] {
                          smt::Context ctx;  // one per rule: a verdict never depends on what was checked before it
                          const verify::InstanceCheck c = verify::check_code_rule(
                              ctx, r, opt.code_expressions, opt.max_instances, opt.seed, opt.instance_rlimit);
                          std::ostringstream d;
                          verify::ProofResult p{verify::Verdict::Checked, "", c.rlimit_used};
                          if (c.refuted > 0) {
                            p.verdict = verify::Verdict::Refuted;
                            d << c.refuted << " of " << c.fired << " instances refuted; first: " << c.counterexample;
                          } else if (c.proved == 0) {
                            p.verdict = verify::Verdict::Unknown;
                            d << "no instance proved (" << c.fired << " fired in " << opt.code_expressions
                              << " generated expressions, " << c.unknown << " unknown, " << c.skipped
                              << " not encodable)";
                          } else {
                            d << "checked on " << c.proved << " symbolic instances";
                            if (c.unknown || c.skipped)
                              d << " (" << c.unknown << " unknown, " << c.skipped << " not encodable)";
                          }
                          p.detail = d.str();
                          return p;
                        }});
        continue;
      }
      for (Scalar s : verify::proof_dtypes(r.domain, opt.wide))
        jobs.push_back({{set->name(), r.name, name(s), r.location(), verify::Verdict::Unknown, ""}, &r, [&opt, &r, s] {
                          smt::Context ctx;  // fresh, so a verdict has no history
                          return verify::prove_rule(ctx, r, s, opt.rlimit, opt.fuse_ms);
                        }});
      if (has(r.domain, Domain::Other))
        jobs.push_back({{set->name(), r.name, to_string(Domain::Other), r.location(), verify::Verdict::NotEncoded,
                         "the " + to_string(Domain::Other) + " domain is not encoded yet"},
                        &r,
                        {}});
    }
  // First the cached verdicts and the table's proofs never tried (each well under a second), then
  // the code rules' instance checks never made, then, while time is left, the proofs whose last
  // verdict was unknown (a Z3 timeout): so a rule an edit changed is proved before the slow ones.
  auto prove_now = [&](Job& j, const std::string& key) {
    const auto t1 = Clock::now();
    const verify::ProofResult p = j.prove();
    j.row.verdict = p.verdict, j.row.detail = p.detail, j.row.rlimit_used = p.rlimit_used;
    j.row.seconds = since(t1);
    ++out.proven_now;
    // At once, on stderr: a run killed at its limit (anvil check's rules row) still shows what it refuted.
    if (p.verdict == verify::Verdict::Refuted)
      std::fprintf(stderr, "  REFUTED: %s: %s [%s] at %s: %s\n", j.row.set.c_str(), j.row.rule.c_str(),
                   j.row.domain.c_str(), j.row.location.c_str(), p.detail.c_str());
    if (!key.empty()) {
      cache.put(key, p);  // at once: a run stopped at its limit keeps what it proved
      cache.save();
    }
    j.done = true;
  };
  std::vector<std::pair<Job*, std::string>> code, retry;
  for (Job& j : jobs) {
    if (!j.prove) {
      j.done = true;
      continue;
    }
    const std::string key = proof_key(j.row.set, *j.rule, j.row.domain, report.z3_version, source_dir);
    const std::optional<verify::ProofResult> hit = key.empty() ? std::nullopt : cache.find(key);
    if (hit && hit->verdict != verify::Verdict::Unknown) {
      j.row.verdict = hit->verdict, j.row.detail = hit->detail, j.row.rlimit_used = hit->rlimit_used;
      j.row.cached = true;
      ++out.cached;
      j.done = true;
    } else if (hit) {
      retry.emplace_back(&j, key);
    } else if (j.rule->is_code()) {
      code.emplace_back(&j, key);  // instance checks take seconds: after the table's proofs
    } else if (time_left()) {
      prove_now(j, key);
    }
  }
  for (auto* list : {&code, &retry})
    for (auto& [j, key] : *list)
      if (time_left()) prove_now(*j, key);
  for (Job& j : jobs) {
    if (!j.done) {
      const std::optional<verify::ProofResult> last =
          cache.find(proof_key(j.row.set, *j.rule, j.row.domain, report.z3_version, source_dir));
      j.row.detail = last ? std::string(kNotProven) + "; unknown when last tried" : kNotProven;
    }
    add(std::move(j.row), !j.done);
  }
  // The termination checks are cheap next to the proofs but still code runs: skipped past the budget.
  if (time_left()) {
    std::vector<std::pair<std::string, const RuleSet*>> labelled;
    for (const RuleSet* set : sets) labelled.emplace_back(set->name(), set);
    if (sets.size() > 1) labelled.emplace_back("all (simplify)", &symbolic_rules());
    for (const auto& [label, set] : labelled) {
      if (!time_left()) {  // each set's check takes seconds: none starts past the budget
        out.termination_skipped = true;
        break;
      }
      const verify::FixedPointCheck f = verify::check_fixed_point(*set, opt.termination_expressions, opt.seed);
      report.termination.push_back(
          {label, verify::find_reduction_order(*set), f.instances, f.fixed_points, f.max_rewrites});
    }
  } else {
    out.termination_skipped = true;
  }
  report.seconds = since(t0);
  return out;
}

std::string budget_line(const BudgetedRules& b) {
  const verify::Summary s = verify::summarize(b.report);
  std::ostringstream out;
  out << "rules: " << b.report.rows.size() << " proofs: " << s.proved + s.checked << " proved or checked ("
      << b.proven_now << " run now, " << b.cached << " cached), " << s.refuted << " refuted, "
      << s.unknown - b.not_proven << " unknown, " << b.not_proven << " not proven this run (budget)"
      << (b.termination_skipped ? ", termination check not run (budget)" : "");
  return out.str();
}

}  // namespace anvil::cli
#endif
