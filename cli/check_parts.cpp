// The parts of `anvil check`, each a child process under a time limit: the regression and corpus
// replays, the rule and view proofs, the property suites on each backend, and a libFuzzer campaign
// of every target (graph once per backend, each compared with ref, as the gate's smoke does).
#include "cli/check_parts.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

#include "cli/paths.h"
#include "cli/proc.h"
#include "engine/runtime/kernel_cache.h"
#include "engine/support/hash.h"
#include "fuzz/lib/finding.h"

namespace fs = std::filesystem;

namespace anvil::cli {
bool clean(const ProcResult& r, std::initializer_list<const char*> failure_markers, bool line_start) {
  if (!r.timed_out) return r.exit_code == 0;
  for (const char* m : failure_markers) {
    const bool found = line_start
                           ? r.output.rfind(m, 0) == 0 || r.output.find(std::string("\n") + m) != std::string::npos
                           : r.output.find(m) != std::string::npos;
    if (found) return false;
  }
  return true;
}

namespace {

std::string self_exe() { return "/proc/self/exe"; }

// The last line of `output` that contains `marker`, or "".
std::string line_with(const std::string& output, const std::string& marker) {
  std::istringstream in(output);
  std::string line, found;
  while (std::getline(in, line))
    if (line.find(marker) != std::string::npos) found = line;
  return found;
}

long number_before(const std::string& text, const std::string& word) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex("(\\d+) " + word))) return std::stol(m[1]);
  return 0;
}

std::string log_path(const std::string& check) {
  std::string name = check;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  std::error_code ec;
  fs::create_directories(binary_dir() + "/check-logs", ec);
  return binary_dir() + "/check-logs/" + name + ".log";
}

// A part that ran out of its limit: what it did is kept, and the row says it was stopped.
std::string stopped(const ProcResult& r) { return r.timed_out ? " (stopped at its time limit)" : ""; }

// Clean: exited 0; or stopped at its limit (the budget's doing) with no failure in what it printed.

CheckRow regress_row(const std::string& backends, double limit) {
  const ProcResult r = run_process({self_exe(), "regress"}, {}, log_path("regress"), {}, limit);
  CheckRow row{"replay", "regress/"};
  row.seconds = r.seconds;
  row.ok = clean(r, {"FAIL ", "CRASH ", "TIMEOUT ", "XPASS ", "ERROR "}, true);
  // "regress: N cases: P passed, X xfail, F failed, C crashed, T timed out, XP xpass, E errors"
  const std::string sum = line_with(r.output, " cases: ");
  std::ostringstream d;
  if (sum.find("cases:") != std::string::npos) {
    d << number_before(sum, "cases") << " cases: " << number_before(sum, "passed") << " PASS, "
      << number_before(sum, "xfail") << " XFAIL, " << number_before(sum, "xpass") << " XPASS, "
      << number_before(sum, "failed") + number_before(sum, "crashed") + number_before(sum, "timed out") << " FAIL, "
      << number_before(sum, "errors") << " errors";
  } else {
    d << (r.timed_out ? "stopped before its summary" : "exit " + std::to_string(r.exit_code));
  }
  d << "; graph cases on " << backends << stopped(r);
  row.detail = d.str();
  // Every case that is not PASS or XFAIL is a finding, named by its file.
  static const std::regex bad("(^|\n)(FAIL|CRASH|TIMEOUT|XPASS|ERROR)\\s+(\\S+\\.uop)");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), bad); it != std::sregex_iterator(); ++it)
    row.findings.push_back(source_dir() + "/regress/cases/" + (*it)[3].str());
  return row;
}

CheckRow corpus_row(const std::string& target, double limit) {
  const ProcResult r = run_process({binary_dir() + "/fuzz/replay_" + target, source_dir() + "/corpus/" + target}, {},
                                   log_path("corpus-" + target), {}, limit);
  const std::string last = line_with(r.output, "replay");
  const std::string none = r.timed_out ? "stopped before its summary" : "exit " + std::to_string(r.exit_code);
  return {"replay", "corpus/" + target, clean(r, {"FINDING", "ERROR"}), r.seconds,
          (last.empty() ? none : last) + stopped(r)};
}

CheckRow rules_row(double proof_budget, double limit) {
  // The child stops proving at its budget; the kill at `limit` is only the backstop.
  const ProcResult r = run_process(
      {self_exe(), "verify", "rules", "--time", std::to_string(static_cast<long>(std::max(1.0, proof_budget)))}, {},
      log_path("rules"), {}, limit);
  const std::string line = line_with(r.output, "rules: ");
  // Headers name the REFUTED column too: a failure is a refuted count above 0 (or a failed exit).
  std::smatch total;
  // A refutation is also printed the moment it is found, so a child killed at the limit still reports it.
  const bool refuted =
      (std::regex_search(r.output, total, std::regex("total: .*?(\\d+) refuted")) && total[1] != "0") ||
      !line_with(r.output, "REFUTED: ").empty();
  CheckRow row{"prove", "rules (Z3)", !refuted && (r.timed_out || r.exit_code == 0), r.seconds};
  row.detail = (line.empty() ? "exit " + std::to_string(r.exit_code) : line.substr(7)) + stopped(r);
  if (r.exit_code == 2 && r.output.find("built without Z3") != std::string::npos) {
    row.ok = true;
    row.detail = "not built (configure with -DANVIL_WITH_Z3=ON)";
  }
  if (const std::string l = line_with(r.output, "REFUTED: "); !l.empty())
    row.detail += "; refuted:" + l.substr(l.find(':') + 1);
  return row;
}

CheckRow views_row(int cases, double limit) {
  const ProcResult r =
      run_process({self_exe(), "verify", "views", "--cases", std::to_string(cases)}, {}, log_path("views"), {}, limit);
  // "seed  CASES PROVED REFUTED UNKNOWN PADDED TIME"; the header names the REFUTED column, so the
  // count decides, or the exit when the table came out.
  std::smatch m;
  const bool table = std::regex_search(r.output, m, std::regex("seed\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)"));
  CheckRow row{"prove", "views (Z3)", table ? (m[3] == "0" && (r.timed_out || r.exit_code == 0)) : r.timed_out,
               r.seconds};
  if (table)
    row.detail = m[1].str() + " movement sequences: " + m[2].str() + " proved, " + m[3].str() + " refuted, " +
                 m[4].str() + " unknown";
  else
    row.detail = r.timed_out ? std::to_string(cases) + " movement sequences" : "exit " + std::to_string(r.exit_code);
  if (r.exit_code == 2 && r.output.find("built without Z3") != std::string::npos)
    row.ok = true, row.detail = "not built (configure with -DANVIL_WITH_Z3=ON)";
  row.detail += stopped(r);
  return row;
}

// A clean row that finished nothing is not a pass: its detail says so first (and the row is "empty").
std::string nothing_finished(const char* what, double limit, const std::string& detail) {
  char head[96];
  std::snprintf(head, sizeof head, "NO %s FINISHED in its %.1f s: ", what, limit);
  return head + detail;
}

// Counts of a GoogleTest run's finished tests, and whether it is clean (stopped at its limit with
// no failure counts as clean: the budget stopped it).
struct GtestCounts {
  long passed = 0, failed = 0;
};
GtestCounts gtest_counts(const ProcResult& r) {
  static const std::regex ok_line("\\[       OK \\] \\S+ \\(\\d+ ms\\)"),
      failed_line("\\[  FAILED  \\] \\S+ \\(\\d+ ms\\)");
  const auto count = [&](const std::regex& re) {
    return static_cast<long>(std::distance(std::sregex_iterator(r.output.begin(), r.output.end(), re), {}));
  };
  return {count(ok_line), count(failed_line)};
}

// An oracle suite outside the tensor layer, in an order drawn from the seed (a short budget checks
// another part of it on another seed): finite-difference gradients of every differentiable op-table
// row, anvil's gradients against torch autograd, its dtype promotion and op rows against torch. A
// suite not built (no libtorch) is a skipped row.
CheckRow oracle_row(const std::string& check, const std::string& binary, const std::string& why_missing,
                    const std::string& seed, double limit, const std::string& filter = "",
                    const std::string& backend = "") {
  CheckRow row{"properties", check};
  if (!fs::exists(binary)) {
    row.ok = true;
    row.detail = "not built (" + why_missing + ")";
    return row;
  }
  const std::string gtest_seed = std::to_string(std::stoull(seed.substr(0, 9)) % 99999 + 1);
  std::vector<std::string> argv = {binary};
  // A suite on one backend is deterministic and runs in its own order, the quick tests first.
  if (backend.empty()) argv.insert(argv.end(), {"--gtest_shuffle", "--gtest_random_seed=" + gtest_seed});
  if (!filter.empty()) argv.push_back("--gtest_filter=" + filter);
  std::vector<std::string> env;
  if (!backend.empty()) env.push_back("ANVIL_BACKEND=" + backend);
  const ProcResult r = run_process(argv, env, log_path(check), {}, limit);
  row.seconds = r.seconds;
  const GtestCounts n = gtest_counts(r);
  row.ok = clean(r, {"[  FAILED  ]"});
  std::ostringstream d;
  d << n.passed << " passed";
  if (n.failed) d << ", " << n.failed << " FAILED";
  if (!r.timed_out && r.exit_code != 0 && !n.failed) d << ", exit " << r.exit_code;
  d << stopped(r);
  row.detail = d.str();
  if (row.ok && n.passed == 0) row.empty = true, row.detail = nothing_finished("TEST", limit, row.detail);
  static const std::regex failed_name("\\[  FAILED  \\] (\\S+) \\(\\d+ ms\\)");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), failed_name); it != std::sregex_iterator();
       ++it)
    row.detail += "; " + (*it)[1].str();
  return row;
}

// The property suites' command on one backend, and its environment.
std::vector<std::string> properties_argv(const std::string& backend) {
  std::vector<std::string> argv = {binary_dir() + "/verify/test_props"};
  // Suites that never realize a tensor run once, on interp; the rest on every backend.
  if (backend != "interp") argv.push_back("--gtest_filter=-Symbolic.*:Text.*:UOp.*:Tolerance.*:GraphLeaves.*");
  return argv;
}
std::vector<std::string> properties_env(const std::string& backend, const std::string& seed, int cases) {
  return {"ANVIL_BACKEND=" + backend, "RC_PARAMS=seed=" + seed + " max_success=" + std::to_string(cases)};
}

CheckRow properties_row(const std::string& backend, const std::string& seed, int cases, double limit) {
  const ProcResult r = run_process(properties_argv(backend), properties_env(backend, seed, cases),
                                   log_path("properties@" + backend), {}, limit);
  CheckRow row{"properties", "properties@" + backend};
  row.seconds = r.seconds;
  const auto [passed, failed] = gtest_counts(r);
  // A run stopped at its limit is not a failure: the suites that finished passed.
  row.ok = clean(r, {"[  FAILED  ]"});
  std::ostringstream d;
  d << passed << " suites passed";
  if (failed) d << ", " << failed << " FAILED";
  d << " (" << cases << " cases each";
  if (!r.timed_out && r.exit_code != 0 && !failed) d << ", exit " << r.exit_code;
  d << ")" << stopped(r);
  row.detail = d.str();
  if (row.ok && passed == 0) row.empty = true, row.detail = nothing_finished("SUITE", limit, row.detail);
  return row;
}

// PoCL's kernel cache: where the opencl backend points it (engine/runtime/opencl/opencl_runtime.cpp).
fs::path pocl_cache_dir() {
  if (const char* dir = std::getenv("POCL_CACHE_DIR")) return dir;
  const std::optional<fs::path> dir = try_kernel_cache_dir();
  return dir ? *dir / "pocl" : fs::path();
}

// Kernel binaries (.so) in PoCL's cache: how many a warm-up added.
long pocl_cache_entries() {
  std::error_code ec;
  long n = 0;
  for (auto it = fs::recursive_directory_iterator(pocl_cache_dir(), ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    n += it->is_regular_file(ec) && it->path().extension() == ".so";
  return n;
}

// The suites a warm-up has compiled, one line each ("edges"; "properties SEED CASES": their kernels are drawn
// from the seed), kept beside PoCL's cache. An opencl row that finishes nothing takes its line out (kernels
// changed, or the cache was emptied), so the next check warms it up again.
fs::path warm_stamp() { return pocl_cache_dir() / "anvil-check-warm.txt"; }
std::string edges_key() { return "edges"; }
std::string properties_key(const std::string& seed, int cases) {
  return "properties " + seed + " " + std::to_string(cases);
}

std::vector<std::string> warm_keys() {
  std::vector<std::string> keys;
  std::ifstream in(warm_stamp());
  for (std::string line; std::getline(in, line);) keys.push_back(line);
  return keys;
}
bool pocl_warm(const std::string& key) {
  if (pocl_cache_dir().empty()) return true;  // no cache folder: PoCL keeps nothing, a warm-up would not help
  const std::vector<std::string> keys = warm_keys();
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}
void set_warm(const std::string& key, bool warm) {
  static std::mutex mu;  // the two opencl rows may end at once
  std::lock_guard lk(mu);
  if (pocl_cache_dir().empty()) return;
  std::vector<std::string> keys = warm_keys();
  std::erase(keys, key);
  if (warm) keys.push_back(key);
  std::ofstream out(warm_stamp());
  for (const std::string& k : keys) out << k << "\n";
}

// The opencl rows' own suites, run once before them so that PoCL compiles their kernels (about 0.25 s each,
// some 170 for edges) on this row's time and not in the rows' shares: the property suites on the check's
// seed first (quick), then edges. A suite is marked warm when it finished, or compiled nothing new in more
// time than its row will have. Failures are left to the rows themselves.
CheckRow warmup_row(const std::string& seed, int cases, double limit) {
  CheckRow row{"properties", "warm-up@opencl"};
  const auto t0 = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  const bool do_props = !pocl_warm(properties_key(seed, cases)), do_edges = !pocl_warm(edges_key());
  std::ostringstream d;
  long compiled = 0;
  bool all_warm = true;
  // One suite: its counts, and whether its kernels are now in the cache.
  const auto warm = [&](const std::string& name, const std::vector<std::string>& argv,
                        const std::vector<std::string>& env, double suite_limit, const std::string& key) {
    const long before = pocl_cache_entries();
    const ProcResult r = run_process(argv, env, log_path("warm-up@opencl " + name), {}, std::max(1.0, suite_limit));
    const long added = pocl_cache_entries() - before;
    compiled += added;
    d << (d.tellp() > 0 ? ", " : "") << name << " " << gtest_counts(r).passed << " finished in "
      << std::lround(r.seconds) << " s" << stopped(r);
    // Finished: gtest's closing line ("... ran. (N ms total)") came out; a kill during the exit still counts.
    const bool finished = !r.timed_out || r.output.find(" ran. (") != std::string::npos;
    const bool ok = finished || added == 0;
    if (ok) set_warm(key, true);
    all_warm = all_warm && ok;
  };
  if (do_props && fs::exists(properties_argv("opencl")[0]))
    warm("properties", properties_argv("opencl"), properties_env("opencl", seed, cases), do_edges ? limit / 2 : limit,
         properties_key(seed, cases));
  const std::string edges = binary_dir() + "/verify/test_edges";
  if (do_edges && fs::exists(edges)) warm("edges", {edges}, {"ANVIL_BACKEND=opencl"}, limit - elapsed(), edges_key());
  row.seconds = elapsed();
  row.detail =
      "PoCL compiled " + std::to_string(compiled) + " kernels for the opencl rows (" + d.str() + "); " +
      (all_warm ? "warm from now on" : "the rest compiles in the rows' time, and the next check warms up again");
  return row;
}

// An opencl row that finished nothing: the cache is not warm for it after all.
CheckRow forget_warm_if_empty(CheckRow row, const std::string& key) {
  if (row.empty) set_warm(key, false);
  return row;
}

// Reduced cases the child `anvil fuzz` printed, each written to the findings folder.
std::vector<std::string> save_findings(const std::string& check, const std::string& target, const std::string& output,
                                       const std::string& findings_dir) {
  std::vector<std::string> paths;
  std::string name = check;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  fs::create_directories(findings_dir);
  const std::string marker = "reduced case (file it with --file):\n";
  for (size_t p = output.find(marker); p != std::string::npos;) {
    const size_t begin = p + marker.size();
    const size_t next = output.find(marker, begin);
    const std::string text = output.substr(begin, next == std::string::npos ? std::string::npos : next - begin);
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(hash_bytes(text)));
    const fs::path path = fs::path(findings_dir) / (name + "-" + std::string(id).substr(0, 8) + ".uop");
    std::ofstream(path) << text;
    paths.push_back(path.string());
    p = next;
  }
  // Nothing reproduced: the raw artifacts are still worth a look.
  std::error_code missing;
  if (paths.empty())
    for (const auto& e : fs::directory_iterator(fs::path(binary_dir()) / "fuzz-work" / target / "artifacts", missing)) {
      const fs::path dst = fs::path(findings_dir) / (name + "-" + e.path().filename().string());
      std::error_code ec;
      fs::copy_file(e.path(), dst, fs::copy_options::overwrite_existing, ec);
      if (!ec) paths.push_back(dst.string());
    }
  return paths;
}

CheckRow fuzz_row(const std::string& target, const std::string& backend, const std::string& seed,
                  const std::string& findings_dir, double limit) {
  const std::string check = "fuzz " + target + (backend.empty() ? "" : "@" + backend);
  if (!fs::exists(binary_dir() + "/fuzz/fuzz_" + target)) {  // a build without libFuzzer (g++, the cuda-device preset)
    CheckRow row{"fuzz", check};
    row.fuzz = true;
    row.ok = true;
    row.detail = "not built (the libFuzzer targets need clang: a preset with ANVIL_FUZZ_INSTRUMENT=ON)";
    return row;
  }
  // libFuzzer counts its own time after loading the corpus: leave it room to start and to
  // reproduce a finding before the kill at `limit`.
  const long fuzz_s = std::max(1L, std::lround(limit - 4));
  std::vector<std::string> env;
  if (!backend.empty()) env.push_back("ANVIL_FUZZ_BACKENDS=" + backend);
  const ProcResult r = run_process({self_exe(), "fuzz", target, "--time", std::to_string(fuzz_s), "--seed", seed}, env,
                                   log_path(check), {}, limit);
  CheckRow row{"fuzz", check};
  row.seconds = r.seconds;
  row.fuzz = true;
  std::smatch m;
  // "fuzz T: N execs in S s (R/s), U new corpus units, exit E"; else libFuzzer's last status line.
  static const std::regex summary("fuzz \\S+: (\\d+) execs in \\S+ s \\((\\d+)/s\\), (\\d+) new corpus units");
  static const std::regex status("#(\\d+)\\s+\\w+\\s.*exec/s: (\\d+)");
  std::ostringstream d;
  if (std::regex_search(r.output, m, summary)) {
    row.execs = std::stol(m[1]), row.execs_per_sec = std::stol(m[2]);
    d << m[3].str() << " new units";
  } else {
    for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), status); it != std::sregex_iterator(); ++it)
      row.execs = std::stol((*it)[1]), row.execs_per_sec = std::stol((*it)[2]);
  }
  row.ok = r.exit_code == 0 || r.timed_out;
  const bool finding = r.output.find("=== anvil finding") != std::string::npos ||
                       r.output.find("ERROR: libFuzzer") != std::string::npos ||
                       r.output.find("==ERROR: ") != std::string::npos;
  if (finding || (!r.timed_out && r.exit_code != 0)) {
    row.ok = false;
    row.findings = save_findings(check, target, r.output, findings_dir);
    const std::string sig = line_with(r.output, "=== anvil finding: ");
    d << (d.tellp() > 0 ? "; " : "") << "FINDING "
      << (sig.empty() ? "exit " + std::to_string(r.exit_code) : sig.substr(19));
  }
  if (target == "graph") d << (d.tellp() > 0 ? "; " : "") << backend << " vs ref";
  row.detail = d.str() + stopped(r);
  if (row.detail.rfind(' ', 0) == 0) row.detail.erase(0, 1);
  return row;
}

bool wanted(const CheckConfig& c, const std::string& part) {
  return c.parts.empty() || std::find(c.parts.begin(), c.parts.end(), part) != c.parts.end();
}

}  // namespace

std::vector<CheckTask> check_tasks(const CheckConfig& c) {
  std::vector<CheckTask> tasks;
  std::string backends;
  for (const std::string& be : c.backends) backends += (backends.empty() ? "" : ",") + be;
  // Shares of the lane-seconds (budget x jobs): each fixed part is stopped at its share; what a part
  // leaves unused goes to the fuzz campaigns, which split the rest evenly (about half of it).
  const double lane_s = c.budget_s * std::max(1, c.jobs);
  const size_t n_targets = fuzz::all_targets().size();
  // The fractions are of a full run; a run of some parts scales them up to fill the budget.
  const int cases = std::clamp(static_cast<int>(c.budget_s / 4), 10, 1000);  // 30 cases each at 120 s
  // opencl on a cold PoCL cache spends its rows' shares compiling (about 0.25 s a kernel) and finishes
  // nothing: a warm-up line compiles their kernels first, on a share of its own, until they are in the cache
  // (edges once; the property suites once per seed). The opencl rows start after it. Its share comes out of
  // the fuzz campaigns' time; without them it is scaled in with the other parts.
  const bool opencl = std::find(c.backends.begin(), c.backends.end(), "opencl") != c.backends.end();
  const bool warm_up =
      wanted(c, "properties") && opencl && (!pocl_warm(edges_key()) || !pocl_warm(properties_key(c.seed, cases)));
  const double warm_up_fraction = 0.25, props_fraction = 0.10, edges_fraction = 0.16;
  double all = wanted(c, "fuzz") ? 0.51 : (warm_up ? warm_up_fraction : 0);
  all += (wanted(c, "replay") ? 0.20 : 0) + (wanted(c, "prove") ? 0.24 : 0) + (wanted(c, "properties") ? 0.45 : 0);
  auto share = [&](double fraction, size_t n = 1) {
    return std::max(2.5, lane_s * fraction / all / static_cast<double>(std::max<size_t>(1, n)));
  };
  if (wanted(c, "replay"))
    tasks.push_back({"replay", "regress/", false, share(0.12), "", [=](double l) { return regress_row(backends, l); }});
  if (wanted(c, "prove")) {
    // Uncached rules only: a rerun proves what changed, and a part's unused time goes to fuzzing, so
    // a long share costs nothing when the cache is warm and lets a slow refutation (seconds of Z3 on
    // div and mod in exact integers) finish when a rule did change.
    const double rules = share(0.20);
    tasks.push_back(
        {"prove", "rules (Z3)", false, rules, "", [=](double l) { return rules_row(std::max(1.0, l - 3), l); }});
  }
  const auto after_warm_up = [&](const std::string& be) { return warm_up && be == "opencl" ? "warm-up@opencl" : ""; };
  if (warm_up)
    tasks.push_back({"properties", "warm-up@opencl", false, share(warm_up_fraction), "",
                     [=](double l) { return warmup_row(c.seed, cases, l); }});
  if (wanted(c, "properties")) {
    for (const std::string& be : c.backends)
      tasks.push_back({"properties", "properties@" + be, false, share(props_fraction, c.backends.size()), "",
                       [=](double l) {
                         CheckRow row = properties_row(be, c.seed, cases, l);
                         return be == "opencl" ? forget_warm_if_empty(std::move(row), properties_key(c.seed, cases))
                                               : row;
                       },
                       after_warm_up(be)});
  }
  if (wanted(c, "properties")) {
    // Edge values, tiling shapes, wide half sums and disjoint random draws (verify/edges), per backend.
    for (const std::string& be : c.backends)
      tasks.push_back({"properties", "edges@" + be, false, share(edges_fraction, c.backends.size()), "",
                       [=](double l) {
                         CheckRow row = oracle_row("edges@" + be, binary_dir() + "/verify/test_edges",
                                                   "configure with -DANVIL_WITH_TESTS=ON", c.seed, l, "", be);
                         return be == "opencl" ? forget_warm_if_empty(std::move(row), edges_key()) : row;
                       },
                       after_warm_up(be)});
    tasks.push_back({"properties", "gradients (finite differences)", false, share(0.03), "", [=](double l) {
                       return oracle_row("gradients (finite differences)", binary_dir() + "/verify/test_grad",
                                         "configure with -DANVIL_WITH_TESTS=ON", c.seed, l);
                     }});
    const std::string no_torch = "needs libtorch-dev and -DANVIL_WITH_TORCH=ON";
    tasks.push_back({"properties", "torch: gradients", false, share(0.05), "", [=](double l) {
                       return oracle_row("torch: gradients", binary_dir() + "/verify/test_torch_grad", no_torch, c.seed,
                                         l);
                     }});
    // The dtype promotion table, whole (the engine and ref share it, so only torch can judge it), then
    // op rows on ref and the engine against torch, as many as the share allows.
    // Its share is mostly libtorch's start (seconds under load); the table itself takes milliseconds.
    tasks.push_back({"properties", "torch: promotion", false, share(0.08), "", [=](double l) {
                       return oracle_row("torch: promotion", binary_dir() + "/verify/test_torch_oracle", no_torch,
                                         c.seed, l, "TorchPromotion.*");
                     }});
    tasks.push_back({"properties", "torch: ops", false, share(0.03), "", [=](double l) {
                       return oracle_row("torch: ops", binary_dir() + "/verify/test_torch_oracle", no_torch, c.seed, l,
                                         "Rows/*");
                     }});
  }
  if (wanted(c, "prove")) {
    const int views = std::clamp(static_cast<int>(c.budget_s / 6), 5, 200);
    tasks.push_back({"prove", "views (Z3)", false, share(0.04), "", [=](double l) { return views_row(views, l); }});
  }
  if (wanted(c, "replay"))
    for (const fuzz::Target& t : fuzz::all_targets()) {
      const std::string name(t.name);
      tasks.push_back({"replay", "corpus/" + name, false, share(0.08, n_targets), "",
                       [=](double l) { return corpus_row(name, l); }});
    }
  if (wanted(c, "fuzz"))
    for (const fuzz::Target& t : fuzz::all_targets()) {
      const std::string name(t.name);
      // graph once per backend, each against ref; they share one work folder, so one at a time.
      const std::vector<std::string> per = name == "graph" ? c.backends : std::vector<std::string>{""};
      for (const std::string& be : per)
        tasks.push_back({"fuzz", "fuzz " + name + (be.empty() ? "" : "@" + be), true, 0, "fuzz-work/" + name,
                         [=](double l) { return fuzz_row(name, be, c.seed, c.findings_dir, l); }});
    }
  return tasks;
}

}  // namespace anvil::cli
