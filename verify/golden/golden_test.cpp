// Golden kernels in the gate (golden/README.md): the rendering of the fixed graphs on every backend
// equals golden/; and the machinery itself: a change shows as a diff, accepting needs a reason and
// logs it, the stored text does not depend on this machine's cores.
#include "verify/golden/golden.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "engine/runtime/backend.h"
#include "engine/support/error.h"
#include "engine/support/thread_pool.h"

namespace fs = std::filesystem;

namespace anvil::golden {
namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

void write(const fs::path& p, const std::string& text) { std::ofstream(p, std::ios::binary | std::ios::trunc) << text; }

// A scratch copy of golden/, removed at the end of the test.
struct TempGolden {
  fs::path dir;
  TempGolden() {
    dir = fs::temp_directory_path() / ("anvil-golden-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::copy(default_dir(), dir, fs::copy_options::recursive);
  }
  ~TempGolden() { fs::remove_all(dir); }
};

const Entry& entry(const std::vector<Entry>& es, const std::string& rel) {
  for (const Entry& e : es)
    if (e.rel == rel) return e;
  ADD_FAILURE() << "no entry " << rel;
  static const Entry none;
  return none;
}

// The gate's check: every stored file equals the rendering. On a difference: the diffs, and the command.
TEST(GoldenKernels, MatchTheStoredFiles) {
  const std::vector<Entry> entries = compare(default_dir());
  EXPECT_EQ(count_changed(entries), 0u) << "golden kernels in " << default_dir().string() << " differ:\n"
                                        << report(entries);
}

TEST(GoldenKernels, EveryGraphRendersOnEveryBackend) {
  std::set<std::string> names;
  for (const Graph& g : graphs()) EXPECT_TRUE(names.insert(g.name).second) << "two graphs named " << g.name;
  EXPECT_GE(graphs().size(), 20u);
  ASSERT_GE(backends().size(), 2u);  // interp and c at least
  const std::map<std::string, std::string>& all = renderings();
  EXPECT_EQ(all.size(), graphs().size() * backends().size());
  for (const auto& [rel, text] : all) {
    EXPECT_EQ(text.find("# error"), std::string::npos) << rel << ":\n" << text;
    EXPECT_NE(text.find("=== kernel 0 opts: "), std::string::npos) << rel;
  }
}

// The heuristic sees kGoldenThreads whatever the process's thread count: the stored actions are the
// same on a 2-core CI runner and a 64-core workstation.
TEST(GoldenKernels, RenderingDoesNotDependOnThisMachinesThreads) {
  const Graph* threaded = nullptr;
  for (const Graph& g : graphs())
    if (g.name == "threaded_elementwise") threaded = &g;
  ASSERT_NE(threaded, nullptr);
  const Backend& c = *find_backend_named("c");
  set_thread_count_for_testing(1);
  const std::string one = render(*threaded, c);
  set_thread_count_for_testing(7);
  const std::string seven = render(*threaded, c);
  set_thread_count_for_testing(0);
  EXPECT_EQ(one, seven);
  EXPECT_NE(one.find("opts: thread 0 " + std::to_string(kThreads)), std::string::npos) << one;
}

TEST(GoldenKernels, NormalizeDropsWhatNamesTheHost) {
  const std::string ir =
      "; ModuleID = 'anvil'\nsource_filename = \"anvil\"\ntarget datalayout = \"e-m:e\"\n"
      "target triple = \"x86_64-pc-linux-gnu\"\n"
      "attributes #0 = { \"target-cpu\"=\"znver4\" \"target-features\"=\"+avx512f\" nounwind }   \n\n\n";
  EXPECT_EQ(normalize(ir),
            "; ModuleID = 'anvil'\nattributes #0 = { \"target-cpu\"=\"<host>\" \"target-features\"=\"<host>\" "
            "nounwind }\n");
}

TEST(GoldenKernels, UnifiedDiffAsDiffU) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
  const std::string want = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n";
  const std::string got = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n12\n13\n15\n16\n";
  EXPECT_EQ(unified_diff(want, got, "a/f", "b/f"),
            "--- a/f\n+++ b/f\n"
            "@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
            "@@ -11,5 +11,5 @@\n 11\n 12\n 13\n-14\n 15\n+16\n");
  EXPECT_EQ(unified_diff("", "x\n", "/dev/null", "b/f"), "--- /dev/null\n+++ b/f\n@@ -0,0 +1,1 @@\n+x\n");
}

// A changed rendering (here: a stored file edited, which is the same comparison) fails with a
// unified diff and the accept command; a missing file and a stale one are reported too.
TEST(GoldenKernels, ChangeShowsAsDiffWithTheAcceptCommand) {
  TempGolden tmp;
  const fs::path softmax = tmp.dir / "c/softmax.txt";
  const std::string text = read(softmax);
  const size_t brace = text.find(" {\n");  // the kernel function's first line
  ASSERT_NE(brace, std::string::npos) << text;
  const size_t line_begin = text.rfind('\n', brace) + 1;
  const std::string line = text.substr(line_begin, brace + 2 - line_begin);
  write(softmax, text.substr(0, brace) + " " + text.substr(brace));
  fs::remove(tmp.dir / "interp/argmax.txt");
  write(tmp.dir / "c/no_such_graph.txt", "old\n");

  const std::vector<Entry> entries = compare(tmp.dir);
  EXPECT_EQ(count_changed(entries), 3u);
  EXPECT_EQ(entry(entries, "c/softmax.txt").state, State::Changed);
  EXPECT_EQ(entry(entries, "interp/argmax.txt").state, State::Missing);
  const std::string r = report(entries);
  EXPECT_NE(r.find("--- a/golden/c/softmax.txt\n+++ b/golden/c/softmax.txt\n@@ "), std::string::npos) << r;
  EXPECT_NE(r.find("\n-" + line.substr(0, line.size() - 2) + "  {\n+" + line + "\n"), std::string::npos) << r;
  EXPECT_NE(r.find("diff golden/interp/argmax.txt (new)\n--- /dev/null"), std::string::npos) << r;
  EXPECT_NE(r.find("(no graph renders it any more)"), std::string::npos) << r;
  EXPECT_NE(r.find(std::string(kAcceptCommand)), std::string::npos) << r;
}

TEST(GoldenKernels, AcceptRefusesAMissingOrMultiLineReason) {
  TempGolden tmp;
  write(tmp.dir / "c/softmax.txt", "edited\n");
  const std::vector<Entry> entries = compare(tmp.dir);
  ASSERT_EQ(count_changed(entries), 1u);
  EXPECT_THROW(accept(tmp.dir, entries, ""), Error);
  EXPECT_THROW(accept(tmp.dir, entries, "  \t"), Error);
  EXPECT_THROW(accept(tmp.dir, entries, "first line\nsecond line"), Error);
  EXPECT_EQ(read(tmp.dir / "c/softmax.txt"), "edited\n");  // nothing written
  EXPECT_EQ(read(tmp.dir / "CHANGES.md"), read(default_dir() / "CHANGES.md"));
}

TEST(GoldenKernels, AcceptRewritesTheFilesAndLogsTheReason) {
  TempGolden tmp;
  write(tmp.dir / "c/softmax.txt", "edited\n");
  fs::remove(tmp.dir / "interp/argmax.txt");
  write(tmp.dir / "c/no_such_graph.txt", "old\n");
  const std::string log_before = read(tmp.dir / "CHANGES.md");

  EXPECT_EQ(accept(tmp.dir, compare(tmp.dir), "softmax | test: a pipe in the reason"), 3u);
  EXPECT_EQ(count_changed(compare(tmp.dir)), 0u);
  EXPECT_FALSE(fs::exists(tmp.dir / "c/no_such_graph.txt"));
  const std::string log = read(tmp.dir / "CHANGES.md");
  ASSERT_EQ(log.substr(0, log_before.size()), log_before);  // appended, never rewritten
  const std::string line = log.substr(log_before.size());
  EXPECT_TRUE(std::regex_match(line, std::regex(R"(\| \d{4}-\d\d-\d\d \d\d:\d\d UTC \| 3: c/no_such_graph\.txt, )"
                                                R"(c/softmax\.txt, interp/argmax\.txt \| softmax \\\| test: a pipe )"
                                                R"(in the reason \|\n)")))
      << line;
  // Nothing left to accept: no new line.
  EXPECT_EQ(accept(tmp.dir, compare(tmp.dir), "again"), 0u);
  EXPECT_EQ(read(tmp.dir / "CHANGES.md"), log);
}

}  // namespace
}  // namespace anvil::golden
