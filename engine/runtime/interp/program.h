#pragma once
// The reference interpreter of linearized kernels: runs a program (UOps in execution order) on
// host buffers, op by op, with the exact semantics of each dtype (exec_alu). It defines the IR
// that every compiled backend is judged against.
//
// Undefined behaviour of the program (an out-of-bounds access, poison used as an address, a
// branch condition or a loop bound) is reported as an Event and the offending access skipped;
// the interpreter itself never crashes, never has host UB and never hangs (a step limit). A
// malformed program (a node before its sources, END without its RANGE, a missing buffer, ...)
// is an anvil::Error (op "interp").
//
// Meaning of the pieces:
// - RANGE(end) ... END: the nodes between run once per value 0..end-1 (none if end <= 0). IF(c) ...
//   ENDIF: the nodes between run when c is true. SINK ends the run; BARRIER does nothing.
// - Each node has one current value (per lane), set each time it runs. A node may occur more than
//   once (hash-consing makes two loads of one address one node): every occurrence runs again.
// - The structure rules are those of validate_program (engine/ir/spec.h), plus repeats: sources
//   come earlier, blocks nest, no value that depends on a loop variable is used after its END. A
//   value used after a block that never ran (an IF not taken, an empty loop) is poison.
// - INDEX(ptr, idx[, gate]) addresses element ptr+idx (lanes: idx's lanes, or consecutive from a
//   scalar idx); a false gate skips that lane. LOAD of a skipped lane gives the alternative (or
//   poison without one); an out-of-bounds or poison-addressed lane gives poison and an Event.
// - Poison stored to memory marks the element (Buffer::poison) and reads back as poison. A
//   DEFINE_LOCAL / DEFINE_REG is fresh for every run and starts all poison (uninitialized).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/ir/alu.h"
#include "engine/ir/uop.h"

namespace anvil::interp {

// Host memory of `count` scalar elements of `dtype`, little-endian, with a poison mask: a poison
// value stored to memory marks its element, and loading it back gives poison.
struct Buffer {
  DType dtype;
  size_t count = 0;
  std::vector<uint8_t> bytes;   // count * itemsize(dtype)
  std::vector<uint8_t> poison;  // count entries; nonzero: the element holds poison

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

enum class EventKind {
  OutOfBounds,    // a load or store lane outside its buffer
  PoisonAddress,  // a load or store whose index or gate is poison
  PoisonBranch,   // an IF on poison
  PoisonBound,    // a RANGE whose end is poison
  StepLimit,      // the run stopped after max_steps nodes
};
std::string_view event_kind_name(EventKind kind);

struct Event {
  EventKind kind;
  UOp at;              // the node that did it (LOAD, STORE, IF, RANGE, or the next node at the step limit)
  std::string detail;  // buffer, element, lane and the loop variables' values
};

struct RunResult {
  std::vector<Event> events;  // the first kMaxEvents; event_count counts all
  uint64_t event_count = 0;
  uint64_t steps = 0;  // nodes executed
  bool ok() const { return event_count == 0; }
};

inline constexpr size_t kMaxEvents = 64;
inline constexpr uint64_t kDefaultMaxSteps = uint64_t{1} << 26;

// Runs `program` (execution order) on `buffers` (DEFINE_GLOBAL arg n is buffers[n]; its pointer
// dtype must name the buffer's dtype and, if ptr_size >= 0, its count). `vars` binds DEFINE_VARs
// by name (within their declared range). Writes results into the buffers.
RunResult run_program(std::span<const UOp> program, std::span<Buffer* const> buffers,
                      const std::map<std::string, int64_t>& vars = {}, uint64_t max_steps = kDefaultMaxSteps);

}  // namespace anvil::interp
