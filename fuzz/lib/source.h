#pragma once
// The Source interface: every generator draws its decisions from a Source, so one generator
// serves libFuzzer (bytes), RapidCheck (shrinking) and plain seeded runs (mutators, campaigns).
#include <cstdint>
#include <memory>
#include <random>
#include <span>

namespace anvil::fuzz {

class Source {
 public:
  virtual ~Source() = default;
  // A value in [lo, hi], both inclusive; lo <= hi.
  virtual int64_t range(int64_t lo, int64_t hi) = 0;

  size_t choose(size_t n) { return static_cast<size_t>(range(0, static_cast<int64_t>(n) - 1)); }
  bool chance(int percent) { return range(0, 99) < percent; }
  template <class T>
  const T& pick(std::span<const T> items) {
    return items[choose(items.size())];
  }
};

// Decisions from libFuzzer's bytes (FuzzedDataProvider); once the bytes run out, every draw is lo.
class BytesSource final : public Source {
 public:
  BytesSource(const uint8_t* data, size_t size);
  ~BytesSource() override;
  int64_t range(int64_t lo, int64_t hi) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decisions from a seeded PRNG: deterministic for a seed, on every platform.
class SeededSource final : public Source {
 public:
  explicit SeededSource(uint64_t seed) : rng_(seed) {}
  int64_t range(int64_t lo, int64_t hi) override;

 private:
  std::mt19937_64 rng_;
};

}  // namespace anvil::fuzz
