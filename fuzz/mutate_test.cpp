// The structure-aware mutators: over 1000 seeded mutations of the corpus seeds, at least 95% of
// mutants are inputs their target accepts, and graph mutants keep the NaN share of their outputs
// at or below 5% (a mutant whose outputs are mostly NaN tests little).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/ir/text.h"
#include "engine/support/error.h"
#include "fuzz/lib/graph_target.h"
#include "fuzz/lib/shape_target.h"

namespace fs = std::filesystem;

namespace anvil::fuzz {
namespace {

constexpr int kMutations = 1000;
constexpr size_t kMaxSize = 1 << 16;

std::vector<std::string> seeds(const std::string& target) {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(fs::path(ANVIL_SOURCE_DIR) / "corpus" / target))
    if (e.path().extension() == ".uop") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const fs::path& p : paths) {
    std::ifstream in(p);
    std::stringstream buf;
    buf << in.rdbuf();
    out.push_back(buf.str());
  }
  return out;
}

TEST(GraphMutator, MutantsAreValidAndMostlyNotNaN) {
  const std::vector<std::string> inputs = seeds("graph");
  ASSERT_FALSE(inputs.empty());
  // What is checked here -- accepted by ref, NaN share of ref's outputs -- is the mutator's and ref's
  // alone: interp runs the engine (its crashes still fail the test); compiling the ~1000 mutants'
  // kernels on c and llvm as well checked nothing more and took 94% of this test (1227 s against
  // 79 s on interp alone, ci build, same loaded machine). The gate's graph fuzz smoke runs every backend.
  const char* backends = std::getenv("ANVIL_FUZZ_BACKENDS");
  const std::string saved = backends ? backends : "";
  setenv("ANVIL_FUZZ_BACKENDS", "interp", 1);
  const GraphStats before = graph_stats();
  int accepted = 0;
  for (int i = 0; i < kMutations; ++i) {
    const std::string m = mutate_graph(inputs[i % inputs.size()], static_cast<uint64_t>(i), kMaxSize);
    UOp root;
    try {
      root = parse_one(m);
    } catch (const Error&) {
      continue;
    }
    if (graph_acceptable(root) && check_graph(root).kind != Outcome::Rejected) ++accepted;
  }
  const GraphStats after = graph_stats();
  const double rate = 100.0 * accepted / kMutations;
  const double elements = static_cast<double>(after.elements - before.elements);
  const double nan = 100.0 * static_cast<double>(after.nan - before.nan) / std::max(elements, 1.0);
  if (saved.empty())
    unsetenv("ANVIL_FUZZ_BACKENDS");
  else
    setenv("ANVIL_FUZZ_BACKENDS", saved.c_str(), 1);
  std::printf("graph mutants: %.1f%% accepted, %.2f%% NaN of %.0f output elements\n", rate, nan, elements);
  EXPECT_GE(rate, 95.0);
  EXPECT_LE(nan, 5.0);
}

TEST(ShapeMutator, MutantsAreValid) {
  const std::vector<std::string> inputs = seeds("shape");
  ASSERT_FALSE(inputs.empty());
  int accepted = 0;
  for (int i = 0; i < kMutations; ++i) {
    const std::string m = mutate_shape(inputs[i % inputs.size()], static_cast<uint64_t>(i), kMaxSize);
    const std::optional<MoveChain> chain = parse_chain(m);
    if (chain && chain_graph(*chain)) ++accepted;  // every step applies (checking each costs 30 s under ASan)
  }
  const double rate = 100.0 * accepted / kMutations;
  std::printf("shape mutants: %.1f%% accepted\n", rate);
  EXPECT_GE(rate, 95.0);
}

}  // namespace
}  // namespace anvil::fuzz
