// The mutant registry (ci/mutants) and the switch that keeps mutants out of a normal build.
#include "engine/support/mutant.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "engine/ir/alu.h"
#include "engine/ir/dtype.h"

namespace anvil {
namespace {

namespace fs = std::filesystem;

// The checkout: the nearest folder above the test binary (or the working folder) holding the registry.
// (__FILE__ is relative to the build folder under ccache's base_dir, so it cannot be used.)
fs::path source_root() {
  std::error_code ec;
  for (fs::path start : {fs::read_symlink("/proc/self/exe", ec), fs::current_path(ec)})
    for (fs::path p = start; !p.empty() && p != p.root_path(); p = p.parent_path())
      if (fs::exists(p / "engine/support/mutants.def")) return p;
  return {};
}

TEST(Mutants, RegistryHasAtLeast25UniqueIds) {
  const std::vector<MutantInfo>& all = all_mutants();
  EXPECT_GE(all.size(), 25u);
  std::set<int> ids;
  for (const MutantInfo& m : all) {
    EXPECT_GT(m.id, 0) << "id 0 means no mutant";
    EXPECT_TRUE(ids.insert(m.id).second) << "duplicate mutant id " << m.id;
    EXPECT_FALSE(m.layer.empty()) << m.id;
    EXPECT_FALSE(m.description.empty()) << m.id;
  }
}

// Each entry names the file that holds its ANVIL_MUTANT(id), and every ANVIL_MUTANT(id) is listed.
TEST(Mutants, EveryEntryIsInsertedInItsFile) {
  const fs::path root = source_root();
  if (root.empty()) GTEST_SKIP() << "no checkout above the test binary";
  for (const MutantInfo& m : all_mutants()) {
    std::ifstream in(root / std::string(m.file));
    ASSERT_TRUE(in) << "mutant " << m.id << ": no file " << m.file;
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("ANVIL_MUTANT(" + std::to_string(m.id) + ")"), std::string::npos)
        << "mutant " << m.id << " is not in " << m.file;
  }
}

// A normal build compiles no mutant: ANVIL_MUTANT set in the environment changes nothing.
TEST(Mutants, NormalBuildIgnoresTheEnvironment) {
  if (mutants_compiled_in()) GTEST_SKIP() << "built with ANVIL_MUTANTS";
  for (const MutantInfo& m : all_mutants()) {
    setenv("ANVIL_MUTANT", std::to_string(m.id).c_str(), 1);
    EXPECT_EQ(active_mutant(), 0);
    EXPECT_FALSE(ANVIL_MUTANT(m.id));
    // Engine code with a mutant in it (alu.cpp: 15, 16; dtype.cpp: 29) keeps its meaning.
    const std::array<Scalar, 2> ints{Scalar::Int32, Scalar::Int32};
    const std::array<Value, 2> three{Value::of_int(3), Value::of_int(3)};
    EXPECT_EQ(exec_alu(Op::CMPLE, Scalar::Bool, ints, three).i, 1) << "mutant " << m.id;
    const std::array<Value, 2> minus7_2{Value::of_int(-7), Value::of_int(2)};
    EXPECT_EQ(exec_alu(Op::FLOORDIV, Scalar::Int32, ints, minus7_2).i, -4) << "mutant " << m.id;
    EXPECT_EQ(promote(dtypes::int32, dtypes::uint32), DType(dtypes::int64)) << "mutant " << m.id;
  }
  unsetenv("ANVIL_MUTANT");
}

}  // namespace
}  // namespace anvil
