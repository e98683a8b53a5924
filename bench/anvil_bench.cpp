// anvil's side of the benchmark table (bench/run): the workloads of issue 7 on one backend, with the
// inputs bench/reference.py gives numpy and PyTorch (bench_inputs.h). A timing program, not a test.
//   anvil_bench --backend c|llvm|interp|opencl|cuda [--small] [--repeat N] [--budget S] [--only NAME,...]
//   anvil_bench --backend c --first-result     (process start to first result, timed by the caller)
// Exit status 3: the backend is not built in or unavailable here.
// Prints one JSON object per line:
//   {"workload","impl":"anvil","backend","seconds","metric","unit","runs","samples":[...]}
// `seconds` is the median of the timed runs after one warm-up run (which pays schedule and compile);
// `samples` are output elements at indices j * n / K (or the MLP's first losses) that bench/table.py
// compares with numpy's. On cuda each line also has "device_seconds" (the median run's kernels alone,
// by CUDA events around each launch: buffers are copied in and out around them) and "device_metric"
// (the workload's rate over that time), the figures to set beside PyTorch's kernel times.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/bench_inputs.h"
#include "engine/nn/optim.h"
#include "engine/runtime/backend.h"
#ifdef ANVIL_WITH_CUDA
#include "engine/runtime/cuda/cuda_runtime.h"
#endif
#include "engine/runtime/jit.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "engine/tensor/tensor.h"

namespace anvil::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string backend = "c";
  bool small = false;  // sizes interp finishes in seconds; the names say the sizes
  int repeat = 5;
  double budget_s = 10;  // per workload: stop repeating once past it (one timed run at least)
  std::vector<std::string> only;
  bool first_result = false;
};

// Sizes of each workload; reference.py's SIZES must match (table.py flags a workload one side lacks).
struct Sizes {
  std::vector<int64_t> matmul;
  int64_t fused, sum, softmax_rows, softmax_cols, conv_batch, conv_hw, mlp_batch;
};
Sizes sizes_for(bool small) {
  if (small) return {{16, 32, 64}, 1 << 14, 1 << 16, 64, 64, 2, 8, 4};
  return {{512, 1024, 2048}, 1 << 24, 1 << 26, 4096, 4096, 32, 32, 128};
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The device's own time for the kernels run so far (cuda: CUDA events around each launch); -1 elsewhere.
double device_seconds(const Options& o) {
#ifdef ANVIL_WITH_CUDA
  if (o.backend == "cuda") return cuda_run_stats().kernel_seconds;
#endif
  return -1;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Median wall time of `work` over up to o.repeat runs within o.budget_s, after one warm-up run; on a
// device, also the median of each run's kernel time alone (`device`, the sum over its kernels).
struct Timing {
  double seconds = 0;
  int runs = 0;
  double device = -1;
};
Timing time_runs(const Options& o, const std::function<void()>& work) {
  work();
  std::vector<double> times, device;
  const Clock::time_point begin = Clock::now();
  while (times.empty() || (static_cast<int>(times.size()) < o.repeat && seconds_since(begin) < o.budget_s)) {
    const double device_before = device_seconds(o);
    const Clock::time_point start = Clock::now();
    work();
    times.push_back(seconds_since(start));
    if (device_before >= 0) device.push_back(device_seconds(o) - device_before);
  }
  return {median(times), static_cast<int>(times.size()), device.empty() ? -1 : median(device)};
}

std::string count_name(int64_t n) {  // 16777216 -> "16M", 16384 -> "16K"
  if (n % (1 << 20) == 0) return std::to_string(n >> 20) + "M";
  if (n % (1 << 10) == 0) return std::to_string(n >> 10) + "K";
  return std::to_string(n);
}

// Output elements at j * n / K, K = min(n, 64): what table.py compares with numpy's.
std::vector<double> samples_of(Tensor t) {
  const std::vector<float> v = t.to_vector<float>();
  const size_t n = v.size(), k = std::min<size_t>(n, 64);
  std::vector<double> s;
  for (size_t j = 0; j < k; ++j) s.push_back(v[j * n / k]);
  return s;
}

std::string json_escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out;
}

void emit(const Options& o, const std::string& workload, const Timing& t, double metric, const char* unit,
          const std::vector<double>& samples, const std::string& note = "") {
  std::printf(R"({"workload": "%s", "impl": "anvil", "backend": "%s", "seconds": %.9g, "metric": %.9g, )"
              R"("unit": "%s", "runs": %d, )",
              workload.c_str(), o.backend.c_str(), t.seconds, metric, unit, t.runs);
  // The same work over the kernels' device time alone: a rate, so metric * seconds / device seconds
  // (new_graph_latency's ms is not a rate, but it has no device run worth the name).
  if (t.device > 0)
    std::printf(R"("device_seconds": %.9g, "device_metric": %.9g, )", t.device, metric * t.seconds / t.device);
  std::printf(R"("samples": [)");
  for (size_t i = 0; i < samples.size(); ++i) std::printf("%s%.9g", i ? ", " : "", samples[i]);
  std::printf("]%s%s%s}\n", note.empty() ? "" : R"(, "note": ")", json_escaped(note).c_str(), note.empty() ? "" : "\"");
  std::fflush(stdout);
}

Tensor input(uint32_t seed, const Shape& shape, float scale = 1.0f) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return Tensor::from(bench_values(seed, static_cast<uint64_t>(n), scale), shape);
}

float init_scale(int64_t fan_in) { return static_cast<float>(2.0 / std::sqrt(static_cast<double>(fan_in))); }

void bench_matmul(const Options& o, int64_t n) {
  const Tensor a = input(1, {n, n}), b = input(2, {n, n});
  Tensor out;
  const Timing t = time_runs(o, [&] { out = a.matmul(b).realize(); });
  emit(o, "matmul_" + std::to_string(n), t, 2.0 * n * n * n / t.seconds / 1e9, "GFLOPS", samples_of(out));
}

// float16 operands, realized before the clock starts, a float16 result (float32 sums): on cuda the
// tensor cores (the tc action). Only when named (--only matmul_f16): a host computes it in float32.
void bench_matmul_f16(const Options& o, int64_t n) {
  Tensor a = input(1, {n, n}).to(dtypes::float16), b = input(2, {n, n}).to(dtypes::float16);
  a.realize(), b.realize();
  Tensor out;
  const Timing t = time_runs(o, [&] { out = a.matmul(b).realize(); });
  emit(o, "matmul_f16_" + std::to_string(n), t, 2.0 * n * n * n / t.seconds / 1e9, "GFLOPS",
       samples_of(out.to(dtypes::float32)));
}

void bench_fused(const Options& o, int64_t n) {
  const Tensor a = input(3, {n}), b = input(4, {n}), c = input(5, {n});
  Tensor out;
  const Timing t = time_runs(o, [&] { out = ((a * b + c).relu() * 0.5).exp().realize(); });
  // Three arrays read, one written: the least traffic any implementation can have.
  emit(o, "fused_" + count_name(n), t, 16.0 * n / t.seconds / 1e9, "GB/s", samples_of(out));
}

void bench_sum(const Options& o, int64_t n) {
  const Tensor a = input(6, {n});
  Tensor out;
  const Timing t = time_runs(o, [&] { out = a.sum().realize(); });
  emit(o, "sum_" + count_name(n), t, 4.0 * n / t.seconds / 1e9, "GB/s", samples_of(out));
}

void bench_softmax(const Options& o, int64_t rows, int64_t cols) {
  const Tensor x = input(7, {rows, cols}, 8.0f);
  Tensor out;
  const Timing t = time_runs(o, [&] { out = x.softmax(-1).realize(); });
  emit(o, "softmax_" + std::to_string(rows) + "x" + std::to_string(cols), t, 8.0 * rows * cols / t.seconds / 1e9,
       "GB/s", samples_of(out));
}

// conv 3->16 (3x3, padding 1), relu, conv 16->32 (3x3, padding 1), with biases.
void bench_conv(const Options& o, int64_t batch, int64_t hw) {
  const Tensor x = input(8, {batch, 3, hw, hw});
  const Tensor w1 = input(9, {16, 3, 3, 3}, init_scale(27)), b1 = input(10, {16}, init_scale(27));
  const Tensor w2 = input(11, {32, 16, 3, 3}, init_scale(144)), b2 = input(12, {32}, init_scale(144));
  Tensor out;
  const Timing t = time_runs(o, [&] { out = conv2d(conv2d(x, w1, b1, 1, 1).relu(), w2, b2, 1, 1).realize(); });
  const double flops = 2.0 * batch * hw * hw * (16 * 27 + 32 * 144);
  emit(o, "conv2d_b" + std::to_string(batch) + "_" + std::to_string(hw) + "x" + std::to_string(hw), t,
       flops / t.seconds / 1e9, "GFLOPS", samples_of(out));
}

// A 784-256-10 MLP with cross entropy and plain SGD (lr 0.1), from reference.py's initial weights.
struct Mlp {
  explicit Mlp(int64_t batch)
      : w1(input(14, {256, 784}, init_scale(784))),
        b1(input(15, {256}, init_scale(784))),
        w2(input(16, {10, 256}, init_scale(256))),
        b2(input(17, {10}, init_scale(256))),
        x(input(13, {batch, 784}, 2.0f)),
        y(Tensor::from(bench_labels(static_cast<uint64_t>(batch), 10))),
        opt(params(), nn::SGDOptions{.lr = 0.1}) {}
  std::vector<Tensor> params() {
    for (Tensor* p : {&w1, &b1, &w2, &b2})
      if (!p->requires_grad()) p->requires_grad_();
    return {w1, b1, w2, b2};
  }
  Tensor step(const Tensor& in, const Tensor& labels) {
    opt.zero_grad();
    Tensor loss = cross_entropy(in.linear(w1, b1).relu().linear(w2, b2), labels);
    loss.backward();
    opt.step({loss});  // one schedule: the loss's forward pass is the gradients'
    return loss;
  }
  Tensor w1, b1, w2, b2, x, y;
  nn::SGD opt;
};

constexpr int kCheckedSteps = 3;  // losses of the first steps, compared with numpy's

void bench_mlp(const Options& o, int64_t batch, bool jit) {
  Mlp mlp(batch);
  Jit compiled([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{mlp.step(in[0], in[1])}; });
  auto step = [&]() -> Tensor {
    if (jit) return compiled({mlp.x, mlp.y})[0];
    return mlp.step(mlp.x, mlp.y).realize();
  };
  std::vector<double> losses;
  for (int i = 0; i < kCheckedSteps; ++i) losses.push_back(step().to_vector<float>()[0]);
  const Timing t = time_runs(o, [&] { step(); });
  std::string note;
  if (jit && compiled.stats().replayed == 0) note = "the JIT never replayed: this is the plain path's figure";
  emit(o, std::string(jit ? "mlp_step_jit_b" : "mlp_step_b") + std::to_string(batch), t, 1.0 / t.seconds, "steps/s",
       losses, note);
}

// A graph this process has not compiled: its constant is new each run (and bench/run points
// ANVIL_CACHE_DIR at an empty folder), so each run pays schedule + lower + render + compile.
void bench_new_graph(const Options& o) {
  const Tensor a = input(18, {16, 16}), b = input(19, {16, 16});
  const int64_t nonce = std::chrono::system_clock::now().time_since_epoch().count() % 500009;  // c stays below 2
  int64_t k = 0, cache_hits = 0;
  Tensor out;
  const Timing t = time_runs(o, [&] {
    const uint64_t compiled = compile_count();
    const double c = 1.0 + static_cast<double>(nonce + k++) * 0x1p-20;
    out = (a * c + b).relu().exp().sum(1).realize();
    if (compile_count() == compiled) ++cache_hits;
  });
  const std::string note = cache_hits ? std::to_string(cache_hits) + " runs hit the kernel cache" : "";
  emit(o, "new_graph_latency", t, t.seconds * 1e3, "ms", {}, note);
}

// The triad a[i] = b[i] + s * c[i] on 16M floats, one thread: the memory bandwidth fused elementwise
// kernels can hope for (issue 7's target: fused >= 0.6x triad).
void bench_triad(const Options& o, int64_t n) {
  std::vector<float> a(n), b = bench_values(3, n), c = bench_values(4, n);
  volatile float s = 0.5f;  // not folded into the loop at compile time
  const Timing t = time_runs(o, [&] {
    const float k = s;
    for (int64_t i = 0; i < n; ++i) a[i] = b[i] + k * c[i];
  });
  std::printf(R"({"workload": "stream_triad_%s", "impl": "c_loop", "backend": "-", "seconds": %.9g, )"
              R"("metric": %.9g, "unit": "GB/s", "runs": %d, "samples": [%.9g]})"
              "\n",
              count_name(n).c_str(), t.seconds, 12.0 * n / t.seconds / 1e9, t.runs, static_cast<double>(a[n / 2]));
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) (ErrorBuilder("anvil_bench") << flag << " needs a value").raise();
      return argv[++i];
    };
    if (flag == "--backend") {
      o.backend = value();
    } else if (flag == "--small") {
      o.small = true;
    } else if (flag == "--repeat") {
      o.repeat = std::max(1, std::atoi(value().c_str()));
    } else if (flag == "--budget") {
      o.budget_s = std::atof(value().c_str());
    } else if (flag == "--first-result") {
      o.first_result = true;
    } else if (flag == "--only") {
      std::string list = value();
      for (size_t start = 0; start <= list.size();) {
        const size_t end = std::min(list.find(',', start), list.size());
        if (end > start) o.only.push_back(list.substr(start, end - start));
        start = end + 1;
      }
    } else {
      (ErrorBuilder("anvil_bench")
       << "unknown flag " << flag
       << "; expected --backend NAME --small --repeat N --budget S --only A,B --first-result")
          .raise();
    }
  }
  return o;
}

constexpr int kUnavailable = 3;  // exit status for a backend not built in or unavailable: bench/run skips it

bool wanted(const Options& o, const std::string& group) {
  return o.only.empty() || std::find(o.only.begin(), o.only.end(), group) != o.only.end();
}

int run(const Options& o) {
  // The default device is read once: set it before anything asks, so every tensor lives on it.
  setenv("ANVIL_BACKEND", o.backend.c_str(), 1);
  const std::vector<std::string> installed = install_backends();
  if (std::find(installed.begin(), installed.end(), o.backend) == installed.end()) {
    const Backend* b = find_backend_named(o.backend);
    std::fprintf(stderr, "anvil_bench: backend '%s' is %s\n", o.backend.c_str(),
                 b ? ("unavailable here: " + b->unavailable()).c_str() : "not built in");
    return kUnavailable;
  }
  if (o.first_result) {  // the smallest complete use: make a tensor, compute, read the value back
    const std::vector<float> v = (Tensor::from(std::vector<float>{1, 2, 3, 4}) * 2.0).sum().to_vector<float>();
    std::printf("%g\n", static_cast<double>(v[0]));
    return v[0] == 20.0f ? 0 : 1;
  }
  std::printf(R"({"meta": "anvil", "backend": "%s", "compiler_id": "%s", "small": %s})"
              "\n",
              o.backend.c_str(), json_escaped(find_backend_named(o.backend)->compiler_id()).c_str(),
              o.small ? "true" : "false");
  const Sizes s = sizes_for(o.small);
  if (wanted(o, "matmul"))
    for (int64_t n : s.matmul) bench_matmul(o, n);
  if (wanted(o, "matmul") && o.backend == "cuda" && !o.small) bench_matmul(o, 4096);  // as bench/gpu_reference.py
  if (std::find(o.only.begin(), o.only.end(), "matmul_f16") != o.only.end())
    for (int64_t n : {1024, 2048, 4096}) bench_matmul_f16(o, n);
  if (wanted(o, "fused")) bench_fused(o, s.fused);
  if (wanted(o, "triad")) bench_triad(o, s.fused);
  if (wanted(o, "sum")) bench_sum(o, s.sum);
  if (wanted(o, "softmax")) bench_softmax(o, s.softmax_rows, s.softmax_cols);
  if (wanted(o, "conv2d")) bench_conv(o, s.conv_batch, s.conv_hw);
  if (wanted(o, "mlp")) {
    bench_mlp(o, s.mlp_batch, false);
    bench_mlp(o, s.mlp_batch, true);
  }
  if (wanted(o, "latency")) bench_new_graph(o);
  return 0;
}

}  // namespace
}  // namespace anvil::bench

int main(int argc, char** argv) {
  try {
    return anvil::bench::run(anvil::bench::parse(argc, argv));
  } catch (const anvil::Error& e) {
    std::fprintf(stderr, "anvil_bench: %s\n", e.what());
    return 2;
  }
}
