// The vectorize action (engine/codegen/opt.h): on every backend, the same bits as no action, on
// elementwise kernels of several dtypes whose loads are consecutive, broadcast, strided or gated.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "engine/codegen/linearize.h"
#include "engine/codegen/opt.h"
#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/opt_test_util.h"
#include "engine/runtime/realize.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"

namespace anvil {
namespace {

using namespace graph_test;
using namespace opt_test;

// A host tensor of `dtype` holding the values `i * 7 % 13 - 6` (or their parity, for bool).
UOp typed(DType dtype, const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  std::vector<double> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<double>((i * 7) % 13 - 6));
  const int64_t uid = new_buffer_uid();
  if (dtype == dtypes::bool_) {
    std::vector<int64_t> bits;
    for (double x : v) bits.push_back(static_cast<int64_t>(x) & 1);
    register_storage(uid, std::make_shared<Buffer>(Buffer::from_ints(dtype, bits)));
  } else {
    register_storage(uid, std::make_shared<Buffer>(Buffer::from_floats(dtype, v)));
  }
  const UOp b = UOp::make(Op::BUFFER, dtype, {}, std::vector<int64_t>{uid, n});
  return UOp::make(Op::RESHAPE, dtype, {b}, shape);
}

size_t count_loads(const UOp& ast, bool vector) {
  size_t n = 0;
  for (const UOp& u : ast.toposort()) n += u.op() == Op::LOAD && (u.dtype().count > 1) == vector;
  return n;
}

// Elementwise graphs of shape {6, 16}, per dtype: consecutive, broadcast (a column), strided (a
// transpose), gated along the vectorized loop (padded columns) and across it (padded rows).
std::vector<UOp> elementwise_graphs(DType dt) {
  const UOp x = typed(dt, {6, 16}), col = expand(typed(dt, {6, 1}), {6, 16}), xt = permute(typed(dt, {16, 6}), {1, 0});
  const UOp padded_cols = pad(typed(dt, {6, 12}), {0, 0, 3, 1}), padded_rows = pad(typed(dt, {4, 16}), {1, 1, 0, 0});
  if (dt == dtypes::bool_) {
    auto bool_op = [](Op op, const UOp& a, const UOp& b) { return UOp::make(op, dtypes::bool_, {a, b}); };
    return {bool_op(Op::XOR, x, col), bool_op(Op::AND, xt, x), bool_op(Op::OR, padded_cols, padded_rows),
            bool_op(Op::CMPNE, x, padded_cols)};
  }
  const Op mul = Op::MUL;
  return {bin(Op::ADD, x, x),
          bin(mul, x, col),
          bin(Op::SUB, xt, x),
          bin(Op::MAX, padded_cols, xt),
          bin(Op::ADD, padded_rows, col),
          bin(mul, bin(Op::ADD, padded_rows, padded_cols), x),
          UOp::make(Op::WHERE, dt, {UOp::make(Op::CMPLT, dtypes::bool_, {x, col}), xt, padded_cols})};
}

TEST(Vectorize, KeepsEveryBitOnEveryBackend) {
  for (DType dt : {dtypes::float32, dtypes::int32, dtypes::float16, dtypes::bool_}) {
    for (const UOp& g : elementwise_graphs(dt)) {
      const Kernel k = only_kernel(schedule({g}));
      const std::vector<uint8_t> want = run(*all_backends()[0], k, k.ast);
      const std::vector<KernelAxis> axes = kernel_axes(k.ast);
      for (const KernelAxis& a : axes)
        for (int64_t f : {2, 4, 8}) {
          if (a.size % f) continue;
          const std::vector<Opt> opts = {{OptKind::Vectorize, a.id, f}};
          const UOp ast = apply_opts(k.ast, opts);
          EXPECT_GT(count_loads(ast, true) + count_loads(ast, false), 0u);
          for (const Backend* b : all_backends()) {
            if (!b->unavailable().empty()) continue;
            EXPECT_EQ(run(*b, k, ast), want) << name(dt) << " " << b->name << ": " << to_string(opts) << "\n"
                                             << to_text(linearize(ast));
          }
        }
    }
  }
}

// Loads that step by 1 with the loop become one vector load, the broadcast column stays one scalar
// load, the transpose and the padded columns go lane by lane; the consecutive store is one store.
TEST(Vectorize, ConsecutiveAccessesMoveAllLanesAtOnce) {
  const UOp x = typed(dtypes::float32, {6, 16});
  const Kernel plain = only_kernel(schedule({bin(Op::MUL, x, expand(typed(dtypes::float32, {6, 1}), {6, 16}))}));
  const int64_t inner = kernel_axes(plain.ast)[1].id;
  const UOp ast = apply_opt(plain.ast, {OptKind::Vectorize, inner, 4});
  EXPECT_EQ(count_loads(ast, true), 1u) << to_text(ast);
  EXPECT_EQ(count_loads(ast, false), 1u) << to_text(ast);
  ASSERT_EQ(ast.src().size(), 1u);
  EXPECT_EQ(ast.src(0).src(1).dtype(), dtypes::float32.vec(4));

  const UOp xt = permute(typed(dtypes::float32, {16, 6}), {1, 0}),
            padded = pad(typed(dtypes::float32, {6, 12}), {0, 0, 3, 1});
  const Kernel lanes = only_kernel(schedule({bin(Op::ADD, xt, padded)}));
  const UOp by_lane = apply_opt(lanes.ast, {OptKind::Vectorize, kernel_axes(lanes.ast)[1].id, 4});
  EXPECT_EQ(count_loads(by_lane, true), 0u) << to_text(by_lane);
  EXPECT_EQ(count_loads(by_lane, false), 8u) << to_text(by_lane);
  EXPECT_EQ(by_lane.src().size(), 1u);  // the store is still consecutive
}

// Before and after the other actions (a vectorized kernel is split, threaded, upcast like any other),
// with thread chunks run one after another.
TEST(Vectorize, ComposesWithTheOtherActions) {
  const UOp x = typed(dtypes::float32, {6, 16}), col = expand(typed(dtypes::float32, {6, 1}), {6, 16});
  const UOp padded = pad(typed(dtypes::float32, {6, 12}), {0, 0, 3, 1});
  const std::vector<std::vector<Opt>> lists = {
      {{OptKind::Split, 1, 4}, {OptKind::Vectorize, 2, 4}},  {{OptKind::Upcast, 0, 2}, {OptKind::Vectorize, 1, 8}},
      {{OptKind::Vectorize, 1, 4}, {OptKind::Upcast, 0, 3}}, {{OptKind::Vectorize, 1, 2}, {OptKind::Split, 1, 2}},
      {{OptKind::Swap, 0, 1}, {OptKind::Vectorize, 0, 4}},   {{OptKind::Vectorize, 1, 4}, {OptKind::Thread, 0, 3}},
  };
  for (const UOp& g : {bin(Op::ADD, bin(Op::MUL, x, col), padded),
                       bin(Op::SUB, permute(typed(dtypes::float32, {16, 6}), {1, 0}), x)}) {
    const Kernel k = only_kernel(schedule({g}));
    const std::vector<uint8_t> want = run(*all_backends()[0], k, k.ast);
    for (const std::vector<Opt>& opts : lists) {
      const UOp ast = apply_opts(k.ast, opts);
      for (const Backend* b : all_backends()) {
        if (!b->unavailable().empty()) continue;
        EXPECT_EQ(run(*b, k, ast), want) << b->name << ": " << to_string(opts) << "\n" << to_text(linearize(ast));
      }
    }
  }
}

TEST(Vectorize, RefusesWhatItCannotVectorize) {
  const UOp x = typed(dtypes::float32, {6, 16});
  const UOp ast = only_kernel(schedule({bin(Op::ADD, x, x)})).ast;
  const int64_t outer = kernel_axes(ast)[0].id, inner = kernel_axes(ast)[1].id;
  auto message = [](const UOp& a, const Opt& o) { return refusal(a, o); };
  EXPECT_NE(message(ast, {OptKind::Vectorize, inner, 3}).find("2, 4 or 8"), std::string::npos);
  EXPECT_NE(message(ast, {OptKind::Vectorize, inner, 16}).find("2, 4 or 8"), std::string::npos);
  EXPECT_NE(message(ast, {OptKind::Vectorize, outer, 4}).find("does not divide"), std::string::npos);
  EXPECT_NE(message(ast, {OptKind::Vectorize, 99, 4}).find("no loop 99"), std::string::npos);
  const UOp once = apply_opt(ast, {OptKind::Vectorize, inner, 4});
  EXPECT_NE(message(once, {OptKind::Vectorize, outer, 2}).find("already vectorized"), std::string::npos);
  const UOp red = only_kernel(schedule({sum(x, {1})})).ast;
  EXPECT_NE(message(red, {OptKind::Vectorize, kernel_axes(red)[0].id, 2}).find("reduces; use upcast"),
            std::string::npos);
  EXPECT_NE(message(red, {OptKind::Vectorize, kernel_axes(red)[1].id, 2}).find("reduce loop"), std::string::npos);
  EXPECT_EQ(parse_opts("vectorize 1 4"), (std::vector<Opt>{{OptKind::Vectorize, 1, 4}}));
  EXPECT_EQ(to_string(Opt{OptKind::Vectorize, 1, 4}), "vectorize 1 4");
}

}  // namespace
}  // namespace anvil
