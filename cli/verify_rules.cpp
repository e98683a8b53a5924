// anvil verify rules [--json] [--wide] [--cache FILE | --no-cache] [--instances N] [--seed N] [--fuse S]
// [--progress] [--time S | --cached]: a Z3 verdict for every rewrite rule (proved / refuted with a
// counterexample / unknown with its reason; code rules checked on generated instances) and a bounded
// rewriting check per rule set. Verdicts are cached (cli/prove_budget.h): every uncached rule is
// proved, or with --time only while S seconds last (the rest: not proven this run), with --cached none.
#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "cli/paths.h"

#ifdef ANVIL_HAVE_Z3
#include <nlohmann/json.hpp>

#include "cli/prove_budget.h"
#include "engine/symbolic/registry.h"
#include "verify/rules/verify_rules.h"
#endif

namespace anvil::cli {
namespace {

#ifdef ANVIL_HAVE_Z3
void print_table(const BudgetedRules& b) {
  const verify::RulesReport& r = b.report;
  std::printf("%-58s %-9s %-10s %-11s %9s %11s  %s\n", "rule", "set", "dtype", "verdict", "time", "rlimit", "location");
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const verify::RuleRow& row = r.rows[i];
    if (b.skipped[i]) continue;  // counted in the last line
    std::string rule = row.rule.size() > 58 ? row.rule.substr(0, 55) + "..." : row.rule;
    std::printf("%-58s %-9s %-10s %-11s %8.2fs %11llu  %s%s\n", rule.c_str(), row.set.c_str(), row.domain.c_str(),
                verify::verdict_name(row.verdict), row.seconds, static_cast<unsigned long long>(row.rlimit_used),
                row.location.c_str(), row.cached ? " (cached)" : "");
    if (!row.detail.empty() && row.detail.rfind("vacuous", 0) != 0) std::printf("    %s\n", row.detail.c_str());
  }
  verify::RulesReport proved = r;  // the summary of what has a verdict; the rest in the budget line
  proved.rows.clear();
  for (size_t i = 0; i < r.rows.size(); ++i)
    if (!b.skipped[i]) proved.rows.push_back(r.rows[i]);
  std::printf("\n%s%s\n", verify::summary_text(proved).c_str(), budget_line(b).c_str());
}

void print_json(const BudgetedRules& b) {
  const verify::RulesReport& r = b.report;
  nlohmann::json rows = nlohmann::json::array(), term = nlohmann::json::array();
  for (size_t i = 0; i < r.rows.size(); ++i) {
    const verify::RuleRow& row = r.rows[i];
    rows.push_back({{"rule", row.rule},
                    {"set", row.set},
                    {"domain", row.domain},
                    {"verdict", verify::verdict_name(row.verdict)},
                    {"detail", row.detail},
                    {"seconds", row.seconds},
                    {"rlimit", row.rlimit_used},
                    {"location", row.location},
                    {"cached", row.cached},
                    {"not_proven_budget", static_cast<bool>(b.skipped[i])}});
  }
  for (const verify::TerminationRow& t : r.termination)
    term.push_back({{"set", t.set},
                    {"check", t.order.ordered ? "reduction order" : "bounded rewriting"},
                    {"terminates", t.order.ordered},
                    {"order", verify::order_text(t.order)},
                    {"weights", t.order.order},
                    {"not_decreasing", t.order.not_decreasing},
                    {"code_rules", t.order.code_rules},
                    {"instances", t.instances},
                    {"fixed_points", t.fixed_points},
                    {"max_rewrites", t.max_rewrites}});
  const verify::Summary s = verify::summarize(r);
  const int total = s.total_proof_rows() - b.not_proven;
  nlohmann::json out = {{"z3_version", r.z3_version},
                        {"seconds", r.seconds},
                        {"rules", rows},
                        {"termination", term},
                        {"summary",
                         {{"proved", s.proved},
                          {"vacuous", s.vacuous},
                          {"refuted", s.refuted},
                          {"unknown", s.unknown - b.not_proven},
                          {"not_proven_budget", b.not_proven},
                          {"cached", b.cached},
                          {"termination_skipped", b.termination_skipped},
                          {"checked", s.checked},
                          {"not_encoded", s.not_encoded},
                          {"unknown_share", total ? static_cast<double>(s.unknown - b.not_proven) / total : 0.0}}}};
  std::printf("%s\n", out.dump(2).c_str());
}
#endif

}  // namespace

int cmd_verify_rules(const Args& args) {
#ifdef ANVIL_HAVE_Z3
  verify::VerifyOptions opt;
  opt.wide = has_flag(args, "--wide");
  opt.cache_path =
      has_flag(args, "--no-cache") ? "" : flag_value(args, "--cache").value_or(binary_dir() + "/verify-cache.txt");
  if (auto n = flag_value(args, "--instances")) opt.code_expressions = std::stoi(*n);
  if (auto n = flag_value(args, "--seed")) opt.seed = std::stoull(*n);
  if (auto n = flag_value(args, "--fuse")) opt.fuse_ms = static_cast<unsigned>(std::stoul(*n)) * 1000;
  opt.progress = has_flag(args, "--progress");
  const double budget_s = std::stod(flag_value(args, "--time").value_or("0"));
  // The sources this binary was built from (not ANVIL_SOURCE_DIR, which may be a sandbox of data):
  // their hashes key the cached verdicts of code rules and of the proof code.
  const BudgetedRules b =
      prove_rules_within(all_rule_sets(), opt, budget_s, has_flag(args, "--cached"), ANVIL_SOURCE_DIR_DEFAULT);
  if (has_flag(args, "--json"))
    print_json(b);
  else
    print_table(b);
  // No expected-failure list for rules yet: any refuted rule fails the run.
  return verify::summarize(b.report).refuted == 0 ? 0 : 1;
#else
  (void)args;
  std::fprintf(stderr, "anvil verify rules: built without Z3 (configure with -DANVIL_WITH_Z3=ON and libz3-dev)\n");
  return 2;
#endif
}

int cmd_verify_dispatch(const Args& args) {
  if (!args.empty() && args[0] == "rules") return cmd_verify_rules(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "views") return cmd_verify_views(Args(args.begin() + 1, args.end()));
  if (!args.empty() && args[0] == "kernels") return cmd_verify_kernels(Args(args.begin() + 1, args.end()));
  return cmd_verify(args);
}

}  // namespace anvil::cli
