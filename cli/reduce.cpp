// anvil reduce CASE [--target T] [--out FILE]: shrinks a failing case while its finding keeps its
// signature, and prints (or writes) the reduced case with node counts before and after.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "engine/ir/text.h"
#include "engine/support/error.h"
#include "fuzz/lib/finding.h"

namespace fs = std::filesystem;

namespace anvil::cli {
namespace {

size_t nodes_in(const std::string& text) {
  try {
    size_t n = 0;
    for (const UOp& root : parse_text(text)) n += root.toposort().size();
    return n;
  } catch (const Error&) {
    return 0;
  }
}

}  // namespace

int cmd_reduce(const Args& args) {
  std::vector<std::string> pos = positional(args);
  if (pos.empty()) (ErrorBuilder("reduce") << "usage: anvil reduce CASE [--target T] [--out FILE]").raise();
  const fs::path path = pos[0];
  // The target is the case's folder under regress/cases/ (or corpus/), unless named.
  const std::string target_name = flag_value(args, "--target").value_or(path.parent_path().filename().string());
  const fuzz::Target* target = fuzz::find_target(target_name);
  if (!target) (ErrorBuilder("reduce") << "no fuzz target '" << target_name << "'; pass --target").raise();
  std::ifstream in(path, std::ios::binary);
  if (!in) (ErrorBuilder("reduce") << "cannot read " << path.string()).raise();
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  fuzz::Outcome out = target->run(text);
  if (out.kind != fuzz::Outcome::Found) {
    std::printf("reduce: %s does not fail on target %s; nothing to reduce\n", path.c_str(), target_name.c_str());
    return 1;
  }
  std::string reduced = target->reduce(text, out.finding.signature);
  fuzz::Outcome after = target->run(reduced);
  std::string case_text =
      "# signature: " +
      (after.kind == fuzz::Outcome::Found ? after.finding.signature.str() : out.finding.signature.str()) + "\n" +
      reduced;
  std::fprintf(stderr, "reduce: %zu nodes -> %zu nodes (%s)\n", nodes_in(text), nodes_in(reduced),
               out.finding.signature.str().c_str());
  if (auto file = flag_value(args, "--out"))
    std::ofstream(*file) << case_text;
  else
    std::printf("%s", case_text.c_str());
  return 0;
}

}  // namespace anvil::cli
