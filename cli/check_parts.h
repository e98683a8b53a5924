#pragma once
// The tasks of `anvil check` (cli/check_parts.cpp), for the scheduler in check_run.h.
#include <string>
#include <vector>

#include "cli/check_run.h"
#include "cli/proc.h"

namespace anvil::cli {

struct CheckConfig {
  double budget_s = 120;
  int jobs = 2;
  std::string seed;
  std::vector<std::string> backends;  // registered here, in registry order
  std::vector<std::string> parts;     // empty: all of replay, prove, properties, fuzz
  std::string findings_dir;           // where reduced cases of findings are written
};

std::vector<CheckTask> check_tasks(const CheckConfig& c);

// Whether a part's process came out clean: its exit status; or, stopped at its time limit, no
// failure marker in its output. `line_start`: a marker counts only at the start of a line
// (regress's "XFAIL case" lines are not "FAIL ").
bool clean(const ProcResult& r, std::initializer_list<const char*> failure_markers, bool line_start = false);

}  // namespace anvil::cli
