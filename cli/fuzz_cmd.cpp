// anvil fuzz TARGET [--time S | --runs N] [--seed N] [--jobs N] [--file]: a libFuzzer campaign over
// the target's seed corpus, in a scratch copy under the build directory. Findings are reproduced
// in a fresh process; with --file each reproduced finding becomes a case in regress/ and an entry
// in the expected-failure catalog (what the nightly does).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/proc.h"
#include "cli/replay.h"
#include "engine/support/error.h"
#include "engine/support/hash.h"
#include "fuzz/lib/finding.h"

namespace fs = std::filesystem;

namespace anvil::cli {
namespace {

long stat_value(const std::string& output, const std::string& name) {
  std::smatch m;
  if (std::regex_search(output, m, std::regex(name + ":\\s*(\\d+)"))) return std::stol(m[1]);
  return 0;
}

std::string today() {
  std::time_t t = std::time(nullptr);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&t));
  return buf;
}

// The reduced case the fuzz binary printed between its markers, if any.
std::string reduced_case(const std::string& output) {
  const std::string begin = "=== reduced case", end = "=== end";
  size_t b = output.find(begin);
  if (b == std::string::npos) return "";
  b = output.find('\n', b);
  size_t e = output.find(end, b);
  return e == std::string::npos ? "" : output.substr(b + 1, e - b - 1);
}

std::string file_case(const std::string& target, const std::string& text, long seed) {
  std::string signature = "unknown";
  std::smatch m;
  if (std::regex_search(text, m, std::regex("# signature: (\\S+)"))) signature = m[1];
  char id[32];
  std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(hash_bytes(text)));
  const fs::path dir = fs::path(source_dir()) / "regress" / "cases" / target;
  fs::create_directories(dir);
  const std::string rel = target + "/" + today() + "-" + std::string(id).substr(0, 8) + ".uop";
  std::ofstream(fs::path(source_dir()) / "regress" / "cases" / rel)
      << "# origin: anvil fuzz " << target << " --seed " << seed << ", " << today() << "\n# status: open\n"
      << text;
  std::ofstream(fs::path(source_dir()) / "regress" / "catalog.txt", std::ios::app) << rel << " - " << signature << "\n";
  return rel;
}

}  // namespace

FuzzSummary run_fuzzer(const std::string& target, double seconds, long runs, long seed, int jobs) {
  if (!fuzz::find_target(target)) (ErrorBuilder("fuzz") << "no target named '" << target << "'").raise();
  const fs::path work = fs::path(binary_dir()) / "fuzz-work" / target;
  fs::remove_all(work);  // a fresh corpus copy: with a fixed seed and run count, a run is repeatable
  fs::create_directories(work / "corpus");
  fs::create_directories(work / "artifacts");
  std::vector<std::string> argv = {binary_dir() + "/fuzz/fuzz_" + target,
                                   "-seed=" + std::to_string(seed),
                                   "-print_final_stats=1",
                                   "-timeout=10",
                                   "-rss_limit_mb=4096",
                                   "-max_len=16384",
                                   "-artifact_prefix=" + (work / "artifacts").string() + "/"};
  // A fixed run count is the gate's mode: no periodic corpus reload (it is timed), so a seed
  // gives the same executions every time.
  if (runs > 0) argv.insert(argv.end(), {"-runs=" + std::to_string(runs), "-reload=0"});
  if (seconds > 0) argv.push_back("-max_total_time=" + std::to_string(static_cast<long>(seconds)));
  if (jobs > 1) argv.push_back("-fork=" + std::to_string(jobs));
  argv.push_back((work / "corpus").string());
  argv.push_back(source_dir() + "/corpus/" + target);
  ProcResult r = run_process(argv, {}, (work / "fuzz.log").string(), {"pulse", "INITED", "DONE", "ERROR", "=== anvil"});
  FuzzSummary s;
  s.target = target;
  s.exit_code = r.exit_code;
  s.seconds = r.seconds;
  s.execs = stat_value(r.output, "stat::number_of_executed_units");
  s.execs_per_sec = stat_value(r.output, "stat::average_exec_per_sec");
  s.new_units = stat_value(r.output, "stat::new_units_added");
  if (r.exit_code != 0) {
    std::fprintf(stderr, "%s", r.output.substr(r.output.size() > 6000 ? r.output.size() - 6000 : 0).c_str());
    // Reproduce every artifact in a fresh process before anything is filed (a flaky finding is
    // reported, never filed). A crash has no in-process reduction: the artifact itself is filed.
    for (const auto& e : fs::directory_iterator(work / "artifacts")) {
      const CaseResult again = replay_case(target, e.path().string(), 60);
      std::string reduced = reduced_case(r.output);
      const bool reproduced =
          again.kind == CaseResult::Fail || again.kind == CaseResult::Crash || again.kind == CaseResult::Timeout;
      std::printf("finding %s: %s in a fresh process (%s)\n", e.path().c_str(),
                  reproduced ? "reproduced" : "NOT reproduced", kind_name(again.kind));
      if (!reproduced) continue;
      if (reduced.empty()) {
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream raw;
        raw << in.rdbuf();
        reduced = "# signature: " + again.signature + "\n" + raw.str();
        if (!reduced.empty() && reduced.back() != '\n') reduced += "\n";
      }
      s.filed.push_back(reduced);
    }
  }
  return s;
}

int cmd_fuzz(const Args& args) {
  if (has_flag(args, "--list")) {
    for (const fuzz::Target& t : fuzz::all_targets())
      std::printf("%.*s\n", static_cast<int>(t.name.size()), t.name.data());
    return 0;
  }
  std::vector<std::string> pos = positional(args);
  if (pos.empty())
    (ErrorBuilder("fuzz") << "usage: anvil fuzz TARGET [--time S | --runs N] [--seed N] [--jobs N] [--file]").raise();
  const double seconds = std::stod(flag_value(args, "--time").value_or("0"));
  const long runs = std::stol(flag_value(args, "--runs").value_or("0"));
  const long seed = std::stol(flag_value(args, "--seed").value_or("1"));
  const int jobs = std::stoi(flag_value(args, "--jobs").value_or("1"));
  if (seconds <= 0 && runs <= 0) (ErrorBuilder("fuzz") << "give --time S or --runs N").raise();
  FuzzSummary s = run_fuzzer(pos[0], seconds, runs, seed, jobs);
  std::printf("fuzz %s: %ld execs in %.1f s (%ld/s), %ld new corpus units, exit %d\n", s.target.c_str(), s.execs,
              s.seconds, s.execs_per_sec, s.new_units, s.exit_code);
  for (const std::string& text : s.filed) {
    if (has_flag(args, "--file"))
      std::printf("filed regress/cases/%s\n", file_case(s.target, text, seed).c_str());
    else
      std::printf("reduced case (file it with --file):\n%s", text.c_str());
  }
  return s.exit_code == 0 ? 0 : 1;
}

}  // namespace anvil::cli
