// anvil reduce CASE [--target T] [--out FILE]: shrinks a failing case while its finding keeps its
// signature, and prints (or writes) the reduced case with its size before and after (UOp nodes,
// movement steps or statements: the target's own measure).
// anvil reduce --stats DIR...: every case's size and, for cases that fail now, its reduced size,
// as a table with the medians.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "engine/support/error.h"
#include "fuzz/lib/case_size.h"
#include "fuzz/lib/finding.h"

namespace fs = std::filesystem;

namespace anvil::cli {
namespace {

std::string read_case(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) (ErrorBuilder("reduce") << "cannot read " << path.string()).raise();
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// The target is the case's folder under regress/cases/ (or corpus/), unless named.
const fuzz::Target& target_of(const Args& args, const fs::path& path) {
  const std::string name = flag_value(args, "--target").value_or(path.parent_path().filename().string());
  const fuzz::Target* target = fuzz::find_target(name);
  if (!target)
    (ErrorBuilder("reduce") << "no fuzz target '" << name << "' for " << path.string() << "; pass --target").raise();
  return *target;
}

// Runs in this process: a case that crashes it stops the table (regress replays in fresh processes).
int reduce_stats(const Args& args, const std::vector<std::string>& dirs) {
  std::vector<fs::path> cases;
  for (const std::string& d : dirs) {
    if (!fs::is_directory(d)) (ErrorBuilder("reduce") << "--stats: " << d << " is not a directory").raise();
    for (const auto& e : fs::recursive_directory_iterator(d))
      if (e.is_regular_file() && e.path().extension() == ".uop") cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  std::vector<size_t> sizes, reduced_sizes;
  std::printf("%-8s %6s %8s  %s\n", "target", "size", "reduced", "case");
  for (const fs::path& p : cases) {
    const fuzz::Target& target = target_of(args, p);
    const std::string text = read_case(p);
    const size_t size = target.size(text);
    sizes.push_back(size);
    std::string reduced = "-";
    fuzz::Outcome out;
    try {
      out = target.run(text);
    } catch (const Error& e) {
      out = fuzz::Outcome::found({{std::string(target.name), "-", "-", "error"}, e.what()});
    }
    if (out.kind == fuzz::Outcome::Found) {
      const size_t r = target.size(target.reduce(text, out.finding.signature));
      reduced_sizes.push_back(r);
      reduced = std::to_string(r);
    }
    std::printf("%-8.*s %6zu %8s  %s\n", static_cast<int>(target.name.size()), target.name.data(), size,
                reduced.c_str(), p.c_str());
  }
  std::printf("reduce: %zu cases, median size %g; %zu fail now, median reduced size %g\n", cases.size(),
              fuzz::median_size(sizes), reduced_sizes.size(), fuzz::median_size(reduced_sizes));
  return 0;
}

}  // namespace

int cmd_reduce(const Args& args) {
  std::vector<std::string> pos = positional(args);
  if (has_flag(args, "--stats")) return reduce_stats(args, pos);
  if (pos.empty())
    (ErrorBuilder("reduce") << "usage: anvil reduce CASE [--target T] [--out FILE] | anvil reduce --stats DIR...")
        .raise();
  const fs::path path = pos[0];
  const fuzz::Target& target = target_of(args, path);
  const std::string text = read_case(path);
  fuzz::Outcome out = target.run(text);
  if (out.kind != fuzz::Outcome::Found) {
    std::printf("reduce: %s does not fail on target %.*s; nothing to reduce\n", path.c_str(),
                static_cast<int>(target.name.size()), target.name.data());
    return 1;
  }
  std::string reduced = target.reduce(text, out.finding.signature);
  fuzz::Outcome after = target.run(reduced);
  std::string case_text =
      "# signature: " +
      (after.kind == fuzz::Outcome::Found ? after.finding.signature.str() : out.finding.signature.str()) + "\n" +
      reduced;
  const char* unit = target.name == "api" ? "statements" : target.name == "shape" ? "steps" : "nodes";
  std::fprintf(stderr, "reduce: %zu %s -> %zu %s (%s)\n", target.size(text), unit, target.size(reduced), unit,
               out.finding.signature.str().c_str());
  if (auto file = flag_value(args, "--out"))
    std::ofstream(*file) << case_text;
  else
    std::printf("%s", case_text.c_str());
  return 0;
}

}  // namespace anvil::cli
