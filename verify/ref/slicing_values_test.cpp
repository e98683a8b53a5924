// Values of linspace, padding modes, split/chunk/repeat and basic indexing, on ref and on the
// engine. Expected values are libtorch 1.13's.
#include <gtest/gtest.h>

#include "engine/runtime/realize.h"
#include "verify/ref/ref_test_util.h"

namespace anvil::ref {
namespace {

using I = std::vector<int64_t>;

// The elements as int64 from ref and from the engine, which must agree.
I both(Tensor t) {
  const I from_ref = evaluate(t.to(dtypes::int64).uop()).ints();
  install_interp_realizer();
  EXPECT_EQ(t.to(dtypes::int64).to_vector<int64_t>(), from_ref) << "ref and the engine differ";
  return from_ref;
}

Tensor iota(Shape s) { return Tensor::arange(shape_numel(s)).reshape(s); }

TEST(SlicingValues, LinspaceMatchesTorchBits) {
  auto bits = [](const Tensor& t) { return evaluate(t.uop()).floats(); };
  using V = std::vector<double>;
  EXPECT_EQ(bits(Tensor::linspace(0, 1, 7)),
            (V{0, 0x1.555556p-3, 0x1.555556p-2, 0.5, 0x1.555554p-1, 0x1.aaaaaap-1, 1}));
  EXPECT_EQ(bits(Tensor::linspace(-3.3, 7.1, 11)),
            (V{-0x1.a66666p+1, -0x1.2147aep+1, -0x1.3851ecp+0, -0x1.70a3ep-3, 0x1.b851e8p-1, 0x1.e66668p+0,
               0x1.7851ecp+1, 0x1.fd70a4p+1, 0x1.4147aep+2, 0x1.83d70ap+2, 0x1.c66666p+2}));
  EXPECT_EQ(bits(Tensor::linspace(1, 0, 4)), (V{1, 0x1.555554p-1, 0x1.555556p-2, 0}));
  EXPECT_EQ(bits(Tensor::linspace(0.1, 0.7, 17)),
            (V{0x1.99999ap-4, 0x1.19999ap-3, 0x1.666666p-3, 0x1.b33334p-3, 0x1p-2, 0x1.266666p-2, 0x1.4cccccp-2,
               0x1.733332p-2, 0x1.99999ap-2, 0x1.cp-2, 0x1.e66666p-2, 0x1.066666p-1, 0x1.19999ap-1, 0x1.2cccccp-1,
               0x1.4p-1, 0x1.533334p-1, 0x1.666666p-1}));
  EXPECT_EQ(bits(Tensor::linspace(0.1, 0.7, 17, dtypes::float64)),
            (V{0x1.999999999999ap-4, 0x1.199999999999ap-3, 0x1.6666666666666p-3, 0x1.b333333333333p-3, 0x1p-2,
               0x1.2666666666666p-2, 0x1.4cccccccccccdp-2, 0x1.7333333333333p-2, 0x1.9999999999999p-2,
               0x1.bffffffffffffp-2, 0x1.e666666666666p-2, 0x1.0666666666666p-1, 0x1.1999999999999p-1,
               0x1.2ccccccccccccp-1, 0x1.3ffffffffffffp-1, 0x1.5333333333332p-1, 0x1.6666666666666p-1}));
  EXPECT_EQ(bits(Tensor::linspace(0.1, 0.7, 9, dtypes::float16)),
            (V{0x1.998p-4, 0x1.668p-3, 0x1p-2, 0x1.4dp-2, 0x1.99cp-2, 0x1.e68p-2, 0x1.19cp-1, 0x1.4p-1, 0x1.668p-1}));
  EXPECT_EQ(evaluate(Tensor::linspace(-3, 10, 6, dtypes::int64).uop()).ints(), (I{-3, 0, 2, 4, 7, 10}));
  const V f16_37 = bits(Tensor::linspace(0.1, 0.7, 37, dtypes::float16));  // vector blocks of 16 lanes
  EXPECT_EQ(f16_37[9], 0x1.ffcp-3);
  EXPECT_EQ(f16_37[19], 0x1.aacp-2);
  EXPECT_EQ(f16_37[31], 0x1.3bcp-1);
  EXPECT_EQ(evaluate(Tensor::linspace(-7, 50, 37, dtypes::int32).uop()).ints(),
            (I{-7, -5, -3, -2, 0,  0,  2,  4,  5,  6,  8,  9,  11, 12, 14, 16, 18, 19, 21,
               22, 24, 25, 27, 29, 31, 32, 34, 35, 37, 38, 40, 42, 43, 45, 46, 48, 50}));
  const V f64_23 = bits(Tensor::linspace(-1.3, 2.9, 23, dtypes::float64));
  EXPECT_EQ(f64_23[0], -0x1.4cccccccccccdp+0);
  EXPECT_EQ(f64_23[10], 0x1.37dac37dac37ep-1);
  EXPECT_EQ(f64_23[22], 0x1.7333333333333p+1);
  EXPECT_EQ(bits(Tensor::linspace(0, 1, 1)), (V{0}));
  EXPECT_EQ(Tensor::linspace(0, 1, 0).shape(), (Shape{0}));
  EXPECT_EQ(Tensor::linspace(0, 1, 3).dtype(), dtypes::float32);
}

TEST(SlicingValues, PadModes) {
  const Tensor x = iota({3, 4});  // torch's F.pad(x[None], (2, 1, 1, 2), mode)
  const std::vector<Range> pads{{1, 2}, {2, 1}};
  EXPECT_EQ(both(x.pad(pads, PadMode::Reflect)),
            (I{6,  5, 4, 5, 6,  7,  6,  2, 1, 0, 1, 2, 3, 2, 6, 5, 4, 5, 6, 7, 6,
               10, 9, 8, 9, 10, 11, 10, 6, 5, 4, 5, 6, 7, 6, 2, 1, 0, 1, 2, 3, 2}));
  EXPECT_EQ(both(x.pad(pads, PadMode::Replicate)),
            (I{0, 0, 0, 1, 2,  3,  3,  0, 0, 0, 1, 2,  3,  3,  4, 4, 4, 5, 6,  7,  7,
               8, 8, 8, 9, 10, 11, 11, 8, 8, 8, 9, 10, 11, 11, 8, 8, 8, 9, 10, 11, 11}));
  EXPECT_EQ(both(x.pad(pads, PadMode::Circular)),
            (I{10, 11, 8, 9, 10, 11, 8, 2, 3, 0, 1, 2, 3, 0, 6, 7, 4, 5, 6, 7, 4,
               10, 11, 8, 9, 10, 11, 8, 2, 3, 0, 1, 2, 3, 0, 6, 7, 4, 5, 6, 7, 4}));
  EXPECT_EQ(x.pad(pads, PadMode::Reflect).shape(), (Shape{6, 7}));
  EXPECT_EQ(both(iota({5}).pad({{4, 0}}, PadMode::Reflect)), (I{4, 3, 2, 1, 0, 1, 2, 3, 4}));
  EXPECT_EQ(both(iota({5}).pad({{5, 5}}, PadMode::Circular)), (I{0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4}));
  EXPECT_EQ(both(iota({3}).pad({{1, 1}}, PadMode::Constant, 7)), (I{7, 0, 1, 2, 7}));
}

TEST(SlicingValues, SplitAndChunk) {
  auto sizes = [](const std::vector<Tensor>& parts) {
    I out;
    for (const Tensor& p : parts) out.push_back(p.numel());
    return out;
  };
  const Tensor a = iota({10});
  EXPECT_EQ(sizes(a.chunk(1)), (I{10}));
  EXPECT_EQ(sizes(a.chunk(3)), (I{4, 4, 2}));
  EXPECT_EQ(sizes(a.chunk(4)), (I{3, 3, 3, 1}));
  EXPECT_EQ(sizes(a.chunk(6)), (I{2, 2, 2, 2, 2}));
  EXPECT_EQ(sizes(a.chunk(11)), I(10, 1));
  EXPECT_EQ(sizes(Tensor::zeros({0}).chunk(3)), (I{0, 0, 0}));
  EXPECT_EQ(sizes(Tensor::zeros({0}).split(0)), (I{0}));
  EXPECT_EQ(sizes(Tensor::zeros({0}).split(2)), (I{0}));
  const std::vector<Tensor> rows = iota({2, 5}).split(2, 1);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(both(rows[1]), (I{2, 3, 7, 8}));
  EXPECT_EQ(both(rows[2]), (I{4, 9}));
  const std::vector<Tensor> listed = iota({2, 5}).split(std::vector<int64_t>{1, 0, 4}, -1);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[1].shape(), (Shape{2, 0}));
  EXPECT_EQ(both(listed[2]), (I{1, 2, 3, 4, 6, 7, 8, 9}));
}

TEST(SlicingValues, Repeat) {
  const Tensor r = iota({2, 3}).repeat({2, 1, 2});
  EXPECT_EQ(r.shape(), (Shape{2, 2, 6}));
  EXPECT_EQ(both(r), (I{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5}));
  EXPECT_EQ(iota({2}).repeat({0, 3}).shape(), (Shape{0, 6}));
  EXPECT_EQ(both(Tensor::scalar(5).repeat({3})), (I{5, 5, 5}));
}

TEST(SlicingValues, Index) {
  const Tensor a = iota({3, 4, 5});
  const Tensor i1 = a.index({Slice{1, std::nullopt, 2}, NewAxis, Ellipsis, -1});
  EXPECT_EQ(i1.shape(), (Shape{1, 1, 4}));
  EXPECT_EQ(both(i1), (I{24, 29, 34, 39}));
  const Tensor i2 = a.index({-2, Slice{-3, std::nullopt, 2}, Slice{std::nullopt, -1, 3}});
  EXPECT_EQ(i2.shape(), (Shape{2, 2}));
  EXPECT_EQ(both(i2), (I{25, 28, 35, 38}));
  const Tensor i3 = a.index({Ellipsis, Slice{0, 5, 4}, NewAxis});
  EXPECT_EQ(i3.shape(), (Shape{3, 4, 2, 1}));
  EXPECT_EQ(both(i3), (I{0, 4, 5, 9, 10, 14, 15, 19, 20, 24, 25, 29, 30, 34, 35, 39, 40, 44, 45, 49, 50, 54, 55, 59}));
  EXPECT_EQ(iota({10}).index({Slice{7, 2, 1}}).shape(), (Shape{0}));
  EXPECT_EQ(both(iota({10}).index({Slice{-100, 100, 3}})), (I{0, 3, 6, 9}));
  EXPECT_EQ(both(a.index({1, 2, 3})), (I{33}));
  EXPECT_EQ(a.index({1, 2, 3}).shape(), Shape{});
  EXPECT_EQ(a.index({}).shape(), a.shape());
  EXPECT_EQ(Tensor::scalar(1.5).index({NewAxis, Ellipsis}).shape(), (Shape{1}));
}

}  // namespace
}  // namespace anvil::ref
