#include "engine/runtime/jit.h"

#include <gtest/gtest.h>

#include "engine/nn/layers.h"
#include "engine/nn/optim.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"

namespace anvil {
namespace {

struct Batch {
  Tensor x, y;
};

Batch batch(int i) {
  std::vector<float> x(8 * 6), y(8);
  for (size_t k = 0; k < x.size(); ++k) x[k] = static_cast<float>((k * 7 + i * 3) % 11) / 11.0f - 0.4f;
  for (size_t k = 0; k < y.size(); ++k) y[k] = static_cast<float>((k + i) % 3) - 1.0f;
  return {Tensor::from(x, Shape{8, 6}), Tensor::from(y, Shape{8, 1})};
}

// A two-layer MLP SGD step with momentum; returns the loss. The same model and data with and
// without the Jit must give the same bits, step after step.
struct Trainer {
  Trainer() : fc1(6, 5), fc2(5, 1), opt(params(), nn::SGDOptions{.lr = 0.05, .momentum = 0.9}) {}
  std::vector<Tensor> params() {
    std::vector<Tensor> p = fc1.parameters(), q = fc2.parameters();
    p.insert(p.end(), q.begin(), q.end());
    return p;
  }
  Tensor step(const Tensor& x, const Tensor& y) {
    opt.zero_grad();
    Tensor loss = mse_loss(fc2.forward(fc1.forward(x).relu()), y);
    loss.backward();
    opt.step();
    for (Tensor& p : params()) p.realize();
    return loss;
  }
  nn::Linear fc1, fc2;
  nn::SGD opt;
};

class JitTest : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
};

TEST_F(JitTest, TrainingStepReplaysWithTheSameBits) {
  Tensor::manual_seed(7);
  Trainer plain;
  Tensor::manual_seed(7);
  Trainer jitted;
  Jit jit([&](const std::vector<Tensor>& in) { return std::vector<Tensor>{jitted.step(in[0], in[1])}; });
  for (int i = 0; i < 4; ++i) {
    const Batch b = batch(i);
    const float want = plain.step(b.x, b.y).to_vector<float>()[0];
    const uint64_t compiles = compile_count();
    const float got = jit({b.x, b.y})[0].to_vector<float>()[0];
    EXPECT_EQ(got, want) << "step " << i;
    if (i > 1) EXPECT_EQ(compile_count(), compiles) << "a replay compiles nothing (step " << i << ")";
  }
  const std::vector<Tensor> pp = plain.params(), pj = jitted.params();
  for (size_t k = 0; k < pp.size(); ++k)
    EXPECT_EQ(Tensor(pj[k]).to_vector<float>(), Tensor(pp[k]).to_vector<float>()) << "parameter " << k;
  const Jit::Stats& s = jit.stats();
  EXPECT_EQ(s.calls, 4u);
  EXPECT_EQ(s.recaptures, 0u);
  EXPECT_GT(s.scheduled, 0u);
  EXPECT_EQ(s.replayed, 2 * s.scheduled) << "every realize of calls 3 and 4 replays call 2's";
  EXPECT_GT(jit.captured_kernels(), 0u);
}

TEST_F(JitTest, InputsOfAnotherShapeOrDtypeRaise) {
  Jit jit([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] * 2.0f}; });
  jit({Tensor::ones({2, 3})});
  try {
    jit({Tensor::ones({3, 3})});
    FAIL() << "a new shape must raise";
  } catch (const Error& e) {
    EXPECT_EQ(e.op(), "jit");
    EXPECT_NE(std::string(e.what()).find("[2, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(jit({Tensor::ones({2, 3}, dtypes::float64)}), Error);
  EXPECT_EQ(jit({Tensor::full({2, 3}, 4.0f)})[0].to_vector<float>(), std::vector<float>(6, 8.0f));
}

TEST_F(JitTest, RandomOpsRecaptureAndMatchThePlainPath) {
  auto step = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{dropout(in[0], 0.5)}; };
  const Tensor x = Tensor::ones({64});
  Tensor::manual_seed(3);
  std::vector<std::vector<float>> plain;
  for (int i = 0; i < 3; ++i) plain.push_back(step({x})[0].to_vector<float>());
  Tensor::manual_seed(3);
  Jit jit(step);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(jit({x})[0].to_vector<float>(), plain[i]) << "call " << i;
  EXPECT_NE(plain[0], plain[1]) << "fresh counters each call";
  EXPECT_EQ(jit.stats().recaptures, 1u) << "each call's graph embeds new counters (call 1 is plain, 2 captures)";
}

TEST_F(JitTest, BranchingStepRecaptures) {
  int calls = 0;
  Jit jit([&](const std::vector<Tensor>& in) {
    const bool odd = calls++ % 2 == 1;
    return std::vector<Tensor>{odd ? in[0] + 1.0f : in[0] * 3.0f};
  });
  const Tensor x = Tensor::full({4}, 2.0f);
  EXPECT_EQ(jit({x})[0].to_vector<float>(), std::vector<float>(4, 6.0f));
  EXPECT_EQ(jit({x})[0].to_vector<float>(), std::vector<float>(4, 3.0f));
  EXPECT_EQ(jit({x})[0].to_vector<float>(), std::vector<float>(4, 6.0f));
  EXPECT_EQ(jit({x})[0].to_vector<float>(), std::vector<float>(4, 3.0f));
  EXPECT_EQ(jit.stats().recaptures, 2u) << "calls 3 and 4 each differ from the one before";
}

TEST_F(JitTest, ReplayedResultsAreDistinctTensors) {
  Jit jit([](const std::vector<Tensor>& in) { return std::vector<Tensor>{in[0] + 1.0f}; });
  Tensor a = jit({Tensor::full({3}, 1.0f)})[0];
  Tensor b = jit({Tensor::full({3}, 5.0f)})[0];
  Tensor c = jit({Tensor::full({3}, 9.0f)})[0];
  EXPECT_EQ(a.to_vector<float>(), std::vector<float>(3, 2.0f)) << "a later call must not overwrite an earlier result";
  EXPECT_EQ((b + c).to_vector<float>(), std::vector<float>(3, 16.0f)) << "two replayed results are two buffers";
}

}  // namespace
}  // namespace anvil
