// Trains an MLP (784-128-10, ReLU) on Fashion-MNIST read from Debian's dataset-fashion-mnist files,
// printing loss and accuracy per epoch (a progress bar on a TTY, plain lines otherwise).
//   fashion_mnist [--data DIR] [--train N] [--test N] [--epochs E] [--batch B] [--lr LR]
//                 [--optimizer adam|sgd] [--backend NAME] [--seed S] [--min-accuracy A]
//                 [--pool P] [--hidden H]
// --pool P averages PxP pixel blocks on the host first (28/P squared inputs; P divides 28) and
// --hidden H sets the hidden width (0: no hidden layer, softmax regression): the small model the
// interpreter can train within a CI test.
// Exit codes: 0 done, 1 error or test accuracy below --min-accuracy, 77 dataset not installed (CTest skip).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "engine/nn/layers.h"
#include "engine/nn/optim.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "examples/idx.h"

namespace {

using anvil::Error;
using anvil::ErrorBuilder;
using anvil::Tensor;

struct Options {
  std::string data = "/usr/share/datasets/fashion-mnist";
  int64_t train = 2000, test = 500, epochs = 2, batch = 50, seed = 0, pool = 1, hidden = 128;
  double lr = 1e-3, min_accuracy = 0;
  std::string optimizer = "adam", backend;
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
      else if (flag == "--seed")
        o.seed = std::stoll(v);
      else if (flag == "--pool")
        o.pool = std::stoll(v);
      else if (flag == "--hidden")
        o.hidden = std::stoll(v);
      else if (flag == "--lr")
        o.lr = std::stod(v);
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
  if (o.train <= 0 || o.test <= 0 || o.epochs <= 0 || o.batch <= 0)
    (ErrorBuilder("fashion_mnist") << "--train, --test, --epochs and --batch must be positive").raise();
  if (o.pool <= 0 || 28 % o.pool != 0 || o.hidden < 0)
    (ErrorBuilder("fashion_mnist") << "--pool must divide 28 and --hidden be >= 0, got " << o.pool << " and "
                                   << o.hidden)
        .raise();
  if (o.optimizer != "adam" && o.optimizer != "sgd")
    (ErrorBuilder("fashion_mnist") << "--optimizer is adam or sgd, got " << o.optimizer).raise();
  return o;
}

struct Split {
  std::vector<float> images;  // [n, features], scaled to [0, 1]
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
  for (uint8_t b : images.data) s.images.push_back(b / 255.0f);
  for (uint8_t b : labels.data) {
    if (b > 9) (ErrorBuilder("fashion_mnist") << prefix << ": label " << int{b} << ", expected 0 to 9").raise();
    s.labels.push_back(b);
  }
  return s;
}

std::pair<Tensor, Tensor> batch_of(const Split& s, int64_t begin, int64_t end, const std::string& backend) {
  std::vector<float> x(s.images.begin() + begin * s.features, s.images.begin() + end * s.features);
  std::vector<int64_t> y(s.labels.begin() + begin, s.labels.begin() + end);
  Tensor tx = Tensor::from(x, anvil::Shape{end - begin, s.features}), ty = Tensor::from(y);
  return {tx.to(backend), ty.to(backend)};
}

void progress(bool tty, int64_t epoch, int64_t done, int64_t total, double loss) {
  if (!tty) return;
  const int width = 30, filled = static_cast<int>(width * done / total);
  std::printf("\repoch %lld [%s%s] %lld/%lld loss %.4f", static_cast<long long>(epoch),
              std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), static_cast<long long>(done),
              static_cast<long long>(total), loss);
  std::fflush(stdout);
}

double accuracy(anvil::nn::Module& model, const Split& s, int64_t batch, const std::string& backend) {
  model.eval();
  int64_t right = 0;
  for (int64_t b = 0; b < s.n; b += batch) {
    auto [x, y] = batch_of(s, b, std::min(s.n, b + batch), backend);
    right += model(x).detach().argmax(1).eq(y).sum().to_vector<int64_t>()[0];
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
  const std::string backend = o.backend.empty() ? anvil::default_backend() : o.backend;
  Split train = load(o, "train", o.train), test = load(o, "t10k", o.test);
  pool(train, o.pool);
  pool(test, o.pool);
  std::cout << "fashion_mnist: " << train.n << " train / " << test.n << " test images of " << train.features
            << " pixels, hidden " << o.hidden << ", backend " << backend << ", " << o.optimizer << " lr " << o.lr
            << ", batch " << o.batch << "\n";

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
  for (Tensor& p : params) p = p.to(backend);
  std::unique_ptr<anvil::nn::Optimizer> opt;
  if (o.optimizer == "adam")
    opt = std::make_unique<anvil::nn::Adam>(model.parameters(), anvil::nn::AdamOptions{.lr = o.lr});
  else
    opt = std::make_unique<anvil::nn::SGD>(model.parameters(), anvil::nn::SGDOptions{.lr = o.lr, .momentum = 0.9});

  const bool tty = isatty(fileno(stdout));
  double test_acc = 0;
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    double loss_sum = 0;
    int64_t batches = 0;
    for (int64_t b = 0; b < train.n; b += o.batch) {
      auto [x, y] = batch_of(train, b, std::min(train.n, b + o.batch), backend);
      Tensor loss = anvil::cross_entropy(model(x), y);
      opt->zero_grad();
      loss.backward();
      opt->step();
      loss_sum += loss.detach().to_vector<float>()[0];
      ++batches;
      progress(tty, epoch, std::min(train.n, b + o.batch), train.n, loss_sum / static_cast<double>(batches));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double train_acc = accuracy(model, train, o.batch, backend);
    test_acc = accuracy(model, test, o.batch, backend);
    if (tty) std::printf("\n");
    std::printf("epoch %lld: loss %.4f, train accuracy %.1f%%, test accuracy %.1f%%, %.1f s (%.0f images/s)\n",
                static_cast<long long>(epoch), loss_sum / static_cast<double>(batches), 100 * train_acc, 100 * test_acc,
                seconds, static_cast<double>(train.n) / seconds);
    std::fflush(stdout);
  }
  if (test_acc < o.min_accuracy) {
    std::printf("fashion_mnist: FAIL: test accuracy %.1f%% is below %.1f%%\n", 100 * test_acc, 100 * o.min_accuracy);
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    anvil::install_interp_realizer();
    return run(parse(argc, argv));
  } catch (const Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
}
