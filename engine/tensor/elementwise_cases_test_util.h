#pragma once
// Expected values of the composite elementwise ops: activations, their tails, tan, round, isnan,
// pow, lerp, shifts and bitcast.
// Values are PyTorch's (libtorch 1.13 on the CPU, float32 printed exactly) unless a comment says why
// ours differ: a tail where PyTorch itself cancels, or a case where 1.13 has undefined behaviour
// that newer PyTorch defines.
#include "engine/tensor/value_case_test_util.h"

namespace anvil::testing {

// The activation inputs: tails, tiny values, signed zeros, infinities and NaN.
inline Tensor act_x() {
  return f32({-20, -5, -1, -0.5, -1e-5f, -0.0f, 0, 1e-5f, 0.3f, 1, 2.5, 10, INFINITY, -INFINITY, NAN});
}

inline std::vector<ValueCase> activation_cases() {
  const Shape s{15};
  const DType f = dtypes::float32;
  return {
      // PyTorch's float32 gelu cancels in 1 + erf for x << 0 (-1.49e-6 at -5); ours follows erfc there (-1.433e-6).
      {"gelu",
       [] { return act_x().gelu(); },
       f,
       s,
       {0, -1.4901161193847656e-06, -0.15865528583526611, -0.1542687863111496, -4.9999607654171996e-06, 0, 0,
        5.0000389819615521e-06, 0.18537342548370361, 0.84134471416473389, 2.48447585105896, 10, kInf, kNaN, kNaN},
       {},
       2e-7},
      {"gelu_tanh",
       [] { return act_x().gelu("tanh"); },
       f,
       s,
       {0, -2.9802322387695312e-07, -0.15880799293518066, -0.15428599715232849, -4.9999598559224978e-06, 0, 0,
        5.0000398914562538e-06, 0.18537093698978424, 0.84119200706481934, 2.4849157333374023, 10, kInf, kNaN, kNaN},
       {},
       2e-7},
      {"gelu_float64",
       [] {
         return Tensor::from(std::vector<double>{-3, -0.5, 0.1, 0.7, 2}).gelu();
       },
       dtypes::float64,
       {5},
       {-0.0040496940948903104, -0.15426876936299344, 0.053982783727702904, 0.53062544344384888, 1.9544997361036416},
       {},
       2e-7},  // erf is ~1e-7 accurate, in float64 too
      {"silu",
       [] { return act_x().silu(); },
       f,
       s,
       {-4.1223074731533416e-08, -0.033464252948760986, -0.26894143223762512, -0.18877033889293671,
        -4.9999748625850771e-06, 0, 0, 5.0000248847936746e-06, 0.172332763671875, 0.73105859756469727,
        2.310354471206665, 9.9995460510253906, kInf, kNaN, kNaN},
       {},
       1e-6},
      {"softplus",
       [] { return act_x().softplus(); },
       f,
       s,
       {2.0611536921677498e-09, 0.0067153484560549259, 0.31326168775558472, 0.47407698631286621, 0.69314217567443848,
        0.69314718246459961, 0.69314718246459961, 0.69315218925476074, 0.85435527563095093, 1.3132616281509399,
        2.5788898468017578, 10.000045776367188, kInf, 0, kNaN},
       {},
       1e-6},
      {"softplus_beta2_threshold5",
       [] { return act_x().softplus(2, 5); },
       f,
       s,
       {2.1241770655693299e-18, 2.2699450710206293e-05, 0.063464000821113586, 0.15663084387779236, 0.34656858444213867,
        0.3465735912322998, 0.3465735912322998, 0.34657859802246094, 0.51874399185180664, 1.0634640455245972,
        2.5033576488494873, 10, kInf, 0, kNaN},
       {},
       1e-6},
      {"mish",
       [] { return act_x().mish(); },
       f,
       s,
       {-4.1223074731533416e-08, -0.033576235175132751, -0.30340144038200378, -0.22074376046657562,
        -5.9999679251632188e-06, 0, 0, 6.0000315897923429e-06, 0.20800139009952545, 0.86509835720062256,
        2.4713923931121826, 10, kInf, kNaN, kNaN},
       {},
       1e-6},
      {"hardswish",
       [] { return act_x().hardswish(); },
       f,
       s,
       {-0.0, -0.0, -0.3333333432674408, -0.2083333283662796, -4.999983048037393e-06, -0.0, 0, 5.0000166993413586e-06,
        0.16500000655651093, 0.66666668653488159, 2.2916667461395264, 10, kInf, kNaN, kNaN}},
      // elu uses expm1 (as newer PyTorch); 1.13's exp(x) - 1 gives -1.0013580e-05 at -1e-5.
      {"elu",
       [] { return act_x().elu(); },
       f,
       s,
       {-1, -0.99326205253601074, -0.63212054967880249, -0.39346933364868164, -9.9999500e-06, 0, 0,
        9.9999997473787516e-06, 0.30000001192092896, 1, 2.5, 10, kInf, -1, kNaN},
       {},
       1e-6},
      {"elu_alpha2",
       [] { return act_x().elu(2); },
       f,
       s,
       {-2, -1.9865241050720215, -1.264241099357605, -0.78693866729736328, -1.99999e-05, 0, 0, 9.9999997473787516e-06,
        0.30000001192092896, 1, 2.5, 10, kInf, -2, kNaN},
       {},
       1e-6},
      {"leaky_relu",
       [] { return act_x().leaky_relu(); },
       f,
       s,
       {-0.19999998807907104, -0.049999997019767761, -0.0099999997764825821, -0.004999999888241291,
        -9.9999994063182385e-08, -0.0, 0, 9.9999997473787516e-06, 0.30000001192092896, 1, 2.5, 10, kInf, -kInf, kNaN}},
      {"leaky_relu_0.2",
       [] { return act_x().leaky_relu(0.2); },
       f,
       s,
       {-4, -1, -0.20000000298023224, -0.10000000149011612, -1.9999999949504854e-06, -0.0, 0, 9.9999997473787516e-06,
        0.30000001192092896, 1, 2.5, 10, kInf, -kInf, kNaN}},
      // tan = sin / cos(pi/2 - x) in float32: a few ulps off far from 0.
      {"tan",
       [] { return act_x().tan(); },
       f,
       s,
       {-2.2371609210968018, 3.3805150985717773, -1.5574077367782593, -0.54630249738693237, -9.9999997473787516e-06,
        -0.0, 0, 9.9999997473787516e-06, 0.30933627486228943, 1.5574077367782593, -0.74702233076095581,
        0.64836084842681885, kNaN, kNaN, kNaN},
       {},
       1e-5},
      {"round",
       [] {
         return f32({-2.5, -1.5, -0.5, -0.4f, 0.5, 1.5, 2.5, 3.5, 2.4999998f, -0.0f, 1e10, INFINITY, -INFINITY, NAN})
             .round();
       },
       f,
       {14},
       {-2, -2, -0.0, -0.0, 0, 2, 2, 4, 2, -0.0, 1e10, kInf, -kInf, kNaN}},
      {"round_float16",
       [] {
         return f32({-2.5, 0.5, 1.5, 1000.5, -0.3f}).to(dtypes::float16).round();
       },
       dtypes::float16,
       {5},
       {-2, 0, 2, 1000, -0.0}},
      {"isnan", [] { return act_x().isnan(); }, dtypes::bool_, s, {}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"isinf", [] { return act_x().isinf(); }, dtypes::bool_, s, {}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0}},
      {"isfinite",
       [] { return act_x().isfinite(); },
       dtypes::bool_,
       s,
       {},
       {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}},
      {"isfinite_int",
       [] {
         return Tensor::from(std::vector<int32_t>{1, INT32_MIN}).isfinite();
       },
       dtypes::bool_,
       {2},
       {},
       {1, 1}},
  };
}

// pow base / exponent rows: C's special cases (signed zeros, infinities, NaN, negative bases).
inline std::vector<ValueCase> pow_cases() {
  const std::vector<float> base{-8, -0.0f, 0, 4, 2, INFINITY, -INFINITY, NAN};
  auto by = [base](double e) { return [base, e] { return f32(base).pow(e); }; };
  const DType f = dtypes::float32;
  const Shape s{8};
  return {
      {"pow_tensor_tensor",
       [] {
         return f32({-2, -2, -2, -0.0f, -0.0f, 0, 0, -INFINITY, -INFINITY, -1, -1, 1, NAN, 2, 0.5, 3, -8, INFINITY,
                     -0.0f})
             .pow(f32(
                 {3, 0.5, -2, -1, -2, -1, 0, 3, -3, INFINITY, -INFINITY, NAN, 0, 10, INFINITY, -2, 1.0f / 3, -1, 0.5}));
       },
       f,
       {19},
       {-8, kNaN, 0.25, -kInf, kInf, kInf, 1, -kInf, -0.0, 1, 1, 1, 1, 1024, 0, 0.1111111119389534, kNaN, 0, 0},
       {},
       1e-6},
      // PyTorch's special exponents are exact: the same bits.
      {"pow_0", by(0), f, s, {1, 1, 1, 1, 1, 1, 1, 1}},
      {"pow_1", by(1), f, s, {-8, -0.0, 0, 4, 2, kInf, -kInf, kNaN}},
      {"pow_0.5", by(0.5), f, s, {kNaN, -0.0, 0, 2, 1.4142135381698608, kInf, kNaN, kNaN}},
      {"pow_-0.5", by(-0.5), f, s, {kNaN, -kInf, kInf, 0.5, 0.70710676908493042, 0, kNaN, kNaN}},
      {"pow_-1", by(-1), f, s, {-0.125, -kInf, kInf, 0.25, 0.5, 0, -0.0, kNaN}},
      {"pow_2", by(2), f, s, {64, 0, 0, 16, 4, kInf, kInf, kNaN}},
      {"pow_3", by(3), f, s, {-512, -0.0, 0, 64, 8, kInf, -kInf, kNaN}},
      {"pow_-2", by(-2), f, s, {0.015625, kInf, kInf, 0.0625, 0.25, 0, 0, kNaN}},
      {"pow_2.5", by(2.5), f, s, {kNaN, 0, 0, 32, 5.6568541526794434, kInf, kInf, kNaN}, {}, 1e-6},
      {"pow_-3", by(-3), f, s, {-0.001953125, -kInf, kInf, 0.015625, 0.125, 0, -0.0, kNaN}, {}, 1e-6},
      {"pow_number_base",
       [] {
         return pow(2.5, f32({0, 2, -1}));
       },
       f,
       {3},
       {1, 6.25, 0.4},
       {},
       1e-6},
      {"pow_int8_tensor",
       [] {
         return Tensor::from(std::vector<int8_t>{-3, -2, -1, 0, 1, 2, 3, 5, 127})
             .pow(Tensor::from(std::vector<int8_t>{3, 7, -1, -2, -5, 9, 0, 4, 2}));
       },
       dtypes::int8,
       {9},
       {},
       {-27, -128, -1, 0, 1, 0, 1, 113, 1}},
      {"pow_int8_number",
       [] {
         return Tensor::from(std::vector<int8_t>{-3, -2, -1, 0, 1, 2, 3, 5, 127}).pow(3);
       },
       dtypes::int8,
       {9},
       {},
       {-27, -8, -1, 0, 1, 8, 27, 125, 127}},
      {"pow_int64_wraps",
       [] {
         return Tensor::from(std::vector<int64_t>{3, -3, 2, 7}).pow(Tensor::from(std::vector<int64_t>{40, 41, 63, 30}));
       },
       dtypes::int64,
       {4},
       {},
       {-6289078614652622815, 420491770248316829, INT64_MIN, 1576789505350337489}},
      {"pow_number_base_int32",
       [] {
         return pow(2, Tensor::from(std::vector<int32_t>{0, 5, 31, 32, -1}));
       },
       dtypes::int32,
       {5},
       {},
       {1, 32, INT32_MIN, 0, 0}},
      {"pow_uint8_number",
       [] {
         return Tensor::from(std::vector<uint8_t>{2, 3, 255}).pow(true);
       },
       dtypes::uint8,
       {3},
       {},
       {2, 3, 255}},
  };
}

inline std::vector<ValueCase> lerp_shift_bitcast_cases() {
  auto start = [] { return f32({0, 1, -2, 1e8, 0, NAN}); };
  auto end = [] { return f32({10, 2, 2, 1, INFINITY, 1}); };
  const DType f = dtypes::float32;
  const std::vector<int8_t> a8{1, -1, 5, -8, 127, -128, 3, -3}, s8{-1, 0, 1, 7, 8, 9, 100, -100};
  const std::vector<uint8_t> au{1, 255, 128, 3}, su{0, 1, 7, 8};
  return {
      {"lerp_0.3",
       [=] { return start().lerp(end(), 0.3); },
       f,
       {6},
       {3, 1.2999999523162842, -0.79999995231628418, 70000000, kInf, kNaN}},
      {"lerp_1", [=] { return start().lerp(end(), 1); }, f, {6}, {10, 2, 2, 1, kNaN, kNaN}},
      {"lerp_0.5", [=] { return start().lerp(end(), 0.5); }, f, {6}, {5, 1.5, 0, 50000000, kNaN, kNaN}},
      {"lerp_tensor_weight",
       [=] {
         return start().lerp(end(), f32({-1, 0.25, 0.75, 2, 0, 0.5}));
       },
       f,
       {6},
       {-10, 1.25, 1, -100000000, kNaN, kNaN}},
      {"lerp_broadcast",
       [] {
         return f32({0, 10}, Shape{2, 1}).lerp(f32({1, 2, 3}), f32({0.5}, Shape{1}));
       },
       f,
       {2, 3},
       {0.5, 1, 1.5, 5.5, 6, 6.5}},
      // Out-of-range counts follow PyTorch >= 2.1 (1.13 shifts by the count modulo the C int's width).
      {"shl_int8",
       [=] { return Tensor::from(a8).bitwise_left_shift(Tensor::from(s8)); },
       dtypes::int8,
       {8},
       {},
       {0, -1, 10, 0, 0, 0, 0, 0}},
      {"shr_int8",
       [=] { return Tensor::from(a8).bitwise_right_shift(Tensor::from(s8)); },
       dtypes::int8,
       {8},
       {},
       {0, -1, 2, -1, 0, -1, 0, -1}},
      {"shl_uint8",
       [=] { return Tensor::from(au).bitwise_left_shift(Tensor::from(su)); },
       dtypes::uint8,
       {4},
       {},
       {1, 254, 0, 0}},
      {"shr_uint8",
       [=] { return Tensor::from(au).bitwise_right_shift(Tensor::from(su)); },
       dtypes::uint8,
       {4},
       {},
       {1, 127, 1, 0}},
      {"shl_uint8_number",
       [=] { return Tensor::from(au).bitwise_left_shift(9); },
       dtypes::uint8,
       {4},
       {},
       {0, 0, 0, 0}},
      {"shr_uint8_number",
       [=] { return Tensor::from(au).bitwise_right_shift(200); },
       dtypes::uint8,
       {4},
       {},
       {0, 0, 0, 0}},
      {"shl_int64",
       [] {
         return Tensor::from(std::vector<int64_t>{1, 3, -1})
             .bitwise_left_shift(Tensor::from(std::vector<int64_t>{62, 63, 64}));
       },
       dtypes::int64,
       {3},
       {},
       {INT64_C(1) << 62, INT64_MIN, 0}},
      {"shr_int64",
       [] {
         return Tensor::from(std::vector<int64_t>{INT64_MIN, -5, 5})
             .bitwise_right_shift(Tensor::from(std::vector<int64_t>{63, 64, -1}));
       },
       dtypes::int64,
       {3},
       {},
       {-1, -1, 0}},
      {"shl_int8_by_int64_promotes",
       [=] { return Tensor::from(a8).bitwise_left_shift(Tensor::from(std::vector<int64_t>{1})); },
       dtypes::int64,
       {8},
       {},
       {2, -2, 10, -16, 254, -256, 6, -6}},
      {"bitcast_float_to_int",
       [] {
         return f32({1, -0.0f, INFINITY}).bitcast(dtypes::int32);
       },
       dtypes::int32,
       {3},
       {},
       {1065353216, INT32_MIN, 2139095040}},
      {"bitcast_int_to_float",
       [] {
         return Tensor::from(std::vector<int32_t>{0x3f800000, static_cast<int32_t>(0xbf800000u), 0x7fc00000})
             .bitcast(dtypes::float32);
       },
       dtypes::float32,
       {3},
       {1, -1, kNaN}},
      {"bitcast_half_to_int16",
       [] {
         return f32({1, -2}).to(dtypes::float16).bitcast(dtypes::int16);
       },
       dtypes::int16,
       {2},
       {},
       {15360, -16384}},
  };
}

// Tails against the exact math (float64 math.erfc / expm1 / log1p of the float32 inputs), relative:
// where PyTorch's float32 formulas cancel, ours keep the digits. exp(x) = exp2(x * log2 e) rounds
// x * log2 e to float32 first, so far tails keep ~1e-6 relative (x = -30: 43 * 2^-24).
inline std::vector<ValueCase> tail_cases() {
  const DType f = dtypes::float32;
  auto x = [] { return f32({-5, -8, -10}); };
  auto y = [] { return f32({-20, -30, -1e-5f, -1e-3f}); };
  return {
      {"gelu_tail",
       [=] { return x().gelu(); },
       f,
       {3},
       {-1.4332578593959731e-06, -4.9767684594174555e-15, -7.619853024160593e-23},
       {},
       2e-5,
       true},
      {"gelu_tanh_tail",
       [=] {
         return f32({-5, -8}).gelu("tanh");
       },
       f,
       {2},
       {-2.2917961966295044e-07, -3.107782937501113e-21},
       {},
       2e-5,
       true},
      {"elu_near_zero",
       [=] { return y().elu(); },
       f,
       {4},
       {-0.9999999979388464, -0.9999999999999064, -9.999949747547945e-06, -0.000999500214074986},
       {},
       5e-6,
       true},
      {"softplus_tail",
       [=] { return y().softplus(); },
       f,
       {4},
       {2.061153620314381e-09, 9.357622968839737e-14, 0.6931421805725716, 0.6926473055362032},
       {},
       5e-6,
       true},
      {"mish_tail",
       [=] { return y().mish(); },
       f,
       {4},
       {-4.122307240628762e-08, -2.807286890651921e-12, -5.999967848412867e-06, -0.0005996800125139364},
       {},
       5e-6,
       true},
      {"silu_tail",
       [=] { return y().silu(); },
       f,
       {4},
       {-4.122307236380407e-08, -2.8072868906517896e-12, -4.9999748736906395e-06, -0.0004997500237458102},
       {},
       5e-6,
       true},
  };
}

}  // namespace anvil::testing
