// anvil: the command line of the harness. Subcommands grow with the project; `anvil help` lists
// what exists now.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "cli/paths.h"
#include "engine/support/error.h"

// Sanitized builds: LeakSanitizer reads these as if from LSAN_OPTIONS=suppressions=verify/lsan.supp, the
// file they are generated from (cli/CMakeLists.txt), so PoCL's and Z3's process-long allocations are not
// reported without it, nor tallied at exit (LSAN_OPTIONS=print_suppressions=1 shows the tally). Other builds
// define nothing.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define ANVIL_LSAN 1
#endif
#elif defined(__SANITIZE_ADDRESS__)
#define ANVIL_LSAN 1
#endif
#ifdef ANVIL_LSAN
#include "lsan_suppressions.h"
extern "C" const char* __lsan_default_suppressions() {  // NOLINT(bugprone-reserved-identifier): the hook's name
  return ANVIL_LSAN_SUPPRESSIONS;
}
extern "C" const char* __lsan_default_options() {  // NOLINT(bugprone-reserved-identifier): the hook's name
  return "print_suppressions=0";
}
#endif

namespace {

// The binaries anvil starts (regress's replayers, check's suites, fuzz targets) lack the hook above: they get
// the file itself, as CTest gives it, unless LSAN_OPTIONS names suppressions already.
void pass_leak_suppressions_to_children() {
#ifdef ANVIL_LSAN
  const std::string file = anvil::cli::source_dir() + "/verify/lsan.supp";
  const char* set = std::getenv("LSAN_OPTIONS");
  const std::string options = set ? set : "";
  if (options.find("suppressions=") != std::string::npos || !std::filesystem::exists(file)) return;
  setenv("LSAN_OPTIONS", ((options.empty() ? "" : options + ":") + "suppressions=" + file).c_str(), 1);
#endif
}

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
     "backend); while PoCL's cache is cold, a warm-up@opencl line (from the fuzz time) compiles the opencl rows' "
     "kernels before them. A table, or --json [--seed N --report FILE] [replay prove properties fuzz]"},
    {"verify", anvil::cli::cmd_verify_dispatch,
     "property suites and a symbolic fuzz run [--time S --cases N --seed N]; `verify rules [--json] [--time S | "
     "--cached]`: Z3 rule proofs, verdicts cached (within S seconds; --cached: prove nothing new)"},
    {"fuzz", anvil::cli::cmd_fuzz, "TARGET --time S | --runs N [--seed N --jobs N --file]: a libFuzzer campaign"},
    {"regress", anvil::cli::cmd_regress, "[--collect]: replay regress/ against the expected-failure catalog"},
    {"reduce", anvil::cli::cmd_reduce, "CASE [--target T --out FILE]: minimize a failing case"},
    {"rules", anvil::cli::cmd_rules, "list every rewrite rule with its domain and location"},
    {"corpus", anvil::cli::cmd_corpus, "TARGET [--runs N --seed N]: write generated seeds to corpus/TARGET"},
    {"conform", anvil::cli::cmd_conform,
     "--backend NAME [--cases N --seed N --ops a,b --sample N --md FILE --json FILE --case-dir DIR --jobs N]: "
     "op x dtype x shape class against ref and interp (--jobs: N processes over the rows)"},
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
  pass_leak_suppressions_to_children();
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
