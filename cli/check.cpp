// anvil check [--time S] [--jobs N] [--seed N] [--report FILE] [--json] [PART...]: the main job in
// one time budget (S seconds in all, default 120). Replays regress/ and every corpus, proves the
// rewrite rules (cached verdicts reused; uncached ones while a fifth of the budget lasts) and
// random views, runs the property suites on every available backend, and fuzzes every target —
// graph once per backend against ref — in the time left. Parts run as child processes, N at once
// (default 2), each under a time limit; it ends with a table on stdout (or one JSON object with
// --json) and the same as Markdown in --report (default BUILD/check-report.md). PART: replay,
// prove, properties, fuzz (default all). Exit 0 clean, 1 findings or failures, 2 usage errors.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/check_parts.h"
#include "cli/commands.h"
#include "cli/paths.h"
#include "engine/runtime/realize.h"
#include "engine/support/env.h"
#include "engine/support/error.h"

namespace anvil::cli {
namespace {

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string execs_text(const CheckRow& r, bool markdown) {
  if (!r.fuzz || r.execs == 0) return markdown ? "" : "-";
  return std::to_string(r.execs) + " (" + std::to_string(r.execs_per_sec) + "/s)";
}

void print_table(FILE* out, const std::vector<CheckRow>& rows) {
  std::fprintf(out, "\n%-10s %-22s %-7s %7s %17s  %s\n", "part", "check", "result", "time", "execs (per s)", "detail");
  for (const CheckRow& r : rows) {
    std::fprintf(out, "%-10s %-22s %-7s %6.1fs %17s  %s\n", r.part.c_str(), r.check.c_str(), result_word(r), r.seconds,
                 execs_text(r, false).c_str(), r.detail.c_str());
    for (const std::string& f : r.findings) std::fprintf(out, "%-10s   finding: %s\n", "", f.c_str());
  }
}

void print_markdown(FILE* out, const std::vector<CheckRow>& rows) {
  std::fprintf(out,
               "| part | check | result | time | execs (per s) | detail | findings |\n|---|---|---|---|---|---|---|\n");
  for (const CheckRow& r : rows)
    std::fprintf(out, "| %s | %s | %s | %.1f s | %s | %s | %s |\n", r.part.c_str(), r.check.c_str(), result_word(r),
                 r.seconds, execs_text(r, true).c_str(), r.detail.c_str(), join(r.findings, "<br>").c_str());
}

// The schema ci/mutants reads: keep it stable.
nlohmann::json to_json(const std::vector<CheckRow>& rows, bool clean, double budget, double seconds,
                       const std::string& seed, const std::vector<std::string>& backends) {
  nlohmann::json out = {{"clean", clean}, {"budget_s", budget},   {"seconds", std::round(seconds * 10) / 10},
                        {"seed", seed},   {"backends", backends}, {"rows", nlohmann::json::array()}};
  for (const CheckRow& r : rows) {
    nlohmann::json row = {{"part", r.part},     {"check", r.check},
                          {"ok", r.ok},         {"seconds", std::round(r.seconds * 10) / 10},
                          {"detail", r.detail}, {"findings", r.findings}};
    if (r.fuzz) row["execs"] = r.execs, row["execs_per_sec"] = r.execs_per_sec;
    out["rows"].push_back(std::move(row));
  }
  return out;
}

double number_flag(const Args& args, const std::string& name, double fallback) {
  const std::optional<std::string> v = flag_value(args, name);
  if (!v) return fallback;
  size_t used = 0;
  double x = 0;
  try {
    x = std::stod(*v, &used);
  } catch (const std::exception&) {
  }
  if (used != v->size() || !(x > 0))
    (ErrorBuilder("check") << name << " expects a positive number, got '" << *v << "'").raise();
  return x;
}

}  // namespace

int cmd_check(const Args& args) {
  const auto t0 = std::chrono::steady_clock::now();
  CheckConfig c;
  c.budget_s = number_flag(args, "--time", 120);
  c.seed = flag_value(args, "--seed").value_or("20261125");
  if (c.seed.empty() || c.seed.find_first_not_of("0123456789") != std::string::npos)
    (ErrorBuilder("check") << "--seed expects a non-negative integer, got '" << c.seed << "'").raise();
  const int jobs = c.jobs = static_cast<int>(number_flag(args, "--jobs", 2));
  const std::string report = flag_value(args, "--report").value_or(binary_dir() + "/check-report.md");
  const bool json = has_flag(args, "--json");
  c.parts = positional(args);
  for (const std::string& p : c.parts)
    if (p != "replay" && p != "prove" && p != "properties" && p != "fuzz")
      (ErrorBuilder("check") << "unknown part '" << p << "': expected replay, prove, properties or fuzz").raise();
  c.backends = install_backends();
  c.findings_dir = binary_dir() + "/check-findings";

  std::vector<CheckTask> tasks = check_tasks(c);
  // A test hook: ANVIL_CHECK_INJECT_FAIL=CHECK makes that row fail, as a finding would.
  if (const std::string inject = env_string("ANVIL_CHECK_INJECT_FAIL"); !inject.empty())
    for (CheckTask& t : tasks)
      if (t.check == inject)
        t.run = [run = t.run](double limit) {
          CheckRow r = run(limit);
          r.ok = false;
          r.detail = "injected failure (ANVIL_CHECK_INJECT_FAIL); " + r.detail;
          return r;
        };
  if (!json)
    std::fprintf(stderr, "anvil check: %zu parts in %.0f s on %d jobs; backends %s; seed %s\n", tasks.size(),
                 c.budget_s, jobs, join(c.backends, ", ").c_str(), c.seed.c_str());
  const std::vector<CheckRow> rows = run_tasks(std::move(tasks), {c.budget_s, jobs});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  bool clean = true;
  size_t findings = 0;
  std::vector<std::string> empty;  // rows that ran but finished no test: clean is not a pass for them
  for (const CheckRow& r : rows) {
    clean = clean && r.ok, findings += r.findings.size();
    if (r.ok && r.empty) empty.push_back(r.check);
  }
  const std::string empty_note =
      empty.empty() ? "" : "; " + std::to_string(empty.size()) + " row(s) finished no test: " + join(empty, ", ");
  if (FILE* f = std::fopen(report.c_str(), "w")) {
    std::fprintf(f, "# anvil check\n\nbackends: %s; budget %.0f s (took %.1f s); seed %s\n\n",
                 join(c.backends, ", ").c_str(), c.budget_s, seconds, c.seed.c_str());
    print_markdown(f, rows);
    std::fprintf(f, "\n%s%s\n", clean ? "all clean" : "FAILED", empty_note.c_str());
    std::fclose(f);
  }
  if (json) {
    std::printf("%s\n", to_json(rows, clean, c.budget_s, seconds, c.seed, c.backends).dump(2).c_str());
  } else {
    print_table(stdout, rows);
    std::printf("\nbackends: %s (graph fuzzing and the property suites run on each; ref is the oracle)\n",
                join(c.backends, ", ").c_str());
    std::printf("budget %.0f s, took %.1f s; report: %s\n", c.budget_s, seconds, report.c_str());
    std::printf("check: %s%s\n",
                clean ? "all clean" : ("FAILED (" + std::to_string(findings) + " finding files)").c_str(),
                empty_note.c_str());
  }
  return clean ? 0 : 1;
}

}  // namespace anvil::cli
