// anvil regress [--collect] [--dir DIR] [--timeout S] [--replayer CMD]: replays every case under
// regress/cases/<target>/ through its target, each in a fresh process (replay.h) with a time limit,
// so a crashing or hanging case is reported as CRASH or TIMEOUT while the others still run. The
// catalog (regress/catalog.txt) lists expected failures; an unexpected pass fails the run until the
// catalog is updated, which --collect does.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/replay.h"
#include "engine/support/error.h"
#include "fuzz/lib/case_size.h"
#include "fuzz/lib/finding.h"

namespace fs = std::filesystem;

namespace anvil::cli {
namespace {

struct CatalogEntry {
  std::string backend;
  std::string reason;
};
using Catalog = std::map<std::string, CatalogEntry>;  // case path (relative to cases/) -> entry

Catalog read_catalog(const fs::path& path) {
  Catalog catalog;
  std::ifstream in(path);
  std::string line;
  for (int lineno = 1; std::getline(in, line); ++lineno) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string case_path, backend, reason;
    fields >> case_path >> backend;
    std::getline(fields >> std::ws, reason);
    if (case_path.empty() || backend.empty())
      (ErrorBuilder("regress") << path.string() << ":" << lineno << ": expected 'CASE BACKEND REASON'").raise();
    catalog[case_path] = {backend, reason};
  }
  return catalog;
}

void write_catalog(const fs::path& path, const Catalog& catalog) {
  std::ofstream out(path);
  out << "# Expected failures, one per line: CASE BACKEND REASON\n"
         "# CASE is a path under regress/cases/; BACKEND a backend name, or - for backend-free targets.\n"
         "# `anvil regress --collect` rewrites this file from the current results.\n";
  for (const auto& [case_path, e] : catalog) out << case_path << " " << e.backend << " " << e.reason << "\n";
}

}  // namespace

int cmd_regress(const Args& args) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // a caller that stops it at a time limit keeps every finished line
  const fs::path dir = flag_value(args, "--dir").value_or(source_dir() + "/regress");
  const bool collect = has_flag(args, "--collect");
  const double timeout_s = std::stod(flag_value(args, "--timeout").value_or("120"));
  const std::string replayer = flag_value(args, "--replayer").value_or("");
  const fs::path catalog_path = dir / "catalog.txt";
  Catalog catalog = read_catalog(catalog_path), collected;
  std::vector<fs::path> cases;
  if (fs::is_directory(dir / "cases"))
    for (const auto& e : fs::recursive_directory_iterator(dir / "cases"))
      if (e.is_regular_file() && e.path().extension() == ".uop") cases.push_back(e.path());
  std::sort(cases.begin(), cases.end());

  std::map<std::string, int> counts;
  std::vector<size_t> sizes;  // each case in its target's measure (nodes, steps, statements)
  int bad = 0;
  for (const fs::path& p : cases) {
    const std::string rel = fs::relative(p, dir / "cases").generic_string();
    const std::string target_name = rel.substr(0, rel.find('/'));
    const fuzz::Target* target = fuzz::find_target(target_name);
    std::string status, detail;
    if (!target) {
      status = "ERROR";
      detail = "no fuzz target named '" + target_name + "'";
    } else {
      std::ifstream text(p, std::ios::binary);
      sizes.push_back(target->size(std::string(std::istreambuf_iterator<char>(text), {})));
      const CaseResult out = replay_case(target_name, p.string(), timeout_s, replayer);
      const bool expected_fail = catalog.count(rel) != 0;
      if (out.kind == CaseResult::Rejected || out.kind == CaseResult::NoRunner) {
        status = "ERROR";
        detail = out.kind == CaseResult::Rejected ? "the target rejects this case (stale text?)" : out.output;
      } else if (out.kind != CaseResult::Pass) {
        // A crash or timeout is a failure like a finding; the catalog may expect it.
        const bool failed = out.kind == CaseResult::Fail;
        status = expected_fail ? "XFAIL" : failed ? "FAIL" : out.kind == CaseResult::Crash ? "CRASH" : "TIMEOUT";
        detail = out.signature + (failed ? "" : " (exit " + std::to_string(out.exit_code) + ")");
        collected[rel] = expected_fail ? catalog[rel] : CatalogEntry{"-", out.signature};
        if (!expected_fail)
          std::printf("%s\n", out.output.substr(out.output.size() > 4000 ? out.output.size() - 4000 : 0).c_str());
      } else {
        status = expected_fail ? "XPASS" : "PASS";
      }
    }
    ++counts[status];
    const bool ok = status == "PASS" || status == "XFAIL";
    if (!ok) ++bad;
    std::printf("%-7s %s%s%s\n", status.c_str(), rel.c_str(), detail.empty() ? "" : "  ", detail.c_str());
  }
  for (const auto& [case_path, e] : catalog)
    if (!fs::exists(dir / "cases" / case_path)) {
      std::printf("ERROR  %s  listed in the catalog but missing (cases are never deleted)\n", case_path.c_str());
      ++bad;
    }
  std::printf("regress: %zu cases: %d passed, %d xfail, %d failed, %d crashed, %d timed out, %d xpass, %d errors\n",
              cases.size(), counts["PASS"], counts["XFAIL"], counts["FAIL"], counts["CRASH"], counts["TIMEOUT"],
              counts["XPASS"], counts["ERROR"]);
  std::printf("regress: median case size %g (UOp nodes, movement steps or statements)\n", fuzz::median_size(sizes));
  if (collect) {
    write_catalog(catalog_path, collected);
    std::printf("regress: catalog rewritten with %zu expected failures\n", collected.size());
    return counts["ERROR"] ? 1 : 0;
  }
  return bad ? 1 : 0;
}

}  // namespace anvil::cli
