#include "engine/runtime/interp/eval.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include "engine/support/error.h"

namespace anvil::interp {
namespace {

TEST(Eval, ExpressionWithVariables) {
  UOp x = UOp::var("x", -10, 10), y = UOp::var("y", 0, 5);
  UOp e = (x * 3 + y).floormod(UOp::constant(dtypes::index, 4));
  EXPECT_EQ(eval(e, bind_by_name(e, {{"x", -7}, {"y", 2}})).i, 1);  // -19 mod 4
  UOp d = x.truncdiv(y);
  EXPECT_TRUE(eval(d, bind_by_name(d, {{"x", 3}, {"y", 0}})).poison);
  EXPECT_THROW(bind_by_name(e, {{"x", 1}}), Error);
}

TEST(Eval, LeavesFromEnv) {
  UOp r = UOp::make(Op::RANGE, dtypes::index, {UOp::constant(dtypes::index, 8)}, int64_t{0});
  UOp s = UOp::make(Op::SPECIAL, dtypes::int32, {UOp::constant(dtypes::int32, 8)}, std::string("gidx0"));
  UOp e = r * 2 + s.cast(dtypes::index);
  Env env{{r, Value::of_int(3)}, {s, Value::of_int(5)}};
  EXPECT_EQ(eval(e, env).i, 11);
  env.erase(s);
  EXPECT_THROW(eval(e, env), Error);
  // A bound value is brought into its leaf's dtype.
  UOp v8 = UOp::var("b", -128, 127, dtypes::int8);
  EXPECT_EQ(eval(v8, {{v8, Value::of_int(200)}}).i, -56);
}

TEST(Eval, FloatsAndCasts) {
  UOp x = UOp::var("x", 0, 100, dtypes::int32);
  UOp f = x.cast(dtypes::float16) * UOp::constant_float(dtypes::float16, 0.1);
  const Value v = eval(f, bind_by_name(f, {{"x", 3}}));
  const double tenth = f16_to_f32(f64_to_f16(0.1));
  EXPECT_EQ(v.f, static_cast<double>(f16_to_f32(f64_to_f16(3 * tenth))));
  UOp bits = UOp::constant_float(dtypes::float32, -0.0).bitcast(dtypes::uint32);
  EXPECT_EQ(eval(bits, {}).i, 0x80000000u);
}

TEST(Eval, NonExpressionsAreErrors) {
  UOp g = UOp::make(Op::DEFINE_GLOBAL, dtypes::float32.ptr(), {}, int64_t{0});
  UOp ld =
      UOp::make(Op::LOAD, dtypes::float32, {UOp::make(Op::INDEX, g.dtype(), {g, UOp::constant(dtypes::index, 0)})});
  EXPECT_THROW(eval(ld + UOp::constant_float(dtypes::float32, 1), {}), Error);
  UOp vec = UOp::constant(dtypes::int32.vec(4), 1);
  EXPECT_THROW(eval(vec + vec, {}), Error);
  UOp fl = UOp::constant_float(dtypes::float32, 1.0);
  EXPECT_THROW(eval(UOp::make(Op::AND, dtypes::float32, {fl, fl}), {}), Error);
  EXPECT_THROW(eval(UOp(), {}), Error);
  EXPECT_THROW(eval(UOp::make(Op::CONST, dtypes::float32, {}, std::string("x")), {}), Error);
  // The scratch is released after an error: the next call works.
  EXPECT_EQ(eval(UOp::constant(dtypes::int32, 4) + UOp::constant(dtypes::int32, 5), {}).i, 9);
}

TEST(Eval, MillionNodeChain) {
  UOp x = UOp::var("chain_x", 0, 10);
  UOp e = x;
  for (int i = 0; i < 1000000; ++i) e = e + 1;
  EXPECT_EQ(eval(e, bind_by_name(e, {{"chain_x", 5}})).i, 1000005);
}

TEST(Eval, SharedNodesEvaluatedOnce) {
  // 2^200 paths, 200 nodes: only memoization finishes this.
  UOp x = UOp::var("s", 0, 10, dtypes::uint32);
  UOp e = x;
  for (int i = 0; i < 200; ++i) e = e + e;
  EXPECT_EQ(eval(e, bind_by_name(e, {{"s", 1}})).i, 0);
  UOp y = UOp::var("s", 0, 10, dtypes::uint32);
  UOp f = y;
  for (int i = 0; i < 31; ++i) f = f + f;
  EXPECT_EQ(eval(f, bind_by_name(f, {{"s", 1}})).i, int64_t{1} << 31);
}

TEST(Eval, AgreesWithExecAluAndEvalAll) {
  std::mt19937_64 rng(3);
  const Op ops[] = {Op::ADD, Op::SUB, Op::MUL, Op::TRUNCDIV, Op::TRUNCMOD, Op::FLOORDIV, Op::FLOORMOD,
                    Op::MAX, Op::MIN, Op::AND, Op::OR,       Op::XOR,      Op::SHL,      Op::SHR};
  for (DType dt : {dtypes::int8, dtypes::int32, dtypes::uint16, dtypes::index}) {
    UOp a = UOp::var("a", -100, 100, dt), b = UOp::var("b", -100, 100, dt);
    for (int trial = 0; trial < 300; ++trial) {
      // A random DAG over a and b; every node is checked against exec_alu on its sources' values.
      std::vector<UOp> pool{a, b, UOp::constant(dt, static_cast<int64_t>(rng() % 7) - 3)};
      for (int k = 0; k < 12; ++k) {
        const Op op = ops[rng() % std::size(ops)];
        pool.push_back(UOp::make(op, dt, {pool[rng() % pool.size()], pool[rng() % pool.size()]}));
      }
      const UOp& e = pool.back();
      const std::map<std::string, int64_t> point{{"a", static_cast<int64_t>(rng() % 201) - 100},
                                                 {"b", static_cast<int64_t>(rng() % 201) - 100}};
      const Env env = bind_by_name(e, point);
      std::vector<UOp> topo = e.toposort();
      std::vector<Value> all = eval_all(topo, env);
      ASSERT_TRUE(same_value(dt.scalar, all.back(), eval(e, env)));
      for (size_t i = 0; i < topo.size(); ++i) {
        const UOp& u = topo[i];
        if (!in_group(u.op(), opgroup::Alu)) continue;
        std::vector<Value> in;
        std::vector<Scalar> types;
        for (const UOp& s : u.src()) {
          in.push_back(all[static_cast<size_t>(std::find(topo.begin(), topo.end(), s) - topo.begin())]);
          types.push_back(s.dtype().scalar);
        }
        ASSERT_TRUE(same_value(dt.scalar, all[i], exec_alu(u.op(), dt.scalar, types, in)));
        ASSERT_TRUE(same_value(dt.scalar, all[i], eval(u, env)));
      }
    }
  }
}

TEST(Eval, SmallExpressionsAreCheap) {
  UOp x = UOp::var("x", 0, 1000), y = UOp::var("y", -50, 50);
  UOp e = x;
  for (int i = 0; i < 12; ++i) e = (e * 3 + y).floormod(UOp::constant(dtypes::index, 97 + i)).max(y) - x;
  const Env env = bind_by_name(e, {{"x", 17}, {"y", -3}});
  const auto start = std::chrono::steady_clock::now();
  int64_t sum = 0;
  for (int i = 0; i < 2000; ++i) sum += static_cast<int64_t>(eval(e, env).i);
  const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / 2000;
  RecordProperty("eval_us", std::to_string(us));
  std::printf("eval of a %zu-node expression: %.2f us\n", e.toposort().size(), us);
  EXPECT_NE(sum, 1);
}

}  // namespace
}  // namespace anvil::interp
