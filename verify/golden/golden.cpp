#include "verify/golden/golden.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/codegen/linearize.h"
#include "engine/codegen/opt.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/cuda/render_cuda.h"
#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/support/error.h"

namespace fs = std::filesystem;

namespace anvil::golden {
namespace {

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write_file(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) (ErrorBuilder("golden") << "cannot write " << path.string()).raise();
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// `"key"="value"` becomes `"key"="<host>"`: LLVM function attributes naming the build machine.
std::string mask_attribute(std::string line, std::string_view key) {
  const std::string open = "\"" + std::string(key) + "\"=\"";
  for (size_t at = line.find(open); at != std::string::npos; at = line.find(open, at + 1)) {
    const size_t begin = at + open.size();
    const size_t end = line.find('"', begin);
    if (end == std::string::npos) break;
    line.replace(begin, end - begin, "<host>");
  }
  return line;
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// "3: c/a.txt, interp/a.txt, llvm/a.txt", or only the count past a few names (the diff has the rest).
std::string files_cell(const std::vector<Entry>& entries) {
  std::vector<std::string> names;
  for (const Entry& e : entries)
    if (e.state != State::Same) names.push_back(e.rel);
  std::string cell = std::to_string(names.size());
  if (names.size() > 6) return cell + " files";
  for (size_t i = 0; i < names.size(); ++i) cell += (i ? ", " : ": ") + names[i];
  return cell;
}

std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

constexpr std::string_view kChangesHeader =
    "# Golden kernel changes\n\n"
    "Every accepted change of golden/ (`anvil golden --accept \"reason\"`), newest last; golden/README.md says why.\n\n"
    "| date | files changed | reason |\n"
    "|---|---|---|\n";

// cuda's kernels are pinned on every machine: its renderer is plain text, built without CUDA, while
// the backend registers only in a build with ANVIL_WITH_CUDA (then it renders the same text).
constexpr Backend kCudaRenderOnly{"cuda", [] { return std::string("cuda: rendered only in this build"); }, render_cuda,
                                  nullptr, [] { return std::string(); }};

}  // namespace

std::vector<const Backend*> backends() {
  const std::span<const Backend* const> all = all_backends();
  std::vector<const Backend*> out(all.begin(), all.end());
  if (!find_backend_named("cuda")) out.push_back(&kCudaRenderOnly);
  return out;
}

std::string normalize(std::string_view source) {
  std::ostringstream os;
  std::istringstream in{std::string(source)};
  std::string line;
  while (std::getline(in, line)) {
    if (starts_with(line, "target triple") || starts_with(line, "target datalayout") ||
        starts_with(line, "source_filename"))
      continue;
    line = mask_attribute(mask_attribute(std::move(line), "target-cpu"), "target-features");
    line = mask_attribute(std::move(line), "tune-cpu");
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
    os << line << "\n";
  }
  std::string out = os.str();
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

std::string render(const Graph& graph, const Backend& backend) {
  std::ostringstream os;
  os << "# golden kernels: " << graph.name << " on " << backend.name << " (golden/README.md; change with `"
     << kAcceptCommand << "`)\n";
  os << "# " << graph.what << "\n";
  // Some Tensor ops move a helper tensor to the input's device, which needs the device registered.
  static const bool registered = (install_interp_realizer(), true);
  (void)registered;
  try {
    const Schedule s = make_schedule(graph.build());
    os << "# " << s.kernels.size() << (s.kernels.size() == 1 ? " kernel" : " kernels")
       << "; actions as the heuristic chooses them for "
       << (backend.gpu ? std::string("a GPU") : std::to_string(kThreads) + " threads") << "\n";
    // Pinned: the heuristic as for an AVX2 machine with kThreads threads, whatever this CPU is; a
    // GPU backend's kernels get the GPU's actions, as realize gives them.
    const OptTarget target = backend.gpu ? OptTarget{1, false, true} : OptTarget{kThreads, false};
    for (size_t i = 0; i < s.kernels.size(); ++i) {
      const std::vector<Opt> opts = choose_opts(s.kernels[i].ast, target);
      const std::vector<UOp> program = linearize(apply_opts(s.kernels[i].ast, opts));
      os << "\n=== kernel " << i << " opts: " << (opts.empty() ? std::string("none") : to_string(opts)) << "\n";
      os << normalize(backend.render(program, "anvil_kernel"));
    }
  } catch (const Error& e) {
    os << "# error: " << e.what() << "\n";  // a graph that stops building shows in the diff, not as a crash
  }
  return os.str();
}

const std::map<std::string, std::string>& renderings() {
  static const std::map<std::string, std::string> all = [] {
    std::map<std::string, std::string> m;
    for (const Backend* b : backends())
      for (const Graph& g : graphs()) m.emplace(std::string(b->name) + "/" + g.name + ".txt", render(g, *b));
    return m;
  }();
  return all;
}

std::vector<Entry> compare(const fs::path& dir) {
  std::map<std::string, Entry> by_path;
  for (const auto& [rel, text] : renderings()) {
    Entry e{rel, State::Missing, "", text};
    if (fs::exists(dir / rel)) {
      e.stored = read_file(dir / rel);
      e.state = e.stored == e.rendered ? State::Same : State::Changed;
    }
    by_path.emplace(rel, std::move(e));
  }
  std::set<std::string> backend_dirs;
  for (const Backend* b : backends()) backend_dirs.insert(std::string(b->name));
  // A stored file no graph renders any more (a backend not built in here keeps its files).
  for (const std::string& b : backend_dirs) {
    if (!fs::is_directory(dir / b)) continue;
    for (const auto& f : fs::directory_iterator(dir / b)) {
      if (!f.is_regular_file() || f.path().extension() != ".txt") continue;
      const std::string rel = b + "/" + f.path().filename().string();
      if (by_path.count(rel)) continue;
      by_path.emplace(rel, Entry{rel, State::Stale, read_file(f.path()), ""});
    }
  }
  std::vector<Entry> out;
  for (auto& [rel, e] : by_path) out.push_back(std::move(e));
  return out;
}

size_t count_changed(const std::vector<Entry>& entries) {
  return static_cast<size_t>(
      std::count_if(entries.begin(), entries.end(), [](const Entry& e) { return e.state != State::Same; }));
}

std::string report(const std::vector<Entry>& entries) {
  const size_t changed = count_changed(entries);
  if (changed == 0) return "";
  std::ostringstream os;
  for (const Entry& e : entries) {
    if (e.state == State::Same) continue;
    const std::string from = e.state == State::Missing ? "/dev/null" : "a/golden/" + e.rel;
    const std::string to = e.state == State::Stale ? "/dev/null" : "b/golden/" + e.rel;
    os << "diff golden/" << e.rel
       << (e.state == State::Missing ? " (new)"
           : e.state == State::Stale ? " (no graph renders it any more)"
                                     : "")
       << "\n"
       << unified_diff(e.stored, e.rendered, from, to);
  }
  os << changed << " golden file" << (changed == 1 ? "" : "s")
     << " differ from the rendering. If the change is intended, accept it (rewrites golden/, appends to "
        "golden/CHANGES.md):\n  "
     << kAcceptCommand << "\n";
  return os.str();
}

size_t accept(const fs::path& dir, const std::vector<Entry>& entries, std::string_view reason) {
  std::string why(reason);
  while (!why.empty() && (why.back() == ' ' || why.back() == '\t')) why.pop_back();
  while (!why.empty() && (why.front() == ' ' || why.front() == '\t')) why.erase(why.begin());
  if (why.empty()) (ErrorBuilder("golden") << "--accept needs a one-line reason, e.g. " << kAcceptCommand).raise();
  if (why.find_first_of("\r\n") != std::string::npos)
    (ErrorBuilder("golden") << "the reason must be one line, got " << why.size() << " characters over several").raise();
  const size_t changed = count_changed(entries);
  if (changed == 0) return 0;
  for (const Entry& e : entries) {
    if (e.state == State::Same) continue;
    if (e.state == State::Stale)
      fs::remove(dir / e.rel);
    else
      write_file(dir / e.rel, e.rendered);
  }
  const fs::path changes = dir / "CHANGES.md";
  std::string log = fs::exists(changes) ? read_file(changes) : std::string(kChangesHeader);
  if (!log.empty() && log.back() != '\n') log += "\n";
  log += "| " + utc_now() + " | " + files_cell(entries) + " | " + escape_cell(why) + " |\n";
  write_file(changes, log);
  return changed;
}

fs::path default_dir() {
  if (const char* d = std::getenv("ANVIL_GOLDEN_DIR"); d && *d) return d;
  if (const char* s = std::getenv("ANVIL_SOURCE_DIR"); s && *s) return fs::path(s) / "golden";
  return fs::path(ANVIL_GOLDEN_SOURCE_DIR) / "golden";
}

}  // namespace anvil::golden
