// Tensor::realize_all: several tensors in one schedule, and the optimizer step built on it.
#include <gtest/gtest.h>

#include "engine/nn/layers.h"
#include "engine/nn/optim.h"
#include "engine/runtime/jit.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"

namespace anvil {
namespace {

class RealizeAll : public ::testing::Test {
 protected:
  void SetUp() override { install_interp_realizer(); }
};

Tensor ramp(int64_t rows, int64_t cols, float scale) {
  std::vector<float> v(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < v.size(); ++i) v[i] = scale * static_cast<float>((i * 37) % 23) - 5.0f;
  return Tensor::from(v, Shape{rows, cols});
}

TEST_F(RealizeAll, ValuesMatchRealizingEachAlone) {
  const Tensor a = ramp(6, 9, 0.5f);
  const Tensor s = a.sum(1);
  Tensor x = s * 2.0f, y = (s + 1.0f).exp(), z = a.max(0);
  Tensor x2 = s * 2.0f;  // the same graph as x under another handle
  Tensor::realize_all({x, y, z, x2, x});
  for (const Tensor* t : {&x, &y, &z, &x2}) EXPECT_TRUE(t->is_realized());
  Tensor xa = s * 2.0f + 0.0f, ya = (s + 1.0f).exp(), za = a.max(0);  // realized alone, one by one
  EXPECT_EQ(x.to_vector<float>(), (s * 2.0f).realize().to_vector<float>());
  EXPECT_EQ(x2.to_vector<float>(), x.to_vector<float>());
  EXPECT_EQ(y.to_vector<float>(), ya.realize().to_vector<float>());
  EXPECT_EQ(z.to_vector<float>(), za.realize().to_vector<float>());
  EXPECT_EQ(xa.to_vector<float>(), x.to_vector<float>());
}

TEST_F(RealizeAll, EmptyRealizedAndUnknownDevices) {
  Tensor::realize_all({});
  Tensor done = ramp(2, 2, 1.0f);
  Tensor::realize_all({done});  // host data: nothing to run
  EXPECT_TRUE(done.is_realized());
  Tensor lazy = done * 3.0f;
  try {
    Tensor::realize_all({lazy, lazy.to("no-such-backend")});
    FAIL() << "an unknown device must raise";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-backend"), std::string::npos) << e.what();
  }
}

TEST_F(RealizeAll, IsOneRealizeUnderTheJit) {
  const Tensor a = ramp(4, 5, 0.25f);
  Jit jit([](const std::vector<Tensor>& in) {
    const Tensor s = in[0].sum(1);
    std::vector<Tensor> out{s * 3.0f, s.max() + in[0], in[0].mean(0)};
    Tensor::realize_all(out);
    return out;
  });
  for (int i = 0; i < 3; ++i) jit({a});
  EXPECT_EQ(jit.stats().scheduled, 1u) << "the three outputs are one realize";
  EXPECT_EQ(jit.stats().replayed, 1u);
}

// A training step whose loss realizes with the update (one schedule) gives what realizing the loss
// separately gives, step after step, on every backend built in.
TEST_F(RealizeAll, OptimizerStepWithTheLossMatchesTheSeparateLoss) {
  for (const std::string& backend : install_backends()) {
    SCOPED_TRACE(backend);
    struct Model {
      explicit Model(const std::string& device) : fc1(6, 5), fc2(5, 3) {
        for (Tensor* p : {&fc1.weight, &fc1.bias.value(), &fc2.weight, &fc2.bias.value()}) {
          Tensor moved = p->detach().to(device);
          moved.requires_grad_();
          *p = moved;
        }
      }
      std::vector<Tensor> params() { return {fc1.weight, *fc1.bias, fc2.weight, *fc2.bias}; }
      nn::Linear fc1, fc2;
    };
    Tensor::manual_seed(3);
    Model together(backend);
    Tensor::manual_seed(3);
    Model apart(backend);
    nn::SGD opt_t(together.params(), {.lr = 0.1, .momentum = 0.9}), opt_a(apart.params(), {.lr = 0.1, .momentum = 0.9});
    const Tensor x = ramp(8, 6, 0.1f).to(backend);
    const Tensor y = Tensor::from(std::vector<int64_t>{0, 1, 2, 0, 1, 2, 2, 1}).to(backend);
    for (int step = 0; step < 3; ++step) {
      opt_t.zero_grad();
      Tensor lt = cross_entropy(together.fc2.forward(together.fc1.forward(x).relu()), y);
      lt.backward();
      opt_t.step({lt});
      EXPECT_TRUE(lt.is_realized()) << "the loss realizes with the step";
      opt_a.zero_grad();
      Tensor la = cross_entropy(apart.fc2.forward(apart.fc1.forward(x).relu()), y);
      la.backward();
      opt_a.step();
      EXPECT_NEAR(lt.to_vector<float>()[0], la.to_vector<float>()[0], 1e-6f) << "step " << step;
      const std::vector<Tensor> pt = together.params(), pa = apart.params();
      for (size_t k = 0; k < pt.size(); ++k) {
        const std::vector<float> vt = Tensor(pt[k]).to_vector<float>(), va = Tensor(pa[k]).to_vector<float>();
        ASSERT_EQ(vt.size(), va.size());
        for (size_t i = 0; i < vt.size(); ++i) EXPECT_NEAR(vt[i], va[i], 1e-6f) << "param " << k << " [" << i << "]";
      }
    }
  }
}

}  // namespace
}  // namespace anvil
