// Buffer::device (DeviceResidency): who may trust a device copy. A copy of a buffer is never trusted
// (its holder may write the bytes without telling anyone), host_changed() makes every runtime's copy
// stale, and a runtime's write-back makes every other runtime's stale.
#include <gtest/gtest.h>

#include <memory>
#include <utility>

#include "engine/ir/buffer.h"

namespace anvil {
namespace {

struct FakeCopy final : DeviceCopy {};

// A kept buffer with a current copy for each runtime.
Buffer kept_with_copies() {
  Buffer b(dtypes::float32, 4);
  b.device.keep_between_runs();
  for (const DeviceRuntime r : {DeviceRuntime::cuda, DeviceRuntime::opencl}) {
    b.device.copy(r) = std::make_shared<FakeCopy>();
    b.device.copy(r)->current = true;
  }
  return b;
}

void expect_no_device_state(Buffer& b) {
  EXPECT_FALSE(b.device.kept());
  EXPECT_EQ(b.device.copy(DeviceRuntime::cuda), nullptr);
  EXPECT_EQ(b.device.copy(DeviceRuntime::opencl), nullptr);
}

TEST(BufferDevice, CopiesAndAssignmentsCarryNoDeviceState) {
  if (!device_residency_enabled()) GTEST_SKIP() << "ANVIL_DEVICE_RESIDENT=0";
  Buffer b = kept_with_copies();
  ASSERT_TRUE(b.device.kept());
  Buffer copied(b);
  expect_no_device_state(copied);
  Buffer assigned(dtypes::float32, 4);
  assigned = b;
  expect_no_device_state(assigned);
  Buffer target = kept_with_copies();  // assigning into a kept buffer drops what it had
  target = b;
  expect_no_device_state(target);
  Buffer moved(std::move(b));  // conservative: a moved buffer starts over too
  expect_no_device_state(moved);
}

TEST(BufferDevice, HostChangesMakeCopiesStale) {
  Buffer b = kept_with_copies();
  b.device.host_changed_except(DeviceRuntime::cuda);  // cuda wrote the host bytes from its copy
  EXPECT_TRUE(b.device.copy(DeviceRuntime::cuda)->current);
  EXPECT_FALSE(b.device.copy(DeviceRuntime::opencl)->current);
  b.device.host_changed();
  EXPECT_FALSE(b.device.copy(DeviceRuntime::cuda)->current);
  EXPECT_NE(b.device.copy(DeviceRuntime::cuda), nullptr);  // the allocation stays for reuse
  b.device.drop();
  expect_no_device_state(b);
}

}  // namespace
}  // namespace anvil
