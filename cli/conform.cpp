// anvil conform --backend NAME [--cases N] [--seed N] [--ops a,b] [--sample N] [--json FILE] [--md FILE]
// [--case-dir DIR] [--jobs N]: the conformance matrix of one backend (verify/conform/matrix.h) with a
// progress line, written as Markdown and JSON. Exit 1 when any cell fails. With --md and no --case-dir,
// shrunk cases go beside the Markdown file in NAME-cases/. --jobs N runs N processes, each every N-th
// row (--shard K/N --cells-out FILE, internal), and merges their cells in row order.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/paths.h"
#include "cli/proc.h"
#include "engine/support/error.h"

#ifdef ANVIL_HAVE_CONFORM
#include "verify/conform/matrix.h"
#endif

namespace fs = std::filesystem;

namespace anvil::cli {
namespace {

// This command's flags that take a value (kept here: the matrix's flags are its own).
std::optional<std::string> value_of(const Args& args, const std::string& flag) {
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == flag) {
      if (i + 1 >= args.size()) (ErrorBuilder("conform") << flag << " needs a value").raise();
      return args[i + 1];
    }
  return std::nullopt;
}

long number(const Args& args, const std::string& flag, long fallback) {
  const auto v = value_of(args, flag);
  if (!v) return fallback;
  try {
    size_t used = 0;
    const long n = std::stol(*v, &used);
    if (used == v->size() && n >= 0) return n;
  } catch (const std::exception&) {
  }
  (ErrorBuilder("conform") << flag << " expects a non-negative integer, got '" << *v << "'").raise();
}

std::string git_commit() {
  const std::string cmd = "git -C '" + source_dir() + "' rev-parse --short=12 HEAD 2>/dev/null";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[64];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.empty() ? "unknown" : out;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

void write_file(const std::string& path, const std::string& text) {
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path);
  out << text;
  if (!out) (ErrorBuilder("conform") << "cannot write " << path).raise();
}

#ifdef ANVIL_HAVE_CONFORM
// --jobs N: N processes of this command, each running every N-th row (--shard K/N), merged back in
// row order. The cells are those of one process (a shard samples by the row's index in the whole run).
conform::Result run_shards(const conform::Options& o, int jobs) {
  const auto start = std::chrono::steady_clock::now();
  const fs::path dir = fs::temp_directory_path() / ("anvil-conform-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::vector<std::string> base = {"/proc/self/exe", "conform",
                                   "--backend",      o.backend,
                                   "--cases",        std::to_string(o.cases),
                                   "--seed",         std::to_string(o.seed),
                                   "--sample",       std::to_string(o.sample)};
  if (!o.rows.empty()) {
    std::string ops;
    for (const std::string& r : o.rows) ops += (ops.empty() ? "" : ",") + r;
    base.insert(base.end(), {"--ops", ops});
  }
  if (!o.case_dir.empty()) base.insert(base.end(), {"--case-dir", o.case_dir});
  std::vector<ProcResult> done(static_cast<size_t>(jobs));
  std::vector<std::thread> running;
  for (int k = 0; k < jobs; ++k)
    running.emplace_back([&, k] {
      std::vector<std::string> argv = base;
      argv.insert(argv.end(), {"--shard", std::to_string(k) + "/" + std::to_string(jobs), "--cells-out",
                               (dir / ("cells-" + std::to_string(k) + ".txt")).string()});
      done[static_cast<size_t>(k)] =
          run_process(argv, {}, (dir / ("shard-" + std::to_string(k) + ".log")).string(), {"conform: "}, 0);
    });
  for (std::thread& t : running) t.join();
  // Merge in the whole run's row order: shard k holds rows k, k + jobs, ...
  std::vector<std::vector<conform::Cell>> parts;
  for (int k = 0; k < jobs; ++k) {
    const ProcResult& p = done[static_cast<size_t>(k)];
    if (p.exit_code != 0)
      (ErrorBuilder("conform") << "shard " << k << "/" << jobs << " failed (exit " << p.exit_code
                               << "): " << p.output.substr(p.output.size() > 2000 ? p.output.size() - 2000 : 0))
          .raise();
    std::ifstream in(dir / ("cells-" + std::to_string(k) + ".txt"));
    std::stringstream text;
    text << in.rdbuf();
    parts.push_back(conform::cells_from_text(text.str()));
  }
  conform::Result r;
  r.options = o;
  std::vector<size_t> at(parts.size(), 0);
  for (bool more = true; more;) {  // round robin over shards, one row at a time
    more = false;
    for (size_t k = 0; k < parts.size(); ++k) {
      if (at[k] >= parts[k].size()) continue;
      const std::string row = parts[k][at[k]].row;
      while (at[k] < parts[k].size() && parts[k][at[k]].row == row) r.cells.push_back(parts[k][at[k]++]);
      more = true;
    }
  }
  fs::remove_all(dir);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}
#endif

}  // namespace

int cmd_conform(const Args& args) {
#ifndef ANVIL_HAVE_CONFORM
  (ErrorBuilder("conform") << "this build has no RapidCheck (ANVIL_WITH_TESTS=OFF): the matrix is not built").raise();
#else
  const auto backend = value_of(args, "--backend");
  if (!backend) (ErrorBuilder("conform") << "--backend NAME is required (interp, c, llvm, ...)").raise();
  conform::Options o;
  o.backend = *backend;
  o.cases = static_cast<int>(number(args, "--cases", o.cases));
  o.seed = static_cast<uint64_t>(number(args, "--seed", static_cast<long>(o.seed)));
  o.sample = static_cast<int>(number(args, "--sample", 0));
  if (const auto ops = value_of(args, "--ops")) {
    std::stringstream in(*ops);
    for (std::string name; std::getline(in, name, ',');)
      if (!name.empty()) o.rows.push_back(name);
  }
  const auto md = value_of(args, "--md"), json = value_of(args, "--json");
  if (const auto dir = value_of(args, "--case-dir"))
    o.case_dir = *dir;
  else if (md)
    o.case_dir = (fs::path(*md).parent_path() / (o.backend + "-cases")).string();
  const bool tty = isatty(fileno(stderr));
  o.progress = [tty](size_t done, size_t total, std::string_view row) {
    std::fprintf(stderr, tty ? "\r\033[Kconform: %zu/%zu rows %.*s" : "conform: %zu/%zu rows %.*s\n", done, total,
                 static_cast<int>(row.size()), row.data());
  };
  const long jobs = number(args, "--jobs", 1);
  if (const auto shard = value_of(args, "--shard")) {  // a child of --jobs: rows k, k + n, ... into --cells-out
    if (std::sscanf(shard->c_str(), "%d/%d", &o.shard, &o.shards) != 2 || o.shards < 1 || o.shard < 0 ||
        o.shard >= o.shards)
      (ErrorBuilder("conform") << "--shard K/N with 0 <= K < N, not " << *shard).raise();
    const auto cells_out = value_of(args, "--cells-out");
    if (!cells_out) (ErrorBuilder("conform") << "--shard needs --cells-out FILE").raise();
    write_file(*cells_out, conform::cells_to_text(conform::run_matrix(o).cells));
    return 0;
  }
  conform::Result r;
  if (jobs > 1) {
    r = run_shards(o, static_cast<int>(jobs));
  } else {
    r = conform::run_matrix(o);
  }
  if (tty) std::fprintf(stderr, "\n");
  const conform::Header h{git_commit(), utc_now(), fs::path(binary_dir()).filename().string()};
  if (md) write_file(*md, conform::to_markdown(r, h));
  if (json) write_file(*json, conform::to_json(r, h));
  std::printf("conform %s: %zu cells: %zu pass, %zu fail, %zu unsupported, %zu refused by the API or ref (%.0f s)\n",
              o.backend.c_str(), r.cells.size(), r.count(conform::Status::Pass), r.count(conform::Status::Fail),
              r.count(conform::Status::Unsupported), r.count(conform::Status::Refused), r.seconds);
  for (const conform::Cell& c : r.cells) {
    if (c.status != conform::Status::Fail) continue;
    const std::string file = c.case_file.empty() ? "" : (fs::path(o.case_dir).parent_path() / c.case_file).string();
    std::printf("FAIL %s / %s / %s: %s%s%s\n", c.row.c_str(), name(c.dtype).c_str(),
                std::string(conform::class_name(c.shape_class)).c_str(),
                c.message.substr(0, c.message.find('\n')).c_str(), file.empty() ? "" : "\n  case: ", file.c_str());
  }
  return r.count(conform::Status::Fail) ? 1 : 0;
#endif
}

}  // namespace anvil::cli
