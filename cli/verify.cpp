// anvil verify [--time S] [--cases N] [--seed N]: the property suites (RapidCheck, fixed seed
// unless RC_PARAMS is set) and a symbolic fuzz run, ending in a summary table.
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>

#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/proc.h"
#include "engine/symbolic/registry.h"

namespace anvil::cli {
namespace {

struct PropertyRow {
  std::string name;
  std::string result;
  long cases = 0;
  double seconds = 0;
};

std::vector<PropertyRow> parse_gtest(const std::string& output) {
  std::vector<PropertyRow> rows;
  std::istringstream in(output);
  std::string line;
  long cases = 0;
  std::smatch m;
  static const std::regex kPassed("OK, passed (\\d+) tests"), kFalsified("Falsifiable after (\\d+) tests"),
      kEnd("^\\[\\s+(OK|FAILED)\\s+\\] (\\S+) \\((\\d+) ms\\)");
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, kPassed) || std::regex_search(line, m, kFalsified)) cases = std::stol(m[1]);
    if (std::regex_search(line, m, kEnd)) {
      rows.push_back({m[2], m[1] == "OK" ? "pass" : "FAIL", cases, std::stol(m[3]) / 1000.0});
      cases = 0;
    }
  }
  return rows;
}

}  // namespace

int cmd_verify(const Args& args) {
  const std::string seed = flag_value(args, "--seed").value_or("20261125");
  const std::string cases = flag_value(args, "--cases").value_or("1000");
  const double fuzz_seconds = std::stod(flag_value(args, "--time").value_or("30"));
  const char* user_params = std::getenv("RC_PARAMS");
  const std::string rc = user_params ? user_params : "seed=" + seed + " max_success=" + cases;

  std::fprintf(stderr, "anvil verify: property suites (RC_PARAMS=\"%s\")\n", rc.c_str());
  ProcResult props = run_process({binary_dir() + "/verify/test_props"}, {"RC_PARAMS=" + rc},
                                 binary_dir() + "/verify-props.log", {"[ RUN", "[       OK", "[  FAILED"});
  std::vector<PropertyRow> rows = parse_gtest(props.output);

  std::fprintf(stderr, "anvil verify: fuzz symbolic for %.0f s\n", fuzz_seconds);
  FuzzSummary fuzz = run_fuzzer("symbolic", fuzz_seconds, 0, std::stol(seed), 1);

  size_t rule_count = 0, set_count = 0;
  for (const RuleSet* set : all_rule_sets()) rule_count += set->rules().size(), ++set_count;

  std::printf("\n%-40s %-8s %10s %9s\n", "check", "result", "cases", "time");
  long total_cases = 0;
  for (const PropertyRow& r : rows) {
    std::printf("%-40s %-8s %10ld %8.1fs\n", r.name.c_str(), r.result.c_str(), r.cases, r.seconds);
    total_cases += r.cases;
  }
  std::printf("%-40s %-8s %10ld %8.1fs   %ld execs/s, %ld new units\n", "fuzz symbolic",
              fuzz.exit_code == 0 ? "clean" : "FINDING", fuzz.execs, fuzz.seconds, fuzz.execs_per_sec, fuzz.new_units);
  std::printf("\nrules: %zu in %zu rule sets; property cases: %ld; log: %s/verify-props.log\n", rule_count, set_count,
              total_cases, binary_dir().c_str());
  for (const std::string& text : fuzz.filed) std::printf("reduced finding:\n%s", text.c_str());
  const bool ok = props.exit_code == 0 && !rows.empty() && fuzz.exit_code == 0;
  std::printf("verify: %s\n", ok ? "all clean" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace anvil::cli
