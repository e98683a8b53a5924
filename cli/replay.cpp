#include "cli/replay.h"

#include <regex>

#include "cli/paths.h"
#include "cli/proc.h"

namespace anvil::cli {

const char* kind_name(CaseResult::Kind kind) {
  switch (kind) {
    case CaseResult::Pass: return "pass";
    case CaseResult::Fail: return "fail";
    case CaseResult::Crash: return "crash";
    case CaseResult::Timeout: return "timeout";
    case CaseResult::Rejected: return "rejected";
    case CaseResult::NoRunner: return "no runner";
  }
  return "?";
}

CaseResult replay_case(const std::string& target, const std::string& file, double timeout_s,
                       const std::string& replayer) {
  std::vector<std::string> argv = replayer.empty()
                                      ? std::vector<std::string>{binary_dir() + "/fuzz/replay_" + target, file}
                                      : std::vector<std::string>{replayer, target, file};
  ProcResult r = run_process(argv, {}, "", {}, timeout_s);
  CaseResult out;
  out.output = r.output;
  out.exit_code = r.exit_code;
  std::smatch m;
  // The replayer's own verdicts first (it exits 1 for both); anything else nonzero is a crash:
  // a signal, a sanitizer report (exit 1 with no verdict), an abort, a missing binary.
  if (r.timed_out) {
    out.kind = CaseResult::Timeout;
    out.signature = target + "/timeout/-/-";
  } else if (r.exit_code == 127 && r.output.rfind("cannot run ", 0) == 0) {
    out.kind = CaseResult::NoRunner;
  } else if (r.exit_code == 0) {
    out.kind = CaseResult::Pass;
  } else if (std::regex_search(r.output, m, std::regex("(^|\n)FINDING (\\S+) in "))) {
    out.kind = CaseResult::Fail;
    out.signature = m[2];
  } else if (std::regex_search(r.output, std::regex("(^|\n)rejected: "))) {
    out.kind = CaseResult::Rejected;
  } else {
    out.kind = CaseResult::Crash;
    out.signature = target + "/crash/-/-";
  }
  return out;
}

}  // namespace anvil::cli
