// anvil check [--time S] [--seed N] [--report FILE]: the main job. Replays regress/ and every
// corpus, proves the rewrite rules, runs the property suites, and fuzzes every target for S seconds
// against every available backend; each part runs in a child process, and the command ends with
// one report (a table on stdout, the same as Markdown in --report, default BUILD/check-report.md).
#include <cstdio>
#include <regex>
#include <sstream>

#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/proc.h"
#include "engine/runtime/realize.h"
#include "engine/tensor/tensor.h"
#include "fuzz/lib/finding.h"

namespace anvil::cli {
namespace {

struct Row {
  std::string part;  // replay, prove, properties, fuzz
  std::string what;  // e.g. "regress/", "corpus/graph", "fuzz graph"
  bool ok = false;
  std::string detail;  // counts
  double seconds = 0;
};

std::string self_exe() { return "/proc/self/exe"; }

// The last line of `output` that contains `marker`, or "".
std::string line_with(const std::string& output, const std::string& marker) {
  std::istringstream in(output);
  std::string line, found;
  while (std::getline(in, line))
    if (line.find(marker) != std::string::npos) found = line;
  return found;
}

Row replay_regress() {
  const ProcResult r = run_process({self_exe(), "regress"}, {}, binary_dir() + "/check-regress.log");
  return {"replay", "regress/ (catalog)", r.exit_code == 0, line_with(r.output, "regress:"), r.seconds};
}

Row replay_corpus(std::string_view target) {
  const std::string t(target);
  const ProcResult r = run_process({binary_dir() + "/fuzz/replay_" + t, source_dir() + "/corpus/" + t}, {},
                                   binary_dir() + "/check-corpus-" + t + ".log");
  std::string last = line_with(r.output, "replay");
  return {"replay", "corpus/" + t, r.exit_code == 0, last.empty() ? "exit " + std::to_string(r.exit_code) : last,
          r.seconds};
}

Row prove_rules() {
  const ProcResult r = run_process({self_exe(), "verify", "rules"}, {}, binary_dir() + "/check-rules.log");
  // Exit 0 means no rule is refuted outside the expected-failure catalog.
  return {"prove", "rewrite rules (Z3)", r.exit_code == 0, line_with(r.output, "total:"), r.seconds};
}

Row prove_views() {
  const ProcResult r = run_process({self_exe(), "verify", "views"}, {}, binary_dir() + "/check-views.log");
  return {"prove", "views: movement sequences (Z3)", r.exit_code == 0, line_with(r.output, "views:"), r.seconds};
}

Row properties(const std::string& seed) {
  const ProcResult r = run_process({binary_dir() + "/verify/test_props"},
                                   {"RC_PARAMS=seed=" + seed + " max_success=1000"}, binary_dir() + "/check-props.log");
  std::string last = line_with(r.output, "[==========]");
  return {"properties", "RapidCheck suites (1000 cases each)", r.exit_code == 0, last, r.seconds};
}

Row fuzz(std::string_view target, double seconds, long seed, const std::string& backends) {
  const FuzzSummary s = run_fuzzer(std::string(target), seconds, 0, seed, 1);
  std::ostringstream d;
  d << s.execs << " execs, " << s.execs_per_sec << "/s, " << s.new_units << " new units";
  if (target == "graph") d << "; backends: " << backends << " vs ref";
  for (const std::string& f : s.filed) d << "; filed: " << f.substr(0, f.find('\n'));
  return {"fuzz", "fuzz " + std::string(target), s.exit_code == 0, d.str(), s.seconds};
}

void print_table(FILE* out, const std::vector<Row>& rows, bool markdown) {
  if (markdown) {
    std::fprintf(out, "| part | check | result | time | detail |\n|---|---|---|---|---|\n");
    for (const Row& r : rows)
      std::fprintf(out, "| %s | %s | %s | %.1f s | %s |\n", r.part.c_str(), r.what.c_str(), r.ok ? "clean" : "FAILED",
                   r.seconds, r.detail.c_str());
    return;
  }
  std::fprintf(out, "\n%-11s %-36s %-7s %8s  %s\n", "part", "check", "result", "time", "detail");
  for (const Row& r : rows)
    std::fprintf(out, "%-11s %-36s %-7s %7.1fs  %s\n", r.part.c_str(), r.what.c_str(), r.ok ? "clean" : "FAILED",
                 r.seconds, r.detail.c_str());
}

}  // namespace

int cmd_check(const Args& args) {
  const double seconds = std::stod(flag_value(args, "--time").value_or("20"));
  const std::string seed = flag_value(args, "--seed").value_or("20261125");
  const std::string report = flag_value(args, "--report").value_or(binary_dir() + "/check-report.md");

  install_interp_realizer();
  std::string backends;
  for (const std::string& b : registered_backends()) backends += (backends.empty() ? "" : ", ") + b;

  std::vector<Row> rows;
  auto step = [&](Row r) {
    std::fprintf(stderr, "anvil check: %-36s %s (%.1f s)\n", r.what.c_str(), r.ok ? "clean" : "FAILED", r.seconds);
    rows.push_back(std::move(r));
  };
  step(replay_regress());
  for (const fuzz::Target& t : fuzz::all_targets()) step(replay_corpus(t.name));
  step(prove_rules());
  step(prove_views());
  step(properties(seed));
  for (const fuzz::Target& t : fuzz::all_targets()) step(fuzz(t.name, seconds, std::stol(seed), backends));

  bool ok = true;
  for (const Row& r : rows) ok = ok && r.ok;
  print_table(stdout, rows, false);
  std::printf("\nbackends: %s (each compared with ref by the graph target)\n", backends.c_str());
  if (FILE* f = std::fopen(report.c_str(), "w")) {
    std::fprintf(f, "# anvil check\n\nbackends: %s; fuzz time per target: %.0f s; seed %s\n\n", backends.c_str(),
                 seconds, seed.c_str());
    print_table(f, rows, true);
    std::fprintf(f, "\n%s\n", ok ? "all clean" : "FAILED");
    std::fclose(f);
    std::printf("report: %s\n", report.c_str());
  }
  std::printf("check: %s\n", ok ? "all clean" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace anvil::cli
