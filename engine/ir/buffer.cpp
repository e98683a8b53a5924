#include "engine/ir/buffer.h"

#include <algorithm>
#include <atomic>
#include <new>

#include "engine/support/env.h"
#include "engine/support/error.h"

namespace anvil {

DeviceCopy::~DeviceCopy() = default;

bool device_residency_enabled() {
  static const bool enabled = env_int("ANVIL_DEVICE_RESIDENT", 1) != 0;
  return enabled;
}

namespace {

void check_element(const Buffer& b, size_t i) {
  if (i >= b.count) (ErrorBuilder("buffer") << "element " << i << " of a buffer of " << b.count).raise();
  const size_t size = static_cast<size_t>(itemsize(b.dtype.scalar));
  if (b.bytes.size() < (i + 1) * size || b.poison.size() <= i)
    (ErrorBuilder("buffer") << "a buffer's bytes or poison mask are shorter than its count").raise();
}

}  // namespace

Buffer::Buffer(DType dtype_, size_t count_) : dtype(dtype_), count(count_) {
  if (dtype.is_ptr || dtype.count != 1 || dtype.scalar == Scalar::Void)
    (ErrorBuilder("buffer") << "a buffer holds scalars, not " << name(dtype)).raise();
  size_t size = 0;
  const size_t limit = max_buffer_bytes();
  if (__builtin_mul_overflow(count, static_cast<size_t>(itemsize(dtype.scalar)), &size) || size > limit)
    (ErrorBuilder("buffer") << count << " elements of " << name(dtype) << " exceed the host buffer limit of " << limit
                            << " bytes (ANVIL_MAX_BUFFER_BYTES)")
        .raise();
  try {
    bytes.assign(size, 0);
    poison.assign(count, 0);
  } catch (const std::bad_alloc&) {
    (ErrorBuilder("buffer") << "out of memory allocating " << count << " elements of " << name(dtype)).raise();
  }
}

namespace {
std::atomic<size_t> g_max_buffer_bytes{0};  // 0: not read from the environment yet
}  // namespace

size_t max_buffer_bytes() {
  size_t v = g_max_buffer_bytes.load(std::memory_order_relaxed);
  if (v == 0) {
    const int64_t env = env_int("ANVIL_MAX_BUFFER_BYTES", int64_t{1} << 40);
    v = env > 0 ? static_cast<size_t>(env) : size_t{1} << 40;
    g_max_buffer_bytes.store(v, std::memory_order_relaxed);
  }
  return v;
}

void set_max_buffer_bytes(size_t bytes) { g_max_buffer_bytes.store(bytes == 0 ? 1 : bytes, std::memory_order_relaxed); }

Value Buffer::get(size_t i) const {
  check_element(*this, i);
  if (poison[i]) return Value::make_poison();
  const size_t size = static_cast<size_t>(itemsize(dtype.scalar));
  uint64_t raw = 0;
  for (size_t k = 0; k < size; ++k) raw |= static_cast<uint64_t>(bytes[i * size + k]) << (8 * k);  // little-endian
  return value_from_bits(dtype.scalar, raw);
}

void Buffer::set(size_t i, const Value& v) {
  check_element(*this, i);
  const size_t size = static_cast<size_t>(itemsize(dtype.scalar));
  const uint64_t raw = value_bits(dtype.scalar, v);  // poison: 0
  for (size_t k = 0; k < size; ++k) bytes[i * size + k] = static_cast<uint8_t>(raw >> (8 * k));
  poison[i] = v.poison ? 1 : 0;
}

Buffer Buffer::from_ints(DType dtype, std::span<const int64_t> values) {
  Buffer b(dtype, values.size());
  const Scalar types[] = {Scalar::Int64};
  for (size_t i = 0; i < values.size(); ++i) {
    Value v = Value::of_int(values[i]);
    if (dtype.scalar == Scalar::UInt64)
      v = Value::of_int(static_cast<uint64_t>(values[i]));
    else
      v = exec_alu(Op::CAST, dtype.scalar, types, std::span<const Value>(&v, 1));
    b.set(i, v);
  }
  return b;
}

Buffer Buffer::from_floats(DType dtype, std::span<const double> values) {
  Buffer b(dtype, values.size());
  const Scalar types[] = {Scalar::Float64};
  for (size_t i = 0; i < values.size(); ++i) {
    Value v = Value::of_float(values[i]);
    b.set(i, exec_alu(Op::CAST, dtype.scalar, types, std::span<const Value>(&v, 1)));
  }
  return b;
}

std::vector<int64_t> Buffer::ints() const {
  if (is_float(dtype.scalar)) (ErrorBuilder("buffer") << "ints() of a " << name(dtype) << " buffer").raise();
  std::vector<int64_t> out(count);
  for (size_t i = 0; i < count; ++i) {
    const Value v = get(i);
    out[i] = v.poison ? 0 : static_cast<int64_t>(static_cast<uint64_t>(v.i));
  }
  return out;
}

std::vector<double> Buffer::floats() const {
  std::vector<double> out(count);
  const Scalar types[] = {dtype.scalar};
  for (size_t i = 0; i < count; ++i) {
    const Value v = get(i);
    out[i] = v.poison ? 0 : exec_alu(Op::CAST, Scalar::Float64, types, std::span<const Value>(&v, 1)).f;
  }
  return out;
}

size_t Buffer::poison_count() const {
  return static_cast<size_t>(std::count_if(poison.begin(), poison.end(), [](uint8_t p) { return p != 0; }));
}

void Buffer::check_host_dtype(DType want) const {
  if (!(dtype == want)) (ErrorBuilder("buffer") << "a " << name(dtype) << " buffer read as " << name(want)).raise();
}

}  // namespace anvil
