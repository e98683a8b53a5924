// The torch twins of verify/ops/op_table_nn.cpp's rows (conv, pooling, normalization, dropout). C++17.
#include "verify/torch/torch_ops.h"

namespace anvil::torch_oracle {

void add_nn_ops(std::map<std::string, TorchFn>& m) {
  using Ts = std::vector<at::Tensor>;
  m["conv2d"] = [](const Ts& x) { return at::conv2d(x[0], x[1], x[2]); };
  m["conv2d_nobias"] = [](const Ts& x) { return at::conv2d(x[0], x[1]); };
  m["conv2d_s2_p1"] = [](const Ts& x) { return at::conv2d(x[0], x[1], x[2], 2, 1); };
  m["conv2d_s21_p12_d2"] = [](const Ts& x) { return at::conv2d(x[0], x[1], x[2], {2, 1}, {1, 2}, 2); };
  m["conv2d_g2"] = [](const Ts& x) { return at::conv2d(x[0], x[1], x[2], 1, 1, 1, 2); };
  m["conv2d_same_d2"] = [](const Ts& x) { return at::conv2d(x[0], x[1], x[2], 1, "same", 2); };
  m["conv2d_valid"] = [](const Ts& x) { return at::conv2d(x[0], x[1], {}, 1, "valid"); };
  m["conv2d_negative_padding"] = [](const Ts& x) { return at::conv2d(x[0], x[1], {}, 1, -1); };
  m["conv_transpose2d"] = [](const Ts& x) { return at::conv_transpose2d(x[0], x[1], x[2]); };
  m["conv_transpose2d_s2_p1_op1"] = [](const Ts& x) { return at::conv_transpose2d(x[0], x[1], x[2], 2, 1, 1); };
  m["conv_transpose2d_g2_d2"] = [](const Ts& x) {
    return at::conv_transpose2d(x[0], x[1], x[2], {1, 2}, {2, 1}, 0, 2, 2);
  };
  m["max_pool2d_2"] = [](const Ts& x) { return at::max_pool2d(x[0], 2); };
  m["max_pool2d_3_s2_p1"] = [](const Ts& x) { return at::max_pool2d(x[0], 3, 2, 1); };
  m["max_pool2d_d2_ceil"] = [](const Ts& x) { return at::max_pool2d(x[0], {2, 3}, {2, 1}, {1, 0}, 2, true); };
  m["max_pool2d_ceil"] = [](const Ts& x) { return at::max_pool2d(x[0], 2, 2, 0, 1, true); };
  m["max_pool2d_indices"] = [](const Ts& x) {
    return std::get<1>(at::max_pool2d_with_indices(x[0], 3, 2, 1, 1, true));
  };
  m["max_pool2d_bad_padding"] = [](const Ts& x) { return at::max_pool2d(x[0], 2, 1, 2); };
  m["avg_pool2d_2"] = [](const Ts& x) { return at::avg_pool2d(x[0], 2); };
  m["avg_pool2d_3_s2_p1"] = [](const Ts& x) { return at::avg_pool2d(x[0], 3, 2, 1); };
  m["avg_pool2d_ceil_nopad"] = [](const Ts& x) { return at::avg_pool2d(x[0], {3, 2}, {2, 2}, {1, 1}, true, false); };
  m["avg_pool2d_ceil_pad"] = [](const Ts& x) { return at::avg_pool2d(x[0], 3, 2, 1, true, true); };
  m["avg_pool2d_divisor3"] = [](const Ts& x) { return at::avg_pool2d(x[0], 2, 1, 1, false, true, 3); };
  m["batch_norm_train"] = [](const Ts& x) {
    // torch.nn.functional.batch_norm's own check (ATen's batch_norm has none).
    TORCH_CHECK(x[0].numel() / x[0].size(1) > 1, "Expected more than 1 value per channel when training");
    return at::batch_norm(x[0], x[1], x[2], {}, {}, true, 0.1, 1e-5, false);
  };
  m["batch_norm_eval"] = [](const Ts& x) {
    return at::batch_norm(x[0], x[3], x[4], x[1], x[2].abs() + 0.5, false, 0.1, 1e-3, false);
  };
  m["batch_norm_running"] = [](const Ts& x) {
    const int64_t c = x[0].size(1);
    at::Tensor rm = at::zeros({c}, x[0].options()), rv = at::ones({c}, x[0].options());
    at::batch_norm(x[0], {}, {}, rm, rv, true, 0.3, 1e-5, false);
    return at::cat({rm, rv});
  };
  m["layer_norm"] = [](const Ts& x) { return at::layer_norm(x[0], x[1].sizes(), x[1], x[2]); };
  m["layer_norm_last"] = [](const Ts& x) { return at::layer_norm(x[0], {x[0].size(-1)}, {}, {}, 1e-2); };
  m["group_norm_2"] = [](const Ts& x) { return at::group_norm(x[0], 2, x[1], x[2]); };
  m["dropout_eval"] = [](const Ts& x) { return at::dropout(x[0], 0.5, false); };
  m["dropout_p0"] = [](const Ts& x) { return at::dropout(x[0], 0, true); };
  m["dropout_p1"] = [](const Ts& x) { return at::dropout(x[0], 1, true); };
  m["dropout_half"] = [](const Ts& x) { return at::dropout(at::ones_like(x[0]), 0.5, true); };
}

}  // namespace anvil::torch_oracle
