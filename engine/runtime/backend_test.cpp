#include "engine/runtime/backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

TEST(Backend, RegistryStartsWithInterpAndFindsByName) {
  ASSERT_FALSE(all_backends().empty());
  EXPECT_EQ(all_backends()[0]->name, "interp");
  EXPECT_EQ(find_backend_named("interp"), all_backends()[0]);
  EXPECT_EQ(find_backend_named("no-such-backend"), nullptr);
  for (const Backend* b : all_backends()) {
    EXPECT_EQ(find_backend_named(b->name), b);
    EXPECT_FALSE(b->compiler_id().empty()) << b->name;
  }
}

// ANVIL_SKIP_BACKENDS leaves the named compiled backends out of the registry (the gate's tests skip
// opencl so), never interp. In the gate's environment this sees opencl missing.
TEST(Backend, RegistryLeavesOutSkippedBackends) {
  const char* env = std::getenv("ANVIL_SKIP_BACKENDS");
  const std::string skip = "," + std::string(env ? env : "") + ",";
  ASSERT_NE(find_backend_named("interp"), nullptr);
  for (const Backend* b : all_backends())
    if (b->name != "interp") EXPECT_EQ(skip.find("," + std::string(b->name) + ","), std::string::npos) << b->name;
}

TEST(Backend, InstallRegistersEveryAvailableOne) {
  const std::vector<std::string> installed = install_backends();
  const std::vector<std::string> registered = registered_backends();
  ASSERT_FALSE(installed.empty());
  EXPECT_EQ(installed[0], "interp");
  for (const std::string& name : installed)
    EXPECT_NE(std::find(registered.begin(), registered.end(), name), registered.end()) << name;
  for (const Backend* b : all_backends()) {
    const bool usable = b->unavailable().empty();
    EXPECT_EQ(usable, std::find(installed.begin(), installed.end(), b->name) != installed.end()) << b->name;
  }
}

TEST(Backend, VarNamesAreSortedAndUnique) {
  const UOp n = UOp::make(Op::DEFINE_VAR, dtypes::index, {}, VarArg{"n", 1, 8});
  const UOp b = UOp::make(Op::DEFINE_VAR, dtypes::index, {}, VarArg{"b", 0, 3});
  const std::vector<UOp> program{n, b, n};
  EXPECT_EQ(var_names(program), (std::vector<std::string>{"b", "n"}));
  EXPECT_TRUE(var_names({}).empty());
}

// A host function of the ABI: writes vars[0] - vars[1] into buffer 0 and copies buffer 1's first byte.
void abi_probe(void* const* buffers, const int64_t* vars) {
  auto* out = static_cast<int64_t*>(buffers[0]);
  out[0] = vars[0] - vars[1];
  out[1] = *static_cast<const int8_t*>(buffers[1]);
}

TEST(Backend, HostProgramPassesBuffersAndVarsInNameOrder) {
  std::shared_ptr<Program> p = host_program(&abi_probe, {"a", "z"}, nullptr);
  Buffer out(dtypes::int64, 2), in(dtypes::int8, 1);
  in.set(0, Value::of_int(-7));
  Buffer* slots[] = {&out, &in};
  p->run(slots, {{"z", 5}, {"a", 12}, {"unused", 99}});
  EXPECT_EQ(out.ints(), (std::vector<int64_t>{7, -7}));
}

// Every Program::run binds its DEFINE_VARs through bound_vars: in the names' order, an unbound one named.
TEST(Backend, BoundVarsFollowTheNamesAndNameTheMissingOne) {
  const std::vector<std::string> names{"a", "n"};
  EXPECT_EQ(bound_vars("c", names, {{"n", 4}, {"a", -2}, {"unused", 9}}), (std::vector<int64_t>{-2, 4}));
  EXPECT_TRUE(bound_vars("c", {}, {{"n", 4}}).empty());
  EXPECT_DEATH(bound_vars("opencl", names, {{"a", 1}}), "opencl: DEFINE_VAR n is not bound");
}

TEST(Backend, KernelsCompileOncePerStructure) {
  install_interp_realizer();
  auto f = [](float scale) {
    Tensor x = Tensor::full({3, 5}, scale, dtypes::float32).contiguous();
    x.realize();
    return (x * 2.0f + 1.0f).sum(1);
  };
  f(1.0f).realize();  // compiles whatever this structure needs
  const uint64_t before = compile_count();
  Tensor again = f(3.0f);
  again.realize();
  EXPECT_EQ(compile_count(), before) << "same kernel structure, new data: no new compile";
  EXPECT_EQ(again.to_vector<float>(), std::vector<float>(3, 35.0f));
  Tensor::full({4, 5}, 1.0f, dtypes::float32).sum(1).realize();
  EXPECT_GT(compile_count(), before) << "another shape is another kernel";
}

}  // namespace
}  // namespace anvil
