// Google Benchmark micro-benchmarks of the engine's fixed costs on one backend (ANVIL_BACKEND, default c):
// what a realize costs beyond its kernels. A timing program, not a test.
//   ANVIL_BACKEND=llvm micro_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "engine/runtime/realize.h"
#include "engine/support/deep_stack.h"
#include "engine/support/thread_pool.h"
#include "engine/tensor/tensor.h"

namespace {

using anvil::Tensor;

Tensor small_input(float v) { return Tensor::from(std::vector<float>(256, v), anvil::Shape{16, 16}); }

// A graph whose kernel is compiled already: schedule + lower + cache lookup + launch.
void BM_RealizeCachedKernel(benchmark::State& state) {
  const Tensor a = small_input(0.5f), b = small_input(0.25f);
  (a * 2.0 + b).relu().sum(1).realize();
  for (auto _ : state) benchmark::DoNotOptimize((a * 2.0 + b).relu().sum(1).realize().uop());
}
BENCHMARK(BM_RealizeCachedKernel)->Unit(benchmark::kMicrosecond);

// A graph with a constant never seen before: everything above plus render and compile.
void BM_RealizeNewKernel(benchmark::State& state) {
  const Tensor a = small_input(0.5f), b = small_input(0.25f);
  double c = 1.0 + static_cast<double>(std::rand() % 100000) * 0x1p-20;
  for (auto _ : state) {
    c += 0x1p-20;  // a new float32 each time (its ulp at 1 is 2^-23)
    benchmark::DoNotOptimize((a * c + b).relu().sum(1).realize().uop());
  }
}
BENCHMARK(BM_RealizeNewKernel)->Unit(benchmark::kMillisecond)->Iterations(20);

// Building a lazy graph and its gradient, without realizing: the Tensor API's own overhead.
void BM_BuildMlpGraph(benchmark::State& state) {
  Tensor w = Tensor::from(std::vector<float>(64 * 32, 0.1f), anvil::Shape{32, 64}).requires_grad_();
  const Tensor x = Tensor::from(std::vector<float>(8 * 64, 0.5f), anvil::Shape{8, 64});
  for (auto _ : state) {
    w.zero_grad();
    x.linear(w).relu().sum().backward();
    benchmark::DoNotOptimize(w.grad()->uop());
  }
}
BENCHMARK(BM_BuildMlpGraph)->Unit(benchmark::kMicrosecond);

// The hand-off every realize makes to its deep-stack thread (deep_stack.h), with nothing to run.
void BM_RunOnDeepStack(benchmark::State& state) {
  int calls = 0;
  for (auto _ : state) anvil::run_on_deep_stack([&] { ++calls; });
  benchmark::DoNotOptimize(calls);
}
BENCHMARK(BM_RunOnDeepStack)->Unit(benchmark::kMicrosecond);

// A parallel_for of range(0) empty tasks on the pool (thread_pool.h; ANVIL_THREADS): its fixed cost.
void BM_ParallelFor(benchmark::State& state) {
  std::vector<int> out(static_cast<size_t>(state.range(0)));
  for (auto _ : state) anvil::parallel_for(out.size(), [&](size_t i) { ++out[i]; });
  benchmark::DoNotOptimize(out.data());
}
BENCHMARK(BM_ParallelFor)->Arg(1)->Arg(4)->Arg(16)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  setenv("ANVIL_BACKEND", "c", /*overwrite=*/0);  // before anything reads the default device
  anvil::install_backends();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
