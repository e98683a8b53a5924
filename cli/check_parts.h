#pragma once
// The tasks of `anvil check` (cli/check_parts.cpp), for the scheduler in check_run.h.
#include <string>
#include <vector>

#include "cli/check_run.h"

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

}  // namespace anvil::cli
