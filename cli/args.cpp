#include <set>

#include "cli/commands.h"
#include "engine/support/check.h"
#include "engine/support/error.h"

namespace anvil::cli {
namespace {
// Flags that take a value; every other --flag is a switch.
// flag_value checks its name is here, so positional() never mistakes a flag's value for an argument.
const std::set<std::string> kValued = {"--cache",     "--cases", "--corpus", "--dir",      "--fuse",
                                       "--instances", "--jobs",  "--out",    "--replayer", "--report",
                                       "--runs",      "--seed",  "--target", "--time",     "--timeout"};
}  // namespace

std::optional<std::string> flag_value(const Args& args, const std::string& name) {
  ANVIL_CHECK(kValued.count(name)) << name << " takes a value: list it in kValued";
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == name) {
      if (i + 1 >= args.size()) (ErrorBuilder("anvil") << name << " needs a value").raise();
      return args[i + 1];
    }
  return std::nullopt;
}

bool has_flag(const Args& args, const std::string& name) {
  for (const std::string& a : args)
    if (a == name) return true;
  return false;
}

std::vector<std::string> positional(const Args& args) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (kValued.count(args[i])) {
      ++i;
      continue;
    }
    if (args[i].rfind("--", 0) == 0) {
      if (args[i].size() > 2) continue;
    }
    out.push_back(args[i]);
  }
  return out;
}

}  // namespace anvil::cli
