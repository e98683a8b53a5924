// Edge shapes of realization. Deep graphs: a long chain of ops realizes (passes recurse per graph level, on a deep
// stack), and a graph past the supported depth raises instead of overflowing the stack.
#include <gtest/gtest.h>

#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

Tensor chain(int64_t n) {
  Tensor y = Tensor::ones({2, 2});
  for (int64_t i = 0; i < n; ++i) y = i % 2 == 0 ? y.transpose() + 1 : y * 1.0;
  return y;
}

// 6,000 levels overflow an 8 MiB stack in a debug build.
TEST(DeepGraph, LongChainRealizes) {
  install_interp_realizer();
  Tensor y = chain(6000);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>(4, 3001.0f)));
}

TEST(DeepGraph, PastTheLimitRaises) {
  install_interp_realizer();
  Tensor y = Tensor::ones({2});
  for (int i = 0; i < 100001; ++i) y = y.neg();
  try {
    y.realize();
    FAIL() << "a graph past the depth limit realized";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ops deep"), std::string::npos) << e.what();
  }
}

// A result with no elements runs no kernel and still gets (empty) storage.
TEST(EmptyResult, Realizes) {
  install_interp_realizer();
  Tensor e = Tensor::from(std::vector<double>{}, Shape{0}).neg();
  EXPECT_TRUE(e.to_vector<double>().empty());
  Tensor m = Tensor::zeros({3, 0}).exp().sum(1);  // a reduction over nothing: [0, 0, 0]
  EXPECT_EQ(m.to_vector<float>(), (std::vector<float>{0, 0, 0}));
  Tensor z = Tensor::zeros({0, 4}).transpose().add(1);
  EXPECT_EQ(z.shape(), (Shape{4, 0}));
  EXPECT_TRUE(z.to_vector<float>().empty());
}

}  // namespace
}  // namespace anvil
