// anvil fuzz TARGET [--time S | --runs N] [--seed N] [--jobs N] [--file]: a libFuzzer campaign over
// the target's seed corpus, in a scratch copy under the build directory. Findings are reproduced
// in a fresh process and count only with the campaign's signature; with --file each becomes a case
// in regress/ and an entry in the expected-failure catalog (what the nightly does).
// anvil fuzz TARGET --merge [--corpus DIR]: minimizes the corpus with the last campaign's new units.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
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

// The campaign's output about one artifact: from after the previous artifact's "Test unit
// written to" line up to this one's (the whole output when libFuzzer did not name it).
std::string artifact_output(const std::string& output, const std::string& artifact) {
  const std::string written = "Test unit written to ";
  size_t end = output.find(written + artifact);
  if (end == std::string::npos) return output;
  size_t begin = output.rfind(written, end == 0 ? 0 : end - 1);
  begin = begin == std::string::npos ? 0 : begin + written.size();
  return output.substr(begin, end - begin);
}

// The signature the campaign gave an artifact: its `=== anvil finding:` line, else its crash
// line (`=== anvil crash: STAGE OP BACKEND`), else a timeout or an unnamed crash.
std::string campaign_signature(const std::string& target, const std::string& segment, const fs::path& artifact) {
  std::smatch m;
  if (std::regex_search(segment, m, std::regex("=== anvil finding: (\\S+)"))) return m[1];
  const bool timeout = artifact.filename().string().rfind("timeout-", 0) == 0;
  std::string sig = target + (timeout ? "/timeout/-/-" : "/crash/-/-");
  static const std::regex line("=== anvil crash: (\\S+) (\\S+) (\\S+)");
  for (auto it = std::sregex_iterator(segment.begin(), segment.end(), line); it != std::sregex_iterator(); ++it)
    sig = target + "/crash/" + (*it)[2].str() + "/" + (*it)[3].str();
  return sig;
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

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

size_t count_files(const fs::path& dir) {
  size_t n = 0;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

// Minimizes DIR together with the last campaign's work corpus through libFuzzer's -merge=1 (a
// unit stays when it adds coverage), into a fresh folder, then makes DIR that set. A unit that was
// already in DIR keeps its name; a new one keeps libFuzzer's (its SHA1). Units the target rejects
// or fails on are left out: a seed corpus holds only valid, passing inputs.
int merge_corpus(const std::string& target_name, const fs::path& corpus) {
  const fuzz::Target* target = fuzz::find_target(target_name);
  if (!target) (ErrorBuilder("fuzz") << "no target named '" << target_name << "'").raise();
  if (!fs::is_directory(corpus)) (ErrorBuilder("fuzz") << "--merge: no corpus folder " << corpus.string()).raise();
  const fs::path work = fs::path(binary_dir()) / "fuzz-work" / target_name;
  const fs::path merged = work / "merged";
  fs::remove_all(merged);
  fs::create_directories(merged);
  fs::remove(work / "merge.control");  // an old control file would resume an old merge
  std::vector<std::string> argv = {binary_dir() + "/fuzz/fuzz_" + target_name,
                                   "-merge=1",
                                   "-timeout=10",
                                   "-rss_limit_mb=4096",
                                   "-max_len=16384",
                                   "-merge_control_file=" + (work / "merge.control").string(),
                                   merged.string(),
                                   corpus.string()};
  const size_t before = count_files(corpus), from_work = count_files(work / "corpus");
  if (from_work > 0) argv.push_back((work / "corpus").string());
  ProcResult r = run_process(argv, {}, (work / "merge.log").string(), {"MERGE-OUTER"});
  if (r.exit_code != 0) {
    std::fprintf(stderr, "%s", r.output.substr(r.output.size() > 4000 ? r.output.size() - 4000 : 0).c_str());
    (ErrorBuilder("fuzz") << "--merge: libFuzzer exited " << r.exit_code << " (corpus left unchanged)").raise();
  }
  std::vector<fs::path> old_units;  // sorted, so of two equal units the first name stays
  for (const auto& e : fs::directory_iterator(corpus))
    if (e.is_regular_file()) old_units.push_back(e.path());
  std::sort(old_units.begin(), old_units.end());
  std::map<std::string, std::string> name_of;  // contents -> the name a unit had in the corpus
  for (const fs::path& p : old_units) name_of.emplace(read_file(p), p.filename().string());
  std::map<std::string, std::string> keep;  // name -> contents
  size_t dropped = 0;
  for (const auto& e : fs::directory_iterator(merged)) {
    std::string text = read_file(e.path());
    if (target->run(text).kind != fuzz::Outcome::Ok) {
      ++dropped;
      continue;
    }
    auto it = name_of.find(text);
    keep.emplace(it != name_of.end() ? it->second : e.path().filename().string(), std::move(text));
  }
  if (keep.empty()) (ErrorBuilder("fuzz") << "--merge: the merge kept no unit (corpus left unchanged)").raise();
  for (const auto& e : fs::directory_iterator(corpus))
    if (e.is_regular_file() && !keep.count(e.path().filename().string())) fs::remove(e.path());
  for (const auto& [name, text] : keep) std::ofstream(corpus / name, std::ios::binary) << text;
  std::printf("merge %s: %zu corpus + %zu campaign units -> %zu units in %s (%zu invalid left out)\n",
              target_name.c_str(), before, from_work, keep.size(), corpus.c_str(), dropped);
  return 0;
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
  // A target's libFuzzer dictionary, where it has one (its byte-level mutations use it).
  if (const fs::path dict = fs::path(source_dir()) / "fuzz" / "dict" / (target + ".dict"); fs::exists(dict))
    argv.push_back("-dict=" + dict.string());
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
      const std::string segment = artifact_output(r.output, e.path().string());
      const std::string want = campaign_signature(target, segment, e.path());
      const CaseResult again = replay_case(target, e.path().string(), 60);
      const bool failed =
          again.kind == CaseResult::Fail || again.kind == CaseResult::Crash || again.kind == CaseResult::Timeout;
      // Only the same failure counts: another signature is another bug, or a flaky one.
      if (!failed) {
        std::printf("finding %s: NOT reproduced in a fresh process (%s; the campaign said %s)\n", e.path().c_str(),
                    kind_name(again.kind), want.c_str());
        continue;
      }
      if (again.signature != want) {
        std::printf("finding %s: reproduced with another signature %s vs %s (not filed)\n", e.path().c_str(),
                    want.c_str(), again.signature.c_str());
        continue;
      }
      std::printf("finding %s: reproduced in a fresh process (%s)\n", e.path().c_str(), want.c_str());
      std::string reduced = reduced_case(segment);
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
    (ErrorBuilder("fuzz") << "usage: anvil fuzz TARGET [--time S | --runs N] [--seed N] [--jobs N] [--file] | "
                             "TARGET --merge [--corpus DIR]")
        .raise();
  if (has_flag(args, "--merge"))
    return merge_corpus(pos[0], flag_value(args, "--corpus").value_or(source_dir() + "/corpus/" + pos[0]));
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
