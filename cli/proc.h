#pragma once
// Running the suite binaries (property tests, libFuzzer targets) as child processes: a crash or
// hang in one never takes the command down, and each finding reruns in a fresh process.
#include <string>
#include <vector>

namespace anvil::cli {

struct ProcResult {
  int exit_code = -1;  // 128 + signal when killed by one
  double seconds = 0;
  std::string output;      // stdout and stderr, interleaved
  bool timed_out = false;  // killed (with its process group) at the time limit
};

// Runs argv with extra environment entries ("NAME=value"); output also goes to `log_path`
// when given. Lines containing one of `echo_markers` are also streamed to stderr, as progress.
// `timeout_s` > 0: the child (in a process group of its own) is killed after that many seconds.
// Safe to call from several threads at once (`anvil check` runs parts in parallel).
ProcResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env = {},
                       const std::string& log_path = "", const std::vector<std::string>& echo_markers = {},
                       double timeout_s = 0);

}  // namespace anvil::cli
