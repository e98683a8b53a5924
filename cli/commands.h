#pragma once
// The anvil subcommands. Each takes its own arguments (after the subcommand) and returns the exit
// code; anvil::Error from any of them is printed by main as a usage problem.
#include <optional>
#include <string>
#include <vector>

namespace anvil::cli {

using Args = std::vector<std::string>;

int cmd_check(const Args& args);
int cmd_verify(const Args& args);
int cmd_verify_dispatch(const Args& args);  // `verify rules ...` to cmd_verify_rules, else cmd_verify
int cmd_verify_rules(const Args& args);
int cmd_verify_views(const Args& args);    // `verify views`: Z3 proofs of random movement sequences
int cmd_verify_kernels(const Args& args);  // `verify kernels`: kernel proofs on a workload, and their share of compile
int cmd_regress(const Args& args);
int cmd_fuzz(const Args& args);
int cmd_reduce(const Args& args);
int cmd_rules(const Args& args);
int cmd_corpus(const Args& args);
int cmd_bench(const Args& args);    // runs bench/run: anvil beside numpy and PyTorch
int cmd_conform(const Args& args);  // the conformance matrix of one backend (verify/conform)
int cmd_golden(const Args& args);   // golden kernels: compare with golden/, or --accept "reason"

// --name VALUE lookup; flags without a value via has_flag.
std::optional<std::string> flag_value(const Args& args, const std::string& name);
bool has_flag(const Args& args, const std::string& name);
std::vector<std::string> positional(const Args& args);  // arguments that are not flags or their values

// Summary of one libFuzzer run, shared by `fuzz`, `verify` and `check`.
struct FuzzSummary {
  std::string target;
  int exit_code = 0;
  long execs = 0;
  long execs_per_sec = 0;
  long new_units = 0;
  double seconds = 0;
  std::vector<std::string> filed;  // regression cases written for findings
};
FuzzSummary run_fuzzer(const std::string& target, double seconds, long runs, long seed, int jobs);

}  // namespace anvil::cli
