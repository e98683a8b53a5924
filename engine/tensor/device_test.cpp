// Backends by name: registration, a tensor's device, moves between devices, and mixing them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <string>

#include "engine/tensor/storage.h"
#include "engine/tensor/tensor.h"
#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;

// Stand-in backends: every element of the result is `V`, so the output names who realized it.
template <int V>
UOp constant_backend(const UOp& root) {
  const int64_t n = shape_numel(*root.shape()), uid = new_buffer_uid();
  auto b = std::make_shared<Buffer>(root.dtype(), static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) b->set(static_cast<size_t>(i), Value::of_int(V));
  register_storage(uid, b);
  const UOp leaf = UOp::make(Op::BUFFER, root.dtype(), {}, std::vector<int64_t>{uid, n});
  return UOp::make(Op::RESHAPE, root.dtype(), {leaf}, *root.shape());
}

class Device : public ::testing::Test {
 protected:
  void SetUp() override {
    register_backend("fives", &constant_backend<5>);
    register_backend("nines", &constant_backend<9>);
  }
  void TearDown() override {
    register_backend("fives", nullptr);
    register_backend("nines", nullptr);
  }
};

Tensor ints() { return Tensor::from<int32_t>({1, 2, 3}); }

TEST_F(Device, DefaultIsInterpOrTheEnvironments) {
  const char* env = std::getenv("ANVIL_BACKEND");
  EXPECT_EQ(default_backend(), env && *env ? env : "interp");
  EXPECT_EQ(ints().device(), default_backend());
}

TEST_F(Device, RealizeUsesTheTensorsBackend) {
  Tensor a = ints().to("fives");
  const Tensor b = ints().to("nines");
  EXPECT_EQ(a.device(), "fives");
  EXPECT_EQ((a + 1).device(), "fives");              // derived tensors inherit it
  EXPECT_EQ((a + 1).sum().device(), "fives");        // through reductions
  EXPECT_EQ(Tensor::cat({a, a}).device(), "fives");  // and joins
  EXPECT_EQ((a + 1).to_vector<int32_t>(), (std::vector<int32_t>{5, 5, 5}));
  EXPECT_EQ((b * 2).to_vector<int32_t>(), (std::vector<int32_t>{9, 9, 9}));
  EXPECT_EQ((a + 1).to("nines").to_vector<int32_t>(), (std::vector<int32_t>{9, 9, 9}));
  EXPECT_EQ(a.to_vector<int32_t>(), (std::vector<int32_t>{1, 2, 3}));  // host data needs no backend
}

TEST_F(Device, RegistryListsAndReplaces) {
  const std::vector<std::string> names = registered_backends();
  EXPECT_NE(std::find(names.begin(), names.end(), "fives"), names.end());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  register_backend("fives", &constant_backend<9>);
  EXPECT_EQ((ints().to("fives") + 1).to_vector<int32_t>(), (std::vector<int32_t>{9, 9, 9}));
  register_backend("fives", nullptr);
  const std::vector<std::string> after = registered_backends();
  EXPECT_EQ(std::find(after.begin(), after.end(), "fives"), after.end());
}

TEST_F(Device, MixingDevicesRaisesNamingBoth) {
  const Tensor a = ints().to("fives"), b = ints().to("nines");
  expect_error([&] { a + b; }, "add", {"fives", "nines"});
  expect_error([&] { a.eq(b); }, "eq", {"fives", "nines"});
  expect_error([&] { Tensor::cat({a, b}); }, "cat", {"fives", "nines"});
  expect_error([&] { a.to(dtypes::bool_).where(a, b); }, "where", {"fives", "nines"});
  EXPECT_EQ((a + 2).device(), "fives");  // numbers carry no device
}

TEST_F(Device, UnknownBackendsRaise) {
  expect_error([] { ints().to("nope"); }, "to", {"'nope'", "fives", "nines"});
  Tensor t = ints().to("fives") + 1;
  register_backend("fives", nullptr);  // gone before the tensor realizes
  expect_error([&] { t.realize(); }, "realize", {"'fives'", "nines"});
  expect_error([] { register_backend("", &constant_backend<1>); }, "register_backend", {"name"});
}

// ANVIL_BACKEND is read once per process, so this runs in a child process with it set.
TEST_F(Device, DISABLED_UnknownEnvironmentBackendRaisesAtFirstRealize) {
  Tensor t = ints() + 1;  // building the graph is fine
  EXPECT_EQ(t.device(), "bogus");
  expect_error([&] { t.realize(); }, "realize", {"'bogus'", "ANVIL_BACKEND", "fives"});
}

TEST_F(Device, UnknownEnvironmentBackend) {
  char self[4096];  // the test binary, run again with the disabled test above
  const ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(len, 0);
  self[len] = '\0';
  const std::string run =
      "ANVIL_BACKEND=bogus '" + std::string(self) +
      "' --gtest_also_run_disabled_tests "
      "--gtest_filter=Device.DISABLED_UnknownEnvironmentBackendRaisesAtFirstRealize > /dev/null 2>&1";
  EXPECT_EQ(std::system(run.c_str()), 0);
}

// Ops that build index or constant tensors of their own (one-hot compares, positions, fill values)
// make them on the input's device: on a backend other than the default they used to mix devices.
TEST_F(Device, OpsWithInternalConstantsStayOnTheInputsDevice) {
  const Tensor x = Tensor::from<float>({3, 1, 2, 5, 4, 0}, Shape{2, 3}).to("fives");
  const Tensor labels = Tensor::from<int64_t>({2, 0}).to("fives");
  const Tensor index = Tensor::from<int64_t>({1, 0, 2, 2, 1, 0}, Shape{2, 3}).to("fives");
  const Tensor image = Tensor::from<float>(std::vector<float>(16, 1.0f), Shape{1, 1, 4, 4}).to("fives");
  std::vector<std::pair<const char*, std::function<Tensor()>>> ops = {
      {"cross_entropy", [&] { return cross_entropy(x, labels); }},
      {"one_hot", [&] { return labels.one_hot(3); }},
      {"gather", [&] { return x.gather(1, index); }},
      {"index", [&] { return x.index({labels.clamp(0, 1)}); }},
      {"masked_fill", [&] { return x.masked_fill(x.gt(2), 7); }},
      {"scatter", [&] { return x.scatter(1, index, 1.5); }},
      {"scatter_reduce", [&] { return x.scatter_reduce(1, index, x, "amax"); }},
      {"cumsum", [&] { return x.cumsum(1); }},
      {"sort", [&] { return x.sort(1).second; }},
      {"topk", [&] { return x.topk(2).first; }},
      {"argmax", [&] { return x.argmax(1); }},
      {"argmax 0-d", [&] { return x.sum().argmax(0); }},
      {"max_pool2d_with_indices", [&] { return max_pool2d_with_indices(image, 2).second; }},
      {"avg_pool2d", [&] { return avg_pool2d(image, 3, 1, 1); }},
      {"index_put_", [&] { return Tensor(x).index_put_({labels.clamp(0, 1)}, Tensor::zeros({3}).to("fives")); }},
      {"setitem", [&] { return Tensor(x).setitem({labels.clamp(0, 1)}, 2.0); }},
  };
  for (auto& [name, op] : ops) {
    SCOPED_TRACE(name);
    try {
      EXPECT_EQ(op().device(), "fives");
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
  }
}

}  // namespace
}  // namespace anvil
