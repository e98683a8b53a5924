#pragma once
// anvil::Jit, as tinygrad's TinyJit: a training or inference step pays scheduling, lowering and
// compiling once. The first call runs plainly (a first step often differs: optimizer state is
// created then); the second runs the step and captures each realize's schedule (kernels, buffer
// slots); later calls run the step function again — building the lazy graph is cheap and
// keeps every Tensor handle (parameters rebound by assign, optimizer state) exactly as without the
// JIT — but each realize, in order, replays its captured schedule with the new call's buffers
// instead of scheduling: no rewrite, no lowering, no compile.
//
// What decides a replay: the realized graph up to its buffers (same ops, shapes, dtypes and
// constants; buffer identities may differ). When the i-th realize of a call differs from the
// captured one (the step branched on data, or its graph embeds a new constant — random ops do:
// each call draws fresh counters), that realize is scheduled and recaptured: values are always
// those of the plain path, only the speed differs (stats() counts both kinds).
//
// Inputs: a call's inputs must have the shapes, dtypes and devices of the first call's, else
// Error("jit") naming both — make one Jit per input signature. Outputs are realized before the
// call returns. A Jit is not thread-safe; it captures realizes on its own thread only.
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil {

namespace jit_detail {
struct State;
}

class Jit {
 public:
  using Step = std::function<std::vector<Tensor>(const std::vector<Tensor>& inputs)>;
  struct Stats {
    uint64_t calls = 0;
    uint64_t scheduled = 0;   // realizes scheduled and captured (the first, plain call's not counted)
    uint64_t replayed = 0;    // realizes that replayed a captured schedule
    uint64_t recaptures = 0;  // captured realizes replaced because the graph differed
  };

  explicit Jit(Step step);
  ~Jit();
  Jit(const Jit&) = delete;
  Jit& operator=(const Jit&) = delete;

  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs);
  const Stats& stats() const;
  size_t captured_kernels() const;  // kernels in the captured schedules

 private:
  Step step_;
  std::unique_ptr<jit_detail::State> state_;
};

}  // namespace anvil
