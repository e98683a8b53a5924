#pragma once
// RapidCheck adapter for Source: each draw is a RapidCheck generator, so a failing property
// shrinks through the generator's decisions. Use only inside a RapidCheck property.
#include <rapidcheck.h>

#include "fuzz/lib/source.h"

namespace anvil::fuzz {

class RcSource final : public Source {
 public:
  int64_t range(int64_t lo, int64_t hi) override {
    if (lo == hi) return lo;
    if (hi == INT64_MAX) return lo + *rc::gen::inRange<int64_t>(0, hi - lo);  // inRange is half-open
    return *rc::gen::inRange<int64_t>(lo, hi + 1);
  }
};

}  // namespace anvil::fuzz
