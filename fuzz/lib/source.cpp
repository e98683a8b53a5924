#include "fuzz/lib/source.h"

#include "engine/support/check.h"

#if __has_include(<fuzzer/FuzzedDataProvider.h>)
#include <fuzzer/FuzzedDataProvider.h>
#define ANVIL_HAVE_FDP 1
#endif

namespace anvil::fuzz {

#ifdef ANVIL_HAVE_FDP
struct BytesSource::Impl {
  FuzzedDataProvider fdp;
  Impl(const uint8_t* data, size_t size) : fdp(data, size) {}
  int64_t range(int64_t lo, int64_t hi) { return fdp.ConsumeIntegralInRange<int64_t>(lo, hi); }
};
#else
// Without clang's header (a g++ build): the same contract, bytes read big-endian from the front.
struct BytesSource::Impl {
  const uint8_t* data;
  size_t size, pos = 0;
  Impl(const uint8_t* d, size_t n) : data(d), size(n) {}
  int64_t range(int64_t lo, int64_t hi) {
    uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo), acc = 0;
    for (uint64_t seen = 0; (span >> seen) != 0 && seen < 64 && pos < size; seen += 8) acc = (acc << 8) | data[pos++];
    if (span != UINT64_MAX) acc %= span + 1;
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + acc);
  }
};
#endif

BytesSource::BytesSource(const uint8_t* data, size_t size) : impl_(std::make_unique<Impl>(data, size)) {}
BytesSource::~BytesSource() = default;

int64_t BytesSource::range(int64_t lo, int64_t hi) {
  ANVIL_CHECK(lo <= hi) << "empty range [" << lo << ", " << hi << "]";
  return impl_->range(lo, hi);
}

int64_t SeededSource::range(int64_t lo, int64_t hi) {
  ANVIL_CHECK(lo <= hi) << "empty range [" << lo << ", " << hi << "]";
  // Own reduction rather than std::uniform_int_distribution, whose output differs between
  // standard libraries: a seed must mean the same case everywhere.
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
  uint64_t draw = rng_();
  if (span != UINT64_MAX) draw %= span + 1;
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + draw);
}

}  // namespace anvil::fuzz
