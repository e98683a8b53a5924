// anvil: the command line of the harness. Subcommands grow with the project; `anvil help` lists
// what exists now.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"
#include "engine/support/error.h"

namespace {

struct Command {
  const char* name;
  int (*run)(const anvil::cli::Args&);
  const char* help;
};

constexpr Command kCommands[] = {
    {"check", anvil::cli::cmd_check,
     "the main job, in one budget: --time S for the whole command (default 120), N parts at once "
     "(--jobs N, default 2), each part stopped at its share of the lane-seconds (S x N): regress/ 12%, "
     "rule proofs 10% (uncached rules only), properties 15% (split over the backends), views 4%, corpora 8%; "
     "what is left (about half, plus what parts leave unused) goes evenly to the fuzz campaigns (graph once per "
     "backend). A table, or --json [--seed N --report FILE] [replay prove properties fuzz]"},
    {"verify", anvil::cli::cmd_verify_dispatch,
     "property suites and a symbolic fuzz run [--time S --cases N --seed N]; `verify rules [--json] [--time S | "
     "--cached]`: Z3 rule proofs, verdicts cached (within S seconds; --cached: prove nothing new)"},
    {"fuzz", anvil::cli::cmd_fuzz, "TARGET --time S | --runs N [--seed N --jobs N --file]: a libFuzzer campaign"},
    {"regress", anvil::cli::cmd_regress, "[--collect]: replay regress/ against the expected-failure catalog"},
    {"reduce", anvil::cli::cmd_reduce, "CASE [--target T --out FILE]: minimize a failing case"},
    {"rules", anvil::cli::cmd_rules, "list every rewrite rule with its domain and location"},
    {"corpus", anvil::cli::cmd_corpus, "TARGET [--runs N --seed N]: write generated seeds to corpus/TARGET"},
    {"conform", anvil::cli::cmd_conform,
     "--backend NAME [--cases N --seed N --ops a,b --sample N --md FILE --json FILE --case-dir DIR]: "
     "op x dtype x shape class against ref and interp"},
    {"bench", anvil::cli::cmd_bench,
     "[--small --write --backends c,llvm --only W,...]: bench/run, beside numpy and PyTorch"},
    {"golden", anvil::cli::cmd_golden,
     "[--accept \"one-line reason\" --dir DIR]: rendered kernels against golden/; --accept rewrites and logs"},
};

int usage(FILE* out) {
  std::fprintf(out, "usage: anvil COMMAND [ARGS]\n\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-8s %s\n", c.name, c.help);
  return out == stderr ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  if (!std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h"))
    return usage(stdout);
  anvil::cli::Args args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(args);
    } catch (const anvil::Error& e) {
      std::fprintf(stderr, "anvil %s: %s\n", c.name, e.what());
      return 2;
    }
  }
  std::fprintf(stderr, "anvil: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
