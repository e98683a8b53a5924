// anvil corpus TARGET [--runs N] [--seed N]: writes N fresh generated inputs to corpus/TARGET/
// (seed-NNNN.uop, or .bin for binary inputs), the starting point of every campaign and of the corpus replay.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/paths.h"
#include "engine/support/error.h"
#include "fuzz/lib/finding.h"

namespace fs = std::filesystem;

namespace anvil::cli {

int cmd_corpus(const Args& args) {
  std::vector<std::string> pos = positional(args);
  if (pos.empty()) (ErrorBuilder("corpus") << "usage: anvil corpus TARGET [--runs N] [--seed N]").raise();
  const fuzz::Target* target = fuzz::find_target(pos[0]);
  if (!target) (ErrorBuilder("corpus") << "no target named '" << pos[0] << "'").raise();
  const long count = std::stol(flag_value(args, "--runs").value_or("32"));
  fuzz::SeededSource src(std::stoull(flag_value(args, "--seed").value_or("1")));
  const fs::path dir = fs::path(source_dir()) / "corpus" / pos[0];
  fs::create_directories(dir);
  long written = 0;
  for (long i = 0; written < count && i < count * 20; ++i) {
    std::string text = target->generate(src);
    if (target->run(text).kind != fuzz::Outcome::Ok) continue;  // seeds must pass: findings go to regress/
    // A binary input (safetensors files) is written as it is, named .bin; text inputs are .uop.
    const bool binary = text.find('\0') != std::string::npos;
    char file[32];
    std::snprintf(file, sizeof file, "seed-%04ld.%s", written++, binary ? "bin" : "uop");
    std::ofstream(dir / file, std::ios::binary) << text;
  }
  std::printf("corpus %s: wrote %ld seeds to %s\n", pos[0].c_str(), written, dir.c_str());
  return written == count ? 0 : 1;
}

}  // namespace anvil::cli
