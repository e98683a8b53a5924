#include "cli/replay.h"

#include <regex>

#include "cli/paths.h"
#include "cli/proc.h"

namespace anvil::cli {
namespace {

// The last `=== anvil crash: STAGE OP BACKEND` line the child printed (engine/support/breadcrumb.h):
// the signature names its op and backend; "-" where it printed none.
std::string crash_signature(const std::string& target, const char* kind, const std::string& output,
                            std::string& stage) {
  static const std::regex line("(^|\n)=== anvil (crash|timeout): (\\S+) (\\S+) (\\S+)");
  std::string op = "-", backend = "-";
  for (auto it = std::sregex_iterator(output.begin(), output.end(), line); it != std::sregex_iterator(); ++it) {
    stage = (*it)[3];
    op = (*it)[4];
    backend = (*it)[5];
  }
  return target + "/" + kind + "/" + op + "/" + backend;
}

}  // namespace

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
    out.signature = crash_signature(target, "timeout", r.output, out.stage);
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
    out.signature = crash_signature(target, "crash", r.output, out.stage);
  }
  return out;
}

}  // namespace anvil::cli
