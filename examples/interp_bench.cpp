// Wall time of three workloads on the interpreter backend, for before/after comparisons of
// engine/runtime/interp (a timing program, not a test: numbers depend on the machine and its load).
//   interp_bench [--repeat N]
// Prints, per workload, the best of N timed runs after one warm-up run (which pays scheduling,
// lowering and compiling, all cached afterwards), in process CPU seconds: the machine is shared, and
// wall time there measures the neighbours.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/nn/optim.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"

namespace {

using anvil::Tensor;

double best_seconds(int repeat, const std::function<void()>& work) {
  work();  // warm-up: scheduling, lowering and compiling are cached after it
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const std::clock_t start = std::clock();
    work();
    best = std::min(best, static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC);
  }
  return best;
}

void report(const char* name, double seconds) { std::printf("%-36s %10.4f s CPU\n", name, seconds); }

}  // namespace

int main(int argc, char** argv) {
  int repeat = 3;
  if (argc == 3 && std::string(argv[1]) == "--repeat") repeat = std::max(1, std::atoi(argv[2]));
  try {
    anvil::install_interp_realizer();
    Tensor::manual_seed(0);

    // Host inputs: random-number kernels would dominate the time.
    const Tensor x = Tensor::from(std::vector<float>(1 << 16, 0.5f));
    report("elementwise x*2+1, 64K float32", best_seconds(repeat, [&] { (x * 2.0 + 1.0).realize(); }));

    const Tensor a = Tensor::from(std::vector<float>(64 * 64, 0.25f), anvil::Shape{64, 64});
    const Tensor b = Tensor::from(std::vector<float>(64 * 64, 0.5f), anvil::Shape{64, 64});
    report("matmul 64x64x64 float32", best_seconds(repeat, [&] { a.matmul(b).realize(); }));

    auto fc1 = std::make_shared<anvil::nn::Linear>(784, 128), fc2 = std::make_shared<anvil::nn::Linear>(128, 10);
    anvil::nn::Sequential model{fc1, std::make_shared<anvil::nn::ReLU>(), fc2};
    anvil::nn::Adam opt(model.parameters(), anvil::nn::AdamOptions{.lr = 1e-3});
    const Tensor images = Tensor::from(std::vector<float>(50 * 784, 0.1f), anvil::Shape{50, 784});
    const Tensor labels = Tensor::from(std::vector<int64_t>(50, 3));
    report("MLP 784-128-10 Adam step, batch 50", best_seconds(repeat, [&] {
             Tensor loss = anvil::cross_entropy(model(images), labels);
             opt.zero_grad();
             loss.backward();
             opt.step();
             loss.detach().to_vector<float>();
           }));
  } catch (const anvil::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
