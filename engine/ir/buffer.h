#pragma once
// Host buffers: `count` scalars of one dtype as little-endian bytes, with a poison mask. The
// interpreter runs kernels on them, ref evaluates on them, tensors keep their data in them.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "engine/ir/alu.h"
#include "engine/support/guarded.h"

namespace anvil {

// The largest host buffer, in bytes: a bigger one raises Error("buffer") instead of exhausting memory.
// Default 1 TiB (the sanitizers' allocation ceiling), or ANVIL_MAX_BUFFER_BYTES; fuzz targets lower it.
size_t max_buffer_bytes();
void set_max_buffer_bytes(size_t bytes);

// A device runtime's copy of a buffer's bytes, kept between runs (see DeviceResidency). Each runtime
// subclasses it with its device memory, freed in its destructor.
struct DeviceCopy {
  DeviceCopy() = default;
  DeviceCopy(const DeviceCopy&) = delete;
  DeviceCopy& operator=(const DeviceCopy&) = delete;
  virtual ~DeviceCopy();
  // The device bytes equal the host bytes. Atomic because host_changed() and a runtime's write-back mark
  // every runtime's copy, each of which is otherwise touched only under its own runtime's run mutex.
  std::atomic<bool> current{false};
};

// Whether device runtimes may keep copies between runs at all: ANVIL_DEVICE_RESIDENT=0 turns it off
// (every run copies every slot in, as before), to measure what residency buys or rule it out.
bool device_residency_enabled();

// The device runtimes that may keep a copy of a buffer: at most one copy each.
enum class DeviceRuntime : uint8_t { cuda, opencl };
inline constexpr size_t kDeviceRuntimes = 2;

// A buffer's device copies. Host bytes stay authoritative: a copy is a cache, trusted only on a buffer
// whose owner vouches (keep_between_runs) that its bytes change only where host_changed() is called.
// A buffer not kept gets no copy: a runtime copies it in and out on every run.
class DeviceResidency {
 public:
  DeviceResidency() = default;
  // A copy of a buffer starts with no device state and is not kept: whoever holds it may write its
  // bytes without telling anyone. Assigning into a buffer drops its device state for the same reason.
  DeviceResidency(const DeviceResidency&) noexcept {}
  DeviceResidency(DeviceResidency&&) noexcept {}
  DeviceResidency& operator=(const DeviceResidency&) noexcept {
    drop();
    return *this;
  }
  DeviceResidency& operator=(DeviceResidency&&) noexcept {
    drop();
    return *this;
  }

  // The owner vouches that the bytes change only where host_changed() is called from now on.
  void keep_between_runs() { kept_ = true; }
  bool kept() const { return kept_ && device_residency_enabled(); }
  // The host bytes changed: every device copy is stale; their allocations stay for reuse.
  void host_changed() {
    for (auto& c : copies_)
      if (c) c->current = false;
  }
  // A runtime's own copy (null if none); only that runtime touches it, under its run mutex.
  std::shared_ptr<DeviceCopy>& copy(DeviceRuntime runtime) { return copies_[static_cast<size_t>(runtime)]; }
  // The copies of every runtime but one are stale (that runtime wrote the host bytes from its copy).
  void host_changed_except(DeviceRuntime runtime) {
    for (size_t i = 0; i < kDeviceRuntimes; ++i)
      if (i != static_cast<size_t>(runtime) && copies_[i]) copies_[i]->current = false;
  }
  // Not kept, no device copies.
  void drop() {
    kept_ = false;
    for (auto& c : copies_) c.reset();
  }

 private:
  bool kept_ = false;
  std::shared_ptr<DeviceCopy> copies_[kDeviceRuntimes];
};

// Host memory of `count` scalar elements of `dtype`, little-endian, with a poison mask: a poison
// value stored to memory marks its element, and loading it back gives poison.
struct Buffer {
  DType dtype;
  size_t count = 0;
  // count * itemsize(dtype); in test builds flush against a guard page (engine/support/guarded.h)
  std::vector<uint8_t, GuardedAllocator<uint8_t>> bytes;
  std::vector<uint8_t> poison;  // count entries; nonzero: the element holds poison
  DeviceResidency device;       // device copies of `bytes` kept between runs, if the owner allows

  Buffer() = default;
  Buffer(DType dtype, size_t count);  // zeroed, no poison

  // Element i as a value of the buffer's dtype, and the reverse (poison marks the element). An i
  // past the count is an Error.
  Value get(size_t i) const;
  void set(size_t i, const Value& v);

  // From and to host values: integers exactly (wrapped to the dtype), floats rounded to the dtype
  // (float16/bfloat16 included). Poison elements read as 0.
  static Buffer from_ints(DType dtype, std::span<const int64_t> values);
  static Buffer from_floats(DType dtype, std::span<const double> values);
  std::vector<int64_t> ints() const;  // uint64 above INT64_MAX: its bit pattern
  std::vector<double> floats() const;
  size_t poison_count() const;

  // Native host arrays whose type names the dtype: bool, (u)int8..64, float, double.
  template <class T>
  static Buffer from(const std::vector<T>& values) {
    Buffer b(host_dtype<T>(), values.size());
    if constexpr (std::is_same_v<T, bool>) {  // std::vector<bool> has no data()
      for (size_t i = 0; i < values.size(); ++i) b.bytes[i] = values[i] ? 1 : 0;
    } else if (!values.empty()) {
      std::memcpy(b.bytes.data(), values.data(), b.bytes.size());
    }
    return b;
  }
  template <class T>
  std::vector<T> to() const {
    check_host_dtype(host_dtype<T>());
    std::vector<T> out(count);
    if constexpr (std::is_same_v<T, bool>) {
      for (size_t i = 0; i < count; ++i) out[i] = bytes[i] != 0;
    } else if (count) {
      std::memcpy(out.data(), bytes.data(), std::min(bytes.size(), count * sizeof(T)));
    }
    return out;
  }

 private:
  template <class T>
  static DType host_dtype() {
    if constexpr (std::is_same_v<T, bool>)
      return dtypes::bool_;
    else if constexpr (std::is_same_v<T, float>)
      return dtypes::float32;
    else if constexpr (std::is_same_v<T, double>)
      return dtypes::float64;
    else {
      static_assert(std::is_integral_v<T> && sizeof(T) <= 8, "no anvil dtype for this host type");
      constexpr int kLog = sizeof(T) == 1 ? 0 : sizeof(T) == 2 ? 1 : sizeof(T) == 4 ? 2 : 3;
      constexpr Scalar kSigned[] = {Scalar::Int8, Scalar::Int16, Scalar::Int32, Scalar::Int64};
      constexpr Scalar kUnsigned[] = {Scalar::UInt8, Scalar::UInt16, Scalar::UInt32, Scalar::UInt64};
      return std::is_signed_v<T> ? kSigned[kLog] : kUnsigned[kLog];
    }
  }
  void check_host_dtype(DType want) const;
};

}  // namespace anvil
