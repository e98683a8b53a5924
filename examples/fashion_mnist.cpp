// Trains an MLP (784-H-10, ReLU) on Fashion-MNIST read from Debian's dataset-fashion-mnist files, on
// the llvm backend by default, printing per epoch the loss, the running train accuracy, the test
// accuracy and the time (a progress bar on a TTY, plain lines otherwise).
//   fashion_mnist [--data DIR] [--train N] [--test N] [--epochs E] [--batch B] [--eval-batch B]
//                 [--lr LR] [--momentum M] [--optimizer sgd|adam] [--backend NAME] [--seed S]
//                 [--min-accuracy A] [--pool P] [--hidden H]
// --pool P averages PxP pixel blocks on the host first (28/P squared inputs; P divides 28) and
// --hidden H sets the hidden width (0: no hidden layer, softmax regression): the small model the
// interpreter can train within a CI test.
// The backend: --backend, else ANVIL_BACKEND, else llvm (c, then interp, where llvm is not built).
// Each training step and each evaluation batch runs under an anvil::Jit, so after two calls a step
// replays its captured kernels: no scheduling, lowering or compiling per step. The step realizes the
// gradients, the loss and the correct count in one schedule (the forward pass is shared, not
// recomputed per gradient). Training drops the last partial batch (one input shape per Jit);
// evaluation pads its last batch with label -1, which never matches.
// Exit codes: 0 done, 1 error or test accuracy below --min-accuracy, 77 dataset not installed (CTest skip).
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/nn/optim.h"
#include "engine/runtime/jit.h"
#include "engine/runtime/realize.h"
#include "engine/support/env.h"
#include "engine/support/error.h"
#include "examples/idx.h"

namespace {

using anvil::Error;
using anvil::ErrorBuilder;
using anvil::Tensor;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  int64_t train = 60000, test = 10000, epochs = 2, batch = 100, eval_batch = 1000, seed = 0, pool = 1, hidden = 128;
  double lr = 0.02, momentum = 0.9, min_accuracy = 0;
  std::string optimizer = "sgd", backend;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) (ErrorBuilder("fashion_mnist") << flag << " needs a value").raise();
    const std::string v = argv[++i];
    try {
      if (flag == "--data")
        o.data = v;
      else if (flag == "--train")
        o.train = std::stoll(v);
      else if (flag == "--test")
        o.test = std::stoll(v);
      else if (flag == "--epochs")
        o.epochs = std::stoll(v);
      else if (flag == "--batch")
        o.batch = std::stoll(v);
      else if (flag == "--eval-batch")
        o.eval_batch = std::stoll(v);
      else if (flag == "--seed")
        o.seed = std::stoll(v);
      else if (flag == "--pool")
        o.pool = std::stoll(v);
      else if (flag == "--hidden")
        o.hidden = std::stoll(v);
      else if (flag == "--lr")
        o.lr = std::stod(v);
      else if (flag == "--momentum")
        o.momentum = std::stod(v);
      else if (flag == "--min-accuracy")
        o.min_accuracy = std::stod(v);
      else if (flag == "--optimizer")
        o.optimizer = v;
      else if (flag == "--backend")
        o.backend = v;
      else
        (ErrorBuilder("fashion_mnist") << "unknown option " << flag).raise();
    } catch (const std::logic_error&) {  // stoll/stod
      (ErrorBuilder("fashion_mnist") << flag << " expects a number, got \"" << v << '"').raise();
    }
  }
  if (o.train <= 0 || o.test <= 0 || o.epochs <= 0 || o.batch <= 0 || o.eval_batch <= 0)
    (ErrorBuilder("fashion_mnist") << "--train, --test, --epochs, --batch and --eval-batch must be positive").raise();
  if (o.pool <= 0 || 28 % o.pool != 0 || o.hidden < 0)
    (ErrorBuilder("fashion_mnist") << "--pool must divide 28 and --hidden be >= 0, got " << o.pool << " and "
                                   << o.hidden)
        .raise();
  if (o.optimizer != "adam" && o.optimizer != "sgd")
    (ErrorBuilder("fashion_mnist") << "--optimizer is adam or sgd, got " << o.optimizer).raise();
  return o;
}

// The backend every tensor of the run lives on. Tensors take the default device when made (the
// model's parameters too), so the choice becomes ANVIL_BACKEND before anything asks for it.
std::string choose_backend(const Options& o) {
  const std::vector<std::string> usable = anvil::install_backends();
  auto has = [&](const std::string& name) { return std::find(usable.begin(), usable.end(), name) != usable.end(); };
  std::string name = o.backend.empty() ? anvil::env_string("ANVIL_BACKEND") : o.backend;
  if (name.empty()) name = has("llvm") ? "llvm" : has("c") ? "c" : "interp";
  if (!has(name)) {
    std::string list;
    for (const std::string& u : usable) list += (list.empty() ? "" : ", ") + u;
    (ErrorBuilder("fashion_mnist") << "backend '" << name << "' is not usable here; usable: " << list).raise();
  }
  setenv("ANVIL_BACKEND", name.c_str(), 1);
  if (anvil::default_backend() != name)
    (ErrorBuilder("fashion_mnist") << "the default backend was fixed as '" << anvil::default_backend()
                                   << "' before --backend " << name << " could take effect")
        .raise();
  return name;
}

struct Split {
  std::vector<float> images;  // [n, features], standardized
  std::vector<int64_t> labels;
  int64_t n = 0, features = 784;
};

// Each image's PxP pixel blocks averaged: [n, 28/P * 28/P].
void pool(Split& s, int64_t p) {
  if (p == 1) return;
  const int64_t side = 28 / p;
  std::vector<float> out(static_cast<size_t>(s.n * side * side), 0.0f);
  for (int64_t i = 0; i < s.n; ++i)
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = 0; x < 28; ++x)
        out[static_cast<size_t>((i * side + y / p) * side + x / p)] +=
            s.images[static_cast<size_t>(i * 784 + y * 28 + x)] / static_cast<float>(p * p);
  s.images = std::move(out);
  s.features = side * side;
}

Split load(const Options& o, const std::string& prefix, int64_t limit) {
  using anvil::examples::read_idx;
  const auto images = read_idx(o.data + "/" + prefix + "-images-idx3-ubyte.gz", 3, limit);
  const auto labels = read_idx(o.data + "/" + prefix + "-labels-idx1-ubyte.gz", 1, limit);
  if (images.shape[1] * images.shape[2] != 784 || images.shape[0] != labels.shape[0])
    (ErrorBuilder("fashion_mnist") << prefix << ": " << images.shape[0] << " images of " << images.shape[1] << "x"
                                   << images.shape[2] << " and " << labels.shape[0] << " labels, expected 28x28 each")
        .raise();
  Split s;
  s.n = images.shape[0];
  // Standardized with the training set's pixel mean and deviation (torchvision's Normalize for
  // Fashion-MNIST): SGD converges in fewer epochs on centered inputs. A table per byte value.
  std::array<float, 256> value{};
  for (size_t b = 0; b < value.size(); ++b) value[b] = (static_cast<float>(b) / 255.0f - 0.2860f) / 0.3530f;
  s.images.resize(images.data.size());
  std::transform(images.data.begin(), images.data.end(), s.images.begin(), [&](uint8_t b) { return value[b]; });
  for (uint8_t b : labels.data) {
    if (b > 9) (ErrorBuilder("fashion_mnist") << prefix << ": label " << int{b} << ", expected 0 to 9").raise();
    s.labels.push_back(b);
  }
  return s;
}

// A batch of `size` rows gathered on the host from s's rows order[begin, end) straight into one
// buffer each (a single host array per input, not an op per image); rows past `end` are zero
// images with label -1 (padding for a fixed batch shape).
std::pair<Tensor, Tensor> batch_of(const Split& s, const std::vector<int64_t>& order, int64_t begin, int64_t end,
                                   int64_t size) {
  anvil::Buffer x(anvil::dtypes::float32, static_cast<size_t>(size * s.features));
  std::vector<int64_t> y(static_cast<size_t>(size), -1);
  float* dst = reinterpret_cast<float*>(x.bytes.data());
  const size_t row = static_cast<size_t>(s.features) * sizeof(float);
  for (int64_t i = begin; i < end; ++i) {
    const int64_t from = order[static_cast<size_t>(i)];
    std::memcpy(dst + (i - begin) * s.features, s.images.data() + from * s.features, row);
    y[static_cast<size_t>(i - begin)] = s.labels[static_cast<size_t>(from)];
  }
  return {Tensor::from(std::move(x), anvil::Shape{size, s.features}), Tensor::from(y)};
}

void progress(bool tty, int64_t epoch, int64_t done, int64_t total, double loss) {
  if (!tty) return;
  const int width = 30, filled = static_cast<int>(width * done / total);
  std::printf("\repoch %lld [%s%s] %lld/%lld loss %.4f", static_cast<long long>(epoch),
              std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), static_cast<long long>(done),
              static_cast<long long>(total), loss);
  std::fflush(stdout);
}

// Correct predictions over a split in batches of `batch` (the last one padded), one Jit replay each.
double accuracy(anvil::nn::Module& model, const Split& s, int64_t batch, anvil::Jit& jit) {
  model.eval();
  std::vector<int64_t> order(static_cast<size_t>(s.n));
  std::iota(order.begin(), order.end(), 0);
  int64_t right = 0;
  for (int64_t b = 0; b < s.n; b += batch) {
    auto [x, y] = batch_of(s, order, b, std::min(s.n, b + batch), batch);
    right += jit({x, y})[0].to_vector<int64_t>()[0];
  }
  model.train();
  return static_cast<double>(right) / static_cast<double>(s.n);
}

int run(const Options& o) {
  if (!std::filesystem::exists(o.data + "/train-images-idx3-ubyte.gz")) {
    std::cout << "fashion_mnist: SKIP: the dataset is not installed (" << o.data
              << "; apt-get install dataset-fashion-mnist)\n";
    return 77;
  }
  const auto t0 = Clock::now();
  const std::string backend = choose_backend(o);
  Split train = load(o, "train", o.train), test = load(o, "t10k", o.test);
  pool(train, o.pool);
  pool(test, o.pool);
  const int64_t batch = std::min(o.batch, train.n), eval_batch = std::min(o.eval_batch, test.n);
  const int64_t steps = train.n / batch;  // the last partial batch is dropped
  std::cout << "fashion_mnist: " << train.n << " train / " << test.n << " test images of " << train.features
            << " pixels, hidden " << o.hidden << ", backend " << backend << ", " << o.optimizer << " lr " << o.lr
            << (o.optimizer == "sgd" ? " momentum " + std::to_string(o.momentum) : "") << ", batch " << batch << ", "
            << o.epochs << " epoch(s)\n";

  Tensor::manual_seed(static_cast<uint64_t>(o.seed));
  anvil::nn::Sequential model;
  if (o.hidden == 0) {
    model.push_back(std::make_shared<anvil::nn::Linear>(train.features, 10));
  } else {
    model.push_back(std::make_shared<anvil::nn::Linear>(train.features, o.hidden));
    model.push_back(std::make_shared<anvil::nn::ReLU>());
    model.push_back(std::make_shared<anvil::nn::Linear>(o.hidden, 10));
  }
  std::vector<Tensor> params = model.parameters();
  // Adam's bias correction is a new constant each step, so its update kernels recompile per step;
  // SGD with momentum replays the same kernels every step.
  std::unique_ptr<anvil::nn::Optimizer> opt;
  if (o.optimizer == "adam")
    opt = std::make_unique<anvil::nn::Adam>(params, anvil::nn::AdamOptions{.lr = o.lr});
  else
    opt = std::make_unique<anvil::nn::SGD>(params, anvil::nn::SGDOptions{.lr = o.lr, .momentum = o.momentum});

  // The step: inputs {x [B, F], y [B]}; output [2]: the batch's mean loss and its correct count.
  anvil::Jit train_step([&](const std::vector<Tensor>& in) {
    const Tensor logits = model(in[0]);
    Tensor loss = anvil::cross_entropy(logits, in[1]);
    opt->zero_grad();
    loss.backward();
    Tensor stats = Tensor::stack({loss.detach(), logits.detach().argmax(1).eq(in[1]).sum().to(loss.dtype())});
    opt->step({stats});  // one schedule: the forward pass, the gradients, the update and the stats
    return std::vector<Tensor>{stats};
  });
  // Evaluation: inputs {x [E, F], y [E]}; output: the count of rows whose prediction is the label.
  anvil::Jit eval_step([&](const std::vector<Tensor>& in) {
    return std::vector<Tensor>{model(in[0]).detach().argmax(1).eq(in[1]).sum()};
  });

  const bool tty = isatty(fileno(stdout));
  std::printf("load and setup: %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  std::mt19937_64 rng(static_cast<uint64_t>(o.seed));
  std::vector<int64_t> order(static_cast<size_t>(train.n));
  std::iota(order.begin(), order.end(), 0);
  double test_acc = 0;
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto start = Clock::now();
    std::shuffle(order.begin(), order.end(), rng);
    double loss_sum = 0, right = 0;
    const uint64_t compiles = anvil::compile_count();
    for (int64_t s = 0; s < steps; ++s) {
      auto [x, y] = batch_of(train, order, s * batch, (s + 1) * batch, batch);
      const std::vector<float> out = train_step({x, y})[0].to_vector<float>();  // realized by the step
      loss_sum += out[0];
      right += out[1];
      progress(tty, epoch, (s + 1) * batch, steps * batch, loss_sum / static_cast<double>(s + 1));
    }
    const double train_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const uint64_t step_compiles = anvil::compile_count() - compiles;
    const auto eval_start = Clock::now();
    test_acc = accuracy(model, test, eval_batch, eval_step);
    const double eval_seconds = std::chrono::duration<double>(Clock::now() - eval_start).count();
    if (tty) std::printf("\n");
    std::printf(
        "epoch %lld: loss %.4f, train accuracy %.1f%% (running), test accuracy %.2f%%, train %.1f s (%.1f ms/step, "
        "%llu kernels compiled), eval %.1f s, total %.1f s\n",
        static_cast<long long>(epoch), loss_sum / static_cast<double>(steps),
        100 * right / static_cast<double>(steps * batch), 100 * test_acc, train_seconds,
        1000 * train_seconds / static_cast<double>(steps), static_cast<unsigned long long>(step_compiles), eval_seconds,
        std::chrono::duration<double>(Clock::now() - t0).count());
    std::fflush(stdout);
  }
  const anvil::Jit::Stats& js = train_step.stats();
  // CPU seconds beside wall seconds: on a shared machine the wall clock also counts other processes.
  std::printf(
      "fashion_mnist: test accuracy %.2f%% in %.1f s (%.1f s CPU); step: %zu kernels captured, %llu realizes "
      "replayed, %llu scheduled, %llu recaptured\n",
      100 * test_acc, std::chrono::duration<double>(Clock::now() - t0).count(),
      static_cast<double>(std::clock()) / CLOCKS_PER_SEC, train_step.captured_kernels(),
      static_cast<unsigned long long>(js.replayed), static_cast<unsigned long long>(js.scheduled),
      static_cast<unsigned long long>(js.recaptures));
  if (test_acc < o.min_accuracy) {
    std::printf("fashion_mnist: FAIL: test accuracy %.2f%% is below %.2f%%\n", 100 * test_acc, 100 * o.min_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
