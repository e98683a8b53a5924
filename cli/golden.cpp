// anvil golden [--accept "one-line reason"] [--dir DIR]: renders the fixed graphs on every backend
// and compares with golden/ (verify/golden/golden.h). Without --accept: prints the diffs and exits 1
// when something changed. With --accept: rewrites the files and appends the reason to
// golden/CHANGES.md; a missing reason is a usage error (exit 2).
#include "verify/golden/golden.h"

#include <cstdio>

#include "cli/commands.h"
#include "engine/support/error.h"

namespace anvil::cli {

int cmd_golden(const Args& args) {
  // --accept takes its value here (not in args.cpp's valued flags): a reason is any one word or phrase.
  std::optional<std::string> reason;
  bool accepting = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--accept") continue;
    accepting = true;
    if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) reason = args[i + 1];
  }
  if (accepting && (!reason || reason->find_first_not_of(" \t") == std::string::npos))
    (ErrorBuilder("golden") << "--accept needs a one-line reason: " << golden::kAcceptCommand).raise();
  const std::filesystem::path dir = flag_value(args, "--dir").value_or(golden::default_dir().string());
  if (!std::filesystem::is_directory(dir))
    (ErrorBuilder("golden") << "no golden directory at " << dir.string() << " (--dir, ANVIL_GOLDEN_DIR)").raise();

  const std::vector<golden::Entry> entries = golden::compare(dir);
  const size_t changed = golden::count_changed(entries);
  if (!accepting) {
    if (changed == 0) {
      std::printf("golden: %zu files match %s\n", entries.size(), dir.c_str());
      return 0;
    }
    std::fputs(golden::report(entries).c_str(), stdout);
    return 1;
  }
  for (const golden::Entry& e : entries)
    if (e.state != golden::State::Same)
      std::printf("%s %s\n",
                  e.state == golden::State::Missing ? "new    "
                  : e.state == golden::State::Stale ? "removed"
                                                    : "changed",
                  e.rel.c_str());
  const size_t written = golden::accept(dir, entries, *reason);
  if (written == 0)
    std::printf("golden: nothing to accept, %zu files match %s\n", entries.size(), dir.c_str());
  else
    std::printf("golden: accepted %zu file%s; reason logged in %s\n", written, written == 1 ? "" : "s",
                (dir / "CHANGES.md").c_str());
  return 0;
}

}  // namespace anvil::cli
