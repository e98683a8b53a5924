#pragma once
// One case through its fuzz target in a fresh process (replay_TARGET CASE), with a time limit: a
// crash, sanitizer report, ANVIL_CHECK abort or hang in one case never takes the caller down.
#include <string>

namespace anvil::cli {

struct CaseResult {
  enum Kind { Pass, Fail, Crash, Timeout, Rejected, NoRunner } kind = Pass;  // NoRunner: not built
  // The finding's (Fail); a crash or timeout: "TARGET/crash/OP/BACKEND" from the child's last
  // `=== anvil crash: STAGE OP BACKEND` line, "-" for what it did not print.
  std::string signature;
  std::string stage = "-";  // the engine stage of that line: schedule, lower, interp, ref, ...
  std::string output;       // the child's stdout and stderr
  int exit_code = 0;
};

const char* kind_name(CaseResult::Kind kind);

// `replayer` empty: BINARY_DIR/fuzz/replay_TARGET FILE; else `replayer TARGET FILE` (tests use a script).
CaseResult replay_case(const std::string& target, const std::string& file, double timeout_s,
                       const std::string& replayer = "");

}  // namespace anvil::cli
