// Uses the installed package the way a downstream program would: two tensors, added, realized on
// interp, checked. Exit 0 only when every value is right.
#include <cstdio>
#include <vector>

#include "engine/runtime/realize.h"
#include "engine/tensor/tensor.h"

int main() {
  anvil::install_interp_realizer();
  const anvil::Tensor a = anvil::Tensor::from(std::vector<float>{1, 2, 3, 4, 5, 6}, anvil::Shape{2, 3});
  const anvil::Tensor b = anvil::Tensor::from(std::vector<float>{10, 20, 30}, anvil::Shape{3});
  anvil::Tensor sum = (a + b).to("interp");  // b broadcasts over the rows
  const std::vector<float> got = sum.to_vector<float>();
  const std::vector<float> want{11, 22, 33, 14, 25, 36};
  if (got != want) {
    std::fprintf(stderr, "downstream: a + b gave");
    for (float v : got) std::fprintf(stderr, " %g", v);
    std::fprintf(stderr, ", want 11 22 33 14 25 36\n");
    return 1;
  }
  std::printf("downstream: a + b on interp = 11 22 33 14 25 36\n");
  return 0;
}
