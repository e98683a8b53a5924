// `anvil bench [ARGS]`: runs bench/run (issue 7's table beside numpy and PyTorch) with ARGS. The
// script builds its own release build (build/bench), so it replaces this process: timing a
// benchmark from inside a sanitizer build would measure the sanitizer.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/paths.h"
#include "engine/support/error.h"

namespace anvil::cli {

int cmd_bench(const Args& args) {
  const std::string script = source_dir() + "/bench/run";
  std::vector<std::string> argv{script};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  execv(script.c_str(), raw.data());
  (ErrorBuilder("bench") << "cannot run " << script << ": " << std::strerror(errno)
                         << " (ANVIL_SOURCE_DIR names the source tree)")
      .raise();
}

}  // namespace anvil::cli
