#pragma once
// Device residency (Buffer::device, issue 9), the same checks for every device runtime: a kept
// buffer is copied in once and then trusted while current; a pool buffer a host backend rewrote is
// copied in again; a copied or hand-made buffer is never trusted. `upload_bytes` reads the runtime's
// count of host->device bytes of slots (cuda_run_stats, opencl_run_stats).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "engine/codegen/linearize.h"
#include "engine/ir/buffer.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/interp/program.h"
#include "engine/runtime/realize.h"
#include "engine/runtime/realize_allocator.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/storage.h"
#include "engine/tensor/tensor.h"

namespace anvil::residency_test {

using UploadBytes = std::function<int64_t()>;

// Multiples of 1/8 well inside float32's mantissa: every summation order gives the same float.
inline std::vector<float> eighths(int64_t n, int seed = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = static_cast<float>(static_cast<int64_t>((i * 7919 + static_cast<size_t>(seed) * 31) % 97) - 48) / 8.0f;
  return v;
}

// x.sum() realized twice on `device`, with x host data and with x realized there first: x is copied
// in at most once in all, and the sums are interp's. n = 2^16 - 1 is one kernel; 2^17 is two (the
// partials go from kernel to kernel).
inline void expect_sum_copies_x_in_once(const std::string& device, const UploadBytes& upload_bytes) {
  install_backends();
  for (const int64_t n : {(int64_t{1} << 16) - 1, int64_t{1} << 17}) {
    const std::vector<float> v = eighths(n);
    const int64_t x_bytes = n * static_cast<int64_t>(sizeof(float));
    const float want = Tensor::from(v).to("interp").sum().to_vector<float>()[0];
    const float want_plus = (Tensor::from(v).to("interp") + 0.5).sum().to_vector<float>()[0];
    EXPECT_EQ(schedule({Tensor::from(v).sum().uop()}).size(), n == (int64_t{1} << 17) ? 2u : 1u);
    {
      SCOPED_TRACE("x host data, n = " + std::to_string(n));
      const Tensor x = Tensor::from(v).to(device);
      const int64_t before = upload_bytes();
      EXPECT_EQ(x.sum().to_vector<float>()[0], want);
      const int64_t first = upload_bytes() - before;
      EXPECT_EQ(x.sum().to_vector<float>()[0], want);
      const int64_t second = upload_bytes() - before - first;
      EXPECT_GE(first, x_bytes) << "the first sum copies x in";
      EXPECT_LT(first, 2 * x_bytes) << "and nothing else of its size";
      EXPECT_LT(second, x_bytes) << "the second finds x's copy current: only outputs are copied in";
    }
    {
      SCOPED_TRACE("x realized on " + device + ", n = " + std::to_string(n));
      Tensor x = Tensor::from(v).to(device) + 0.5;
      x.realize();
      const int64_t before = upload_bytes();
      EXPECT_EQ(x.sum().to_vector<float>()[0], want_plus);
      EXPECT_EQ(x.sum().to_vector<float>()[0], want_plus);
      EXPECT_LT(upload_bytes() - before, x_bytes) << "x stayed on the device since the kernel that made it";
    }
  }
}

// The bug this design must never have: a buffer realized on `device` (its copy current) goes back to
// the pool, comes out again as an interp output (host bytes rewritten), is registered, and is read on
// `device` again: it must be copied in again (pool_allocate marks a reused buffer's copies stale).
inline void expect_pool_reuse_by_a_host_backend_copies_in_again(const std::string& device) {
  install_backends();
  const int64_t n = 4096;
  pool_clear();  // the one pooled float32[4096] is then the buffer `y` leaves
  {
    Tensor y = Tensor::from(eighths(n, 1)).to(device) + 1.0;
    y.realize();  // on the device: its copy is current and holds eighths(n, 1) + 1
  }
  const PoolStats before = pool_stats();
  ASSERT_GE(before.pooled, 1u) << "y's buffer went back to the pool";
  Tensor z = Tensor::from(eighths(n, 2)).to("interp") * 3.0;
  z.realize();  // on interp, into y's old buffer
  const PoolStats after = pool_stats();
  ASSERT_EQ(after.reused, before.reused + 1) << "z's output reused y's buffer";
  const std::vector<float> want = (z + 2.0).to_vector<float>();  // on interp
  const std::vector<float> got = (z.to(device) + 2.0).to_vector<float>();
  ASSERT_EQ(got.size(), want.size());
  size_t wrong = 0;
  for (size_t i = 0; i < want.size(); ++i) wrong += got[i] != want[i] ? 1 : 0;
  EXPECT_EQ(wrong, 0u) << "of " << n << " elements (element 0: got " << got[0] << ", interp " << want[0] << ")";
}

// A copy of a buffer (Tensor::to_buffer) mutated and made a tensor again gives the mutated values: a
// copy carries no device state.
inline void expect_buffer_copy_has_no_device_state(const std::string& device) {
  install_backends();
  const int64_t n = 1000;
  Tensor x = Tensor::from(eighths(n)).to(device) + 1.0;
  x.realize();
  Buffer copy = x.to_buffer();
  std::vector<float> mutated = copy.to<float>();
  for (float& f : mutated) f = f * 2 - 1;
  std::memcpy(copy.bytes.data(), mutated.data(), copy.bytes.size());
  const std::vector<float> got = (Tensor::from(copy).to(device) + 0.25).to_vector<float>();
  ASSERT_EQ(got.size(), mutated.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], mutated[i] + 0.25f) << i;
  // x itself still holds its own values
  const std::vector<float> v = eighths(n), again = (x + 0.25).to_vector<float>();
  for (size_t i = 0; i < again.size(); ++i) ASSERT_EQ(again[i], v[i] + 1.25f) << i;
}

// Hand-made buffers run directly through a compiled program are not kept: their bytes mutated between
// two runs give the new values both times (a copy in on every run, as before device residency).
inline void expect_hand_made_buffers_copied_in_every_run(const Backend& backend, const UploadBytes& upload_bytes) {
  const int64_t n = 777;
  const int64_t uid = new_buffer_uid();  // never registered: the program only names its shape
  const UOp leaf = UOp::make(Op::BUFFER, dtypes::float32, {}, std::vector<int64_t>{uid, n});
  const UOp graph = UOp::make(Op::ADD, dtypes::float32, {leaf, leaf});
  const std::vector<Kernel> ks = schedule({graph});
  ASSERT_EQ(ks.size(), 1u);
  ASSERT_EQ(ks[0].buffers.size(), 2u);
  const std::vector<UOp> prog = linearize(ks[0].ast);
  const std::shared_ptr<Program> p = backend.compile(prog, backend.render(prog, "k"), "k");
  Buffer out(dtypes::float32, static_cast<size_t>(n));
  Buffer in = Buffer::from(eighths(n));
  std::vector<Buffer*> slots = {&out, &in};
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::vector<float> values = eighths(n, 10 + round);
    std::memcpy(in.bytes.data(), values.data(), in.bytes.size());
    const int64_t before = upload_bytes();
    p->run(slots, {});
    EXPECT_GE(upload_bytes() - before, n * static_cast<int64_t>(sizeof(float))) << "the input is copied in";
    const std::vector<float> got = out.to<float>();
    for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], values[i] + values[i]) << i;
  }
  EXPECT_FALSE(in.device.kept());
  EXPECT_FALSE(in.device.copy(DeviceRuntime::cuda) || in.device.copy(DeviceRuntime::opencl));
}

}  // namespace anvil::residency_test
