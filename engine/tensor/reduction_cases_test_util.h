#pragma once
// Expected values of the composite reductions: var/std, argmax/argmin, any/all, logsumexp,
// softmax/log_softmax, dot and linear.
// Values are PyTorch's (libtorch 1.13 on the CPU, float32 printed exactly) unless a comment says why
// ours differ: a tail where PyTorch itself cancels, or a case where 1.13 has undefined behaviour
// that newer PyTorch defines.
#include "engine/tensor/value_case_test_util.h"

namespace anvil::testing {

// m = [[1, 2, 4, 7], [-1, 0.5, 3, 3], [2, 10, -5, 0.25]]
inline Tensor stat_m() { return f32({1, 2, 4, 7, -1, 0.5, 3, 3, 2, 10, -5, 0.25}, Shape{3, 4}); }
// NaN is both the max and the min; ties and +-0 take the first index.
inline Tensor arg_m() { return f32({1, 3, 3, NAN, 2, NAN, -INFINITY, -INFINITY, 0, -0.0f, 5, 5}, Shape{3, 4}); }
inline Tensor lse_x() {
  return f32({1, 2, 3, 1000, 1000, -INFINITY, -INFINITY, -INFINITY, -INFINITY, INFINITY, 1, NAN}, Shape{4, 3});
}

inline std::vector<ValueCase> reduction_cases() {
  const DType f = dtypes::float32, i64 = dtypes::int64, b = dtypes::bool_;
  return {
      {"var_all", [] { return stat_m().var(); }, f, {}, {14.425662994384766}, {}, 1e-6},
      {"var_axis0",
       [] { return stat_m().var(0); },
       f,
       {4},
       {2.3333332538604736, 26.083333969116211, 24.333333969116211, 11.520833015441895},
       {},
       1e-6},
      {"var_axis1_correction0", [] { return stat_m().var(1, 0); }, f, {3}, {5.25, 2.921875, 28.98046875}, {}, 1e-6},
      // PyTorch divides by max(0, N - correction): 1.5 here.
      {"var_correction2.5", [] { return stat_m().var(-1, 2.5); }, f, {3}, {14, 7.7916665077209473, 77.28125}, {}, 1e-6},
      {"std_keepdim",
       [] { return stat_m().std(1, 1, true); },
       f,
       {3, 1},
       {2.6457512378692627, 1.9737865924835205, 6.216158390045166},
       {},
       1e-6},
      {"var_one_element", [] { return f32({5}).var(); }, f, {}, {kNaN}},
      {"var_one_element_correction0", [] { return f32({5}).var(0, 0); }, f, {}, {0}},
      {"var_no_elements", [] { return f32({}).var(); }, f, {}, {kNaN}},
      // max(0, N - correction) = 0 with a nonzero sum of squares: inf.
      {"var_correction_above_count",
       [] {
         return f32({1, 3}).var(0, 3);
       },
       f,
       {},
       {kInf}},
      {"var_nan_inf",
       [] {
         return f32({1, NAN, 3, 1, INFINITY, 3}, Shape{2, 3}).var(1);
       },
       f,
       {2},
       {kNaN, kNaN}},
      {"var_float16",
       [] {
         return f32({1, 2, 4, 100}).to(dtypes::float16).var();
       },
       dtypes::float16,
       {},
       {2386}},
      {"argmax_flat", [] { return arg_m().argmax(); }, i64, {}, {}, {3}},
      {"argmax_flat_keepdim", [] { return arg_m().argmax(std::nullopt, true); }, i64, {1, 1}, {}, {3}},
      {"argmax_axis1", [] { return arg_m().argmax(1); }, i64, {3}, {}, {3, 1, 2}},
      {"argmin_axis1", [] { return arg_m().argmin(-1); }, i64, {3}, {}, {3, 1, 0}},
      {"argmax_axis0_keepdim", [] { return arg_m().argmax(0, true); }, i64, {1, 4}, {}, {1, 1, 2, 0}},
      {"argmin_axis0", [] { return arg_m().argmin(0); }, i64, {4}, {}, {2, 1, 1, 0}},
      {"argmax_int8",
       [] {
         return Tensor::from(std::vector<int8_t>{3, 7, 7, -128, 127, 127, -128, 0}, Shape{2, 4}).argmax(1);
       },
       i64,
       {2},
       {},
       {1, 0}},
      {"argmin_int8",
       [] {
         return Tensor::from(std::vector<int8_t>{3, 7, 7, -128, 127, 127, -128, 0}, Shape{2, 4}).argmin(1);
       },
       i64,
       {2},
       {},
       {3, 2}},
      {"argmax_0d", [] { return Tensor::full({}, 3.0).argmax(); }, i64, {}, {}, {0}},
      {"argmax_empty_rows",
       [] {
         return Tensor::zeros({0, 2}).argmax(1);
       },
       i64,
       {0},
       {},
       {}},
      {"any_axis1",
       [] {
         return f32({0, 0, NAN, 0, -0.0f, 1e-30f}, Shape{2, 3}).any(1);
       },
       b,
       {2},
       {},
       {1, 1}},
      {"all_axis1",
       [] {
         return f32({0, 0, NAN, 0, -0.0f, 1e-30f}, Shape{2, 3}).all(1);
       },
       b,
       {2},
       {},
       {0, 0}},
      {"all_keepdim",
       [] {
         return f32({1, 2, NAN, 0}, Shape{2, 2}).all(0, true);
       },
       b,
       {1, 2},
       {},
       {1, 0}},
      {"any_no_elements", [] { return f32({}).any(); }, b, {}, {}, {0}},
      {"all_no_elements", [] { return f32({}).all(); }, b, {}, {}, {1}},
      {"any_int",
       [] {
         return Tensor::from(std::vector<int32_t>{0, 0, 0, 7}, Shape{2, 2}).any(1);
       },
       b,
       {2},
       {},
       {0, 1}},
      {"logsumexp",
       [] { return lse_x().logsumexp(1); },
       f,
       {4},
       {3.4076058864593506, 1000.6931762695312, -kInf, kNaN},
       {},
       1e-6},
      {"logsumexp_keepdim",
       [] { return lse_x().logsumexp(-1, true); },
       f,
       {4, 1},
       {3.4076058864593506, 1000.6931762695312, -kInf, kNaN},
       {},
       1e-6},
      {"logsumexp_no_elements", [] { return f32({}).logsumexp(0); }, f, {}, {-kInf}},
      {"logsumexp_int",
       [] {
         return Tensor::from(std::vector<int32_t>{1, 2, 3}).logsumexp(0);
       },
       f,
       {},
       {3.4076058864593506},
       {},
       1e-6},
      {"softmax",
       [] { return lse_x().softmax(1); },
       f,
       {4, 3},
       {0.090030573308467865, 0.24472847580909729, 0.66524094343185425, 0.5, 0.5, 0, kNaN, kNaN, kNaN, kNaN, kNaN,
        kNaN},
       {},
       1e-6},
      {"log_softmax",
       [] { return lse_x().log_softmax(1); },
       f,
       {4, 3},
       {-2.4076058864593506, -1.4076058864593506, -0.40760594606399536, -0.69314718246459961, -0.69314718246459961,
        -kInf, kNaN, kNaN, kNaN, kNaN, kNaN, kNaN},
       {},
       1e-6},
      {"softmax_axis0",
       [] { return stat_m().softmax(0); },
       f,
       {3, 4},
       {0.25949645042419434, 0.00033532502129673958, 0.73099267482757568, 0.98088592290878296, 0.03511902317404747,
        7.4821131420321763e-05, 0.26891717314720154, 0.01796555332839489, 0.70538449287414551, 0.99958986043930054,
        9.0211658971384168e-05, 0.0011484993156045675},
       {},
       1e-6},
      {"log_softmax_axis0",
       [] { return stat_m().log_softmax(0); },
       f,
       {3, 4},
       {-1.3490122556686401, -8.0004100799560547, -0.3133518397808075, -0.019299114122986794, -3.3490123748779297,
        -9.5004100799560547, -1.3133518695831299, -4.0192990303039551, -0.34901225566864014, -0.00041023420635610819,
        -9.3133516311645508, -6.7692990303039551},
       {},
       1e-6},
      {"softmax_int_as_float64",
       [] {
         return Tensor::from(std::vector<int32_t>{1, 2, 3}).softmax(0, dtypes::float64);
       },
       dtypes::float64,
       {3},
       {0.090030573170380448, 0.24472847105479761, 0.66524095577482178},
       {},
       1e-12},
      {"softmax_0d", [] { return Tensor::full({}, 5.0).softmax(0); }, f, {}, {1}},
      {"softmax_float16",
       [] {
         return f32({1, 2, 3}).to(dtypes::float16).softmax(0);
       },
       dtypes::float16,
       {3},
       {0.0900306, 0.2447285, 0.6652410},
       {},
       1e-3},
      {"softmax_no_elements",
       [] {
         return Tensor::zeros({2, 0}).softmax(1);
       },
       f,
       {2, 0},
       {}},
      {"dot",
       [] {
         return f32({1, 2, 3}).dot(f32({4, -5, 0.5}));
       },
       f,
       {},
       {-4.5}},
      {"dot_int8_wraps",
       [] {
         return Tensor::from(std::vector<int8_t>{100, 100}).dot(Tensor::from(std::vector<int8_t>{2, 1}));
       },
       dtypes::int8,
       {},
       {},
       {44}},
      {"linear",
       [] {
         return f32({1, 2, 3, 4, 5, 6}, Shape{2, 3}).linear(f32({1, 0, -1, 0.5, 0.5, 0.5}, Shape{2, 3}), f32({10, 20}));
       },
       f,
       {2, 2},
       {8, 23, 8, 27.5}},
      {"linear_vector_weight",
       [] {
         return linear(f32({1, 2, 3, 4, 5, 6}, Shape{2, 3}), f32({1, 0, -1}));
       },
       f,
       {2},
       {-2, -2}},
  };
}

}  // namespace anvil::testing
