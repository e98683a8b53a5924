#include "engine/codegen/linearize.h"

#include <gtest/gtest.h>

#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/runtime/interp/program.h"
#include "engine/schedule/graph_test_util.h"
#include "engine/schedule/schedule.h"
#include "engine/support/env.h"

namespace anvil {
namespace {

using namespace graph_test;

size_t position(const std::vector<UOp>& prog, Op op, size_t from = 0) {
  for (size_t i = from; i < prog.size(); ++i)
    if (prog[i].op() == op) return i;
  return prog.size();
}

// Every kernel of these graphs lowers to a program that validate_program accepts.
TEST(Linearize, EveryKernelPassesValidateProgram) {
  UOp a = host(iota(24), {2, 3, 4}), m = host(iota(12), {3, 4}), v = host(iota(4), {1, 4});
  const std::vector<UOp> graphs = {
      bin(Op::ADD, a, a),
      sum(a, {1}),
      max(a, {0, 2}),
      sum(pad(flip(a, {2}), {0, 1, 1, 0, 2, 2}), {0, 2}),
      softmax(m),
      layernorm(m),
      relu(bin(Op::ADD, matmul(m, permute(m, {1, 0})), expand(host(iota(3), {1, 3}), {3, 3}))),
      sum(sum(a, {2}), {1}),
      sum(expand(v, {3, 4}), {0, 1}),
  };
  for (const UOp& g : graphs)
    for (const Kernel& k : schedule({g})) {
      const std::vector<UOp> prog = linearize(k.ast);
      EXPECT_FALSE(validate_program(prog)) << *validate_program(prog) << "\n" << to_text(prog);
      EXPECT_EQ(prog.back().op(), Op::SINK);
    }
}

TEST(Linearize, ReduceBecomesARegisterAccumulator) {
  const std::vector<Kernel> ks = schedule({sum(host(iota(12), {3, 4}), {1})});
  ASSERT_EQ(ks.size(), 1u);
  const std::vector<UOp> prog = linearize(ks[0].ast);
  if (debug_level() >= 2) std::printf("%s\n", to_text(prog).c_str());
  const size_t reg = position(prog, Op::DEFINE_REG);
  const size_t outer = position(prog, Op::RANGE), inner = position(prog, Op::RANGE, outer + 1);
  ASSERT_LT(reg, prog.size());
  ASSERT_LT(inner, prog.size());
  // The identity is stored inside the output loop, before the reduce loop opens.
  size_t init = prog.size();
  for (size_t i = outer; i < inner; ++i)
    if (prog[i].op() == Op::STORE && prog[i].src(0).src(0) == prog[reg]) init = i;
  EXPECT_LT(init, inner) << to_text(prog);
  // Two loads of the accumulator: one inside the loop (after the init), one after its END.
  std::vector<size_t> acc_loads;
  for (size_t i = 0; i < prog.size(); ++i)
    if (prog[i].op() == Op::LOAD && prog[i].src(0).src(0) == prog[reg]) acc_loads.push_back(i);
  ASSERT_EQ(acc_loads.size(), 2u) << to_text(prog);
  EXPECT_EQ(prog[acc_loads[0]].src(1).op(), Op::STORE);
  EXPECT_EQ(prog[acc_loads[1]].src(1).op(), Op::END);
  EXPECT_GT(acc_loads[0], inner);
  EXPECT_EQ(prog[acc_loads[1] - 1].op(), Op::END);
}

TEST(Linearize, LoopInvariantWorkIsHoisted) {
  // out[i, j] = x[i] * 2 + y[j]: the load of x[i] and its product sit in loop i, outside loop j.
  UOp x = expand(host(iota(3), {3, 1}), {3, 4}), y = expand(host(iota(4), {1, 4}), {3, 4});
  const std::vector<Kernel> ks = schedule({bin(Op::ADD, bin(Op::MUL, x, full(2, {3, 4})), y)});
  ASSERT_EQ(ks.size(), 1u);
  const std::vector<UOp> prog = linearize(ks[0].ast);
  const size_t inner = position(prog, Op::RANGE, position(prog, Op::RANGE) + 1);
  size_t mul = position(prog, Op::MUL);
  EXPECT_LT(mul, inner) << to_text(prog);
}

TEST(Linearize, RunsOnTheInterpreter) {
  // A whole-tensor sum: no output loops, one reduce loop over 2 axes.
  Buffer in = Buffer::from<float>(iota(12)), out(dtypes::float32, 1);
  const std::vector<Kernel> ks = schedule({sum(host(iota(12), {3, 4}), {0, 1})});
  ASSERT_EQ(ks.size(), 1u);
  const std::vector<UOp> prog = linearize(ks[0].ast);
  std::vector<interp::Buffer*> bufs = {&out, &in};
  interp::RunResult r = interp::run_program(prog, bufs);
  EXPECT_TRUE(r.ok());
  float want = 0;
  for (float v : iota(12)) want += v;
  EXPECT_FLOAT_EQ(out.to<float>()[0], want);
}

}  // namespace
}  // namespace anvil
