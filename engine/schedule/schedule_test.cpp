#include "engine/schedule/schedule.h"

#include <gtest/gtest.h>

#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/tensor/tensor.h"

namespace anvil {
namespace {

using namespace graph_test;

size_t kernels(const UOp& root) { return schedule({root}).size(); }

// Every op of a kernel AST, by name, for checks on its form.
std::vector<Op> ops_of(const UOp& ast) {
  std::vector<Op> out;
  for (const UOp& n : ast.toposort()) out.push_back(n.op());
  return out;
}
bool has(const UOp& ast, Op op) {
  const std::vector<Op> ops = ops_of(ast);
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

TEST(ScheduleCounts, ElementwiseChainIsOneKernel) {
  UOp a = host(iota(12), {3, 4}), b = host(iota(12), {3, 4}), c = host(iota(12), {3, 4});
  EXPECT_EQ(kernels(bin(Op::MUL, bin(Op::ADD, a, b), c)), 1u);
}

TEST(ScheduleCounts, ReduceOfElementwiseIsOneKernel) {
  UOp a = host(iota(12), {3, 4}), b = host(iota(12), {3, 4}), c = host(iota(12), {3, 4});
  EXPECT_EQ(kernels(sum(bin(Op::MUL, bin(Op::ADD, a, b), c), {0, 1})), 1u);
}

TEST(ScheduleCounts, MatmulBiasReluIsOneKernel) {
  UOp a = host(iota(6), {2, 3}), b = host(iota(12), {3, 4}), bias = host(iota(4), {1, 4});
  UOp y = relu(bin(Op::ADD, matmul(a, b), expand(bias, {2, 4})));
  EXPECT_EQ(kernels(y), 1u);
}

TEST(ScheduleCounts, SoftmaxIsAtMostThreeKernels) {
  const size_t n = kernels(softmax(host(iota(12), {3, 4})));
  EXPECT_LE(n, 3u);
  EXPECT_EQ(n, 3u);  // max, sum of exp, the normalized exp
}

TEST(ScheduleCounts, TensorSoftmaxAndLogSoftmaxAreAtMostThreeKernels) {
  const Tensor x = Tensor::from(iota(12), Shape{3, 4});
  for (int64_t axis : {-1, 0}) {
    EXPECT_LE(kernels(x.softmax(axis).uop()), 3u) << "softmax over axis " << axis;
    EXPECT_LE(kernels(x.log_softmax(axis).uop()), 3u) << "log_softmax over axis " << axis;
    EXPECT_LE(kernels(x.logsumexp(axis).uop()), 3u) << "logsumexp over axis " << axis;
    EXPECT_LE(kernels(x.var(axis).uop()), 2u) << "var over axis " << axis;        // mean, squared deviations
    EXPECT_LE(kernels(x.argmax(axis).uop()), 2u) << "argmax over axis " << axis;  // max, first index of it
  }
}

TEST(ScheduleCounts, LayernormIsAtMostThreeKernels) {
  const size_t n = kernels(layernorm(host(iota(12), {3, 4})));
  EXPECT_LE(n, 3u);
  EXPECT_EQ(n, 3u);  // mean, variance, the normalized output
}

TEST(ScheduleCounts, ContiguousAndBroadcastReduceRealize) {
  UOp a = host(iota(12), {3, 4});
  EXPECT_EQ(kernels(bin(Op::ADD, contiguous(bin(Op::ADD, a, a)), a)), 2u);
  // A reduce broadcast back over its input's loops is stored, not recomputed per element.
  EXPECT_EQ(kernels(bin(Op::SUB, a, expand(sum(a, {1}), {3, 4}))), 2u);
  // A reduce used once through a reshape fuses into the elementwise work after it.
  EXPECT_EQ(kernels(un(Op::SQRT, reshape(sum(a, {1}), {3}))), 1u);
}

TEST(ScheduleCounts, ReduceFusionFollowsTheLoops) {
  UOp a = host(iota(24), {2, 3, 4});
  EXPECT_EQ(kernels(sum(sum(a, {2}), {1})), 1u);  // the inner reduce runs inside the outer one's loop
  UOp s = sum(a, {2});
  EXPECT_EQ(kernels(bin(Op::ADD, un(Op::SQRT, s), un(Op::EXP2, s))), 1u);  // one consumer kernel
  EXPECT_EQ(kernels(bin(Op::ADD, sum(s, {1}), max(s, {1}))), 2u);          // two reduce consumers: stored once
  EXPECT_EQ(kernels(pad(s, {0, 0, 0, 0, 1, 1})), 2u);                      // a padded reduce is stored first
}

TEST(ScheduleCounts, HostDataNeedsNoKernel) {
  UOp a = host(iota(12), {3, 4});
  Schedule s = make_schedule({a});
  EXPECT_TRUE(s.kernels.empty());
  EXPECT_EQ(s.results[0], a);
}

TEST(ScheduleAst, ElementwiseKernelIsStoreOfLoads) {
  UOp a = host(iota(12), {3, 4}), b = host(iota(12), {3, 4});
  Schedule s = make_schedule({bin(Op::ADD, a, b)});
  ASSERT_EQ(s.kernels.size(), 1u);
  const Kernel& k = s.kernels[0];
  EXPECT_FALSE(validate(k.ast, Stage::Kernel)) << *validate(k.ast, Stage::Kernel);
  EXPECT_EQ(k.ast.op(), Op::SINK);
  ASSERT_EQ(k.buffers.size(), 3u);  // out, a, b
  EXPECT_EQ(k.buffer_uids[0], s.results[0].src(0).arg_ints()[0]);
  EXPECT_EQ(k.ast.src(0).op(), Op::STORE);
  // The reshape of each input folds away: out[r0*4 + r1] = a[r0*4 + r1] + b[r0*4 + r1].
  const UOp idx = k.ast.src(0).src(0).src(1);
  const UOp& value = k.ast.src(0).src(1);
  EXPECT_EQ(value.src(0).src(0).src(1), idx) << to_text(k.ast);
  EXPECT_EQ(value.src(1).src(0).src(1), idx) << to_text(k.ast);
}

TEST(ScheduleAst, PadBecomesAGateAndReduceAReduce) {
  UOp a = host(iota(4), {4});
  Schedule s = make_schedule({sum(pad(a, {1, 2}), {0})});
  ASSERT_EQ(s.kernels.size(), 1u);
  const UOp& ast = s.kernels[0].ast;  // REDUCE is gone only after lowering (codegen tests validate that)
  EXPECT_TRUE(has(ast, Op::REDUCE)) << to_text(ast);
  bool gated = false;
  for (const UOp& n : ast.toposort())
    if (n.op() == Op::INDEX && n.src().size() == 3) gated = true;
  EXPECT_TRUE(gated) << to_text(ast);
}

TEST(ScheduleAst, KernelsAreIdenticalFromRunToRun) {
  // ASTs name slots and sizes, never uids: one workload on fresh data gives the same kernels.
  auto ast = [] { return schedule({softmax(host(iota(12), {3, 4}))}).at(2).ast; };
  EXPECT_EQ(ast(), ast());
}

}  // namespace
}  // namespace anvil

namespace anvil {
namespace {

// Found by Engine.MatchesRefOnRandomPrograms: a chain of reshapes over stored data came back as
// the chain itself, which the Tensor API does not take as a realized leaf.
TEST(ScheduleResults, ReshapeChainOverABufferIsOneReshape) {
  using namespace graph_test;
  UOp x = host(iota(6), {2, 3});
  Schedule s = make_schedule({reshape(reshape(x, {3, 2}), {6, 1})});
  EXPECT_TRUE(s.kernels.empty());
  ASSERT_EQ(s.results.size(), 1u);
  EXPECT_EQ(s.results[0].op(), Op::RESHAPE);
  EXPECT_EQ(s.results[0].src(0).op(), Op::BUFFER);
  EXPECT_EQ(*s.results[0].shape(), (Shape{6, 1}));
}

}  // namespace
}  // namespace anvil
