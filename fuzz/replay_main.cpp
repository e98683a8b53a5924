// Replays inputs through a fuzz target without libFuzzer: the corpus-replay test, and the way to
// rerun one case in a fresh process. Usage: replay_TARGET FILE_OR_DIR...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "engine/support/breadcrumb.h"
#include "fuzz/lib/finding.h"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  // A crash prints `=== anvil crash: STAGE OP BACKEND`, which triage turns into the signature.
  anvil::breadcrumb::install_crash_handlers(true);
  const anvil::fuzz::Target* target = anvil::fuzz::find_target(ANVIL_FUZZ_TARGET);
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    fs::path p(argv[i]);
    if (fs::is_directory(p)) {
      for (const auto& e : fs::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  int ok = 0, rejected = 0, found = 0;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    anvil::fuzz::Outcome out = target->run(buf.str());
    switch (out.kind) {
      case anvil::fuzz::Outcome::Ok: ++ok; break;
      case anvil::fuzz::Outcome::Rejected:
        ++rejected;
        std::printf("rejected: %s\n", f.c_str());
        break;
      case anvil::fuzz::Outcome::Found:
        ++found;
        std::printf("FINDING %s in %s\n%s\n", out.finding.signature.str().c_str(), f.c_str(),
                    out.finding.message.c_str());
        break;
    }
  }
  std::printf("replay %s: %zu inputs, %d ok, %d rejected, %d findings\n", ANVIL_FUZZ_TARGET, files.size(), ok, rejected,
              found);
  // A seed corpus must hold only valid inputs: a rejected seed is a stale seed.
  return (found || rejected || files.empty()) ? 1 : 0;
}
