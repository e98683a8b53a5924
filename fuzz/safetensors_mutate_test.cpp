// The safetensors mutator: over 1000 seeded mutations of the corpus seeds it never crashes, never
// makes the target report a finding against the real loader, stays within max_size and repeats for a
// seed; a fair share of mutants still load, and the layout checks that need two fields edited together
// (overlap, hole, span size) are each reached. The reducer shrinks a file under a fake bug.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/io/safetensors.h"
#include "engine/support/error.h"
#include "fuzz/lib/finding.h"
#include "fuzz/lib/safetensors_target.h"

namespace fs = std::filesystem;

namespace anvil::fuzz {
namespace {

constexpr int kMutations = 1000;
constexpr size_t kMaxSize = 16384;  // the gate's -max_len

std::vector<std::string> seeds() {
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(fs::path(ANVIL_SOURCE_DIR) / "corpus" / "safetensors"))
    paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const fs::path& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    out.push_back(buf.str());
  }
  return out;
}

// The loader's error for a mutant, "" when it loads.
std::string load_error(const std::string& input) {
  const std::optional<FileBytes> file = safetensors_file_bytes(input);
  if (!file) return "not a case";
  try {
    read_safetensors(*file);
    return "";
  } catch (const Error& e) {
    return e.what();
  }
}

TEST(SafetensorsMutator, MutantsReachTheLayoutChecksAndNeverFindAgainstTheRealLoader) {
  const std::vector<std::string> inputs = seeds();
  ASSERT_FALSE(inputs.empty());
  const Target* target = find_target("safetensors");
  ASSERT_TRUE(target && target->mutate);
  int loaded = 0, changed = 0;
  std::map<std::string, int> reached;  // the layout checks' messages
  for (int i = 0; i < kMutations; ++i) {
    const std::string& in = inputs[static_cast<size_t>(i) % inputs.size()];
    const std::string m = target->mutate(in, static_cast<uint64_t>(i), kMaxSize);
    ASSERT_LE(m.size(), kMaxSize);
    changed += m != in;
    const Outcome out = target->run(m);
    ASSERT_NE(out.kind, Outcome::Found) << out.finding.signature.str() << ": " << out.finding.message;
    const std::string error = load_error(m);
    loaded += error.empty();
    for (const char* check : {"overlap", "has a hole", "bytes; shape", "run past the data section", "trailing bytes"})
      if (error.find(check) != std::string::npos) ++reached[check];
  }
  std::printf("safetensors mutants: %.1f%% load, %.1f%% differ from their seed;", 100.0 * loaded / kMutations,
              100.0 * changed / kMutations);
  for (const auto& [check, n] : reached) std::printf(" '%s' %d", check.c_str(), n);
  std::printf("\n");
  EXPECT_GE(loaded, kMutations / 10);
  EXPECT_GE(changed, kMutations * 9 / 10);
  for (const char* check : {"overlap", "has a hole", "bytes; shape", "run past the data section"})
    EXPECT_GT(reached[check], 0) << "no mutant reached the loader's '" << check << "' check";
}

TEST(SafetensorsMutator, DeterministicForASeedAndWithinMaxSize) {
  const std::vector<std::string> inputs = seeds();
  ASSERT_FALSE(inputs.empty());
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const std::string& in = inputs[seed % inputs.size()];
    EXPECT_EQ(mutate_safetensors(in, seed, kMaxSize), mutate_safetensors(in, seed, kMaxSize)) << "seed " << seed;
    EXPECT_LE(mutate_safetensors(in, seed, 64).size(), 64u) << "seed " << seed;
  }
  // Not even a file: still a mutant, and no crash.
  for (const char* odd : {"", "x", "\xff\xff\xff\xff\xff\xff\xff\xff{", "hex: 0"})
    EXPECT_LE(mutate_safetensors(odd, 1, kMaxSize).size(), kMaxSize);
}

// A fake bug: "a file that loads with an F64 tensor of at least one element". The reduced file keeps
// it, loses every other tensor and the metadata, and its F64 tensor has one element.
TEST(SafetensorsReducer, ShrinksToTheTensorThatMatters) {
  std::map<std::string, Tensor> tensors;
  tensors["a.long.name"] = Tensor::from(Buffer(dtypes::float64, 6), Shape{2, 3});
  tensors["b"] = Tensor::from(Buffer(dtypes::int32, 4), Shape{4});
  tensors["c"] = Tensor::from(Buffer(dtypes::uint8, 3), Shape{3, 1});
  const FileBytes file = save_safetensors_bytes(tensors, {{"format", "pt"}, {"note", "x"}});
  auto fails = [](const FileBytes& f) {
    try {
      for (auto& [name, t] : read_safetensors(f).tensors)
        if (t.dtype() == dtypes::float64 && t.numel() >= 1) return true;
    } catch (const Error&) {
    }
    return false;
  };
  ASSERT_TRUE(fails(file));
  const FileBytes reduced = reduce_safetensors_with(file, fails);
  ASSERT_TRUE(fails(reduced));
  const Safetensors s = read_safetensors(reduced);
  EXPECT_LT(reduced.size(), file.size());
  EXPECT_EQ(s.tensors.size(), 1u) << safetensors_hex_form(reduced);
  EXPECT_TRUE(s.metadata.empty());
  EXPECT_EQ(s.tensors.begin()->second.numel(), 1);
  EXPECT_EQ(s.tensors.begin()->first.size(), 1u);
}

}  // namespace
}  // namespace anvil::fuzz
