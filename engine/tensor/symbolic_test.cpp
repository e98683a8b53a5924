// Symbolic shapes: one kernel per structure for every bound value, values equal to ref at each.
#include "engine/tensor/symbolic.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <set>
#include <unordered_map>

#include "engine/codegen/linearize.h"
#include "engine/ir/spec.h"
#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/interp/program.h"
#include "engine/runtime/kernel_check.h"
#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/support/error.h"
#include "engine/tensor/storage.h"
#include "verify/ref/ref.h"

namespace anvil {
namespace {

// What realize does with a schedule that binds vars (engine/tensor/symbolic.md): bounds proofs when
// installed, lowering cached by kernel AST, every kernel run with the schedule's vars, and the first
// count elements of a symbolic result's buffer. `lowerings` counts cache misses.
// With a backend, kernels are rendered and compiled by it (once per AST) instead of interpreted.
struct SymbolicRunner {
  const Backend* backend = nullptr;
  std::unordered_map<UOp, std::vector<UOp>, UOpHash> programs;
  std::unordered_map<UOp, std::shared_ptr<Program>, UOpHash> compiled;
  int lowerings = 0;
  std::set<std::string> kernel_texts;  // every kernel AST seen

  Buffer run(const Tensor& t) {
    const Schedule s = make_schedule({t.uop()});
    std::unordered_map<int64_t, std::shared_ptr<Buffer>> made;
    for (const Kernel& k : s.kernels) {
      if (const KernelChecker check = kernel_checker()) check(k.ast);  // ANVIL_CHECK_OOB=1 in the gate
      auto it = programs.find(k.ast);
      if (it == programs.end()) {
        ++lowerings;
        it = programs.emplace(k.ast, linearize(k.ast)).first;
        if (backend) compiled[k.ast] = backend->compile(it->second, backend->render(it->second, "kernel"), "kernel");
      }
      kernel_texts.insert(to_text(k.ast));
      std::vector<std::shared_ptr<Buffer>> held;
      std::vector<Buffer*> slots;
      for (size_t i = 0; i < k.buffers.size(); ++i) {
        const int64_t uid = k.buffers[i].arg_ints()[0];
        std::shared_ptr<Buffer> b;
        if (i < k.n_outputs) {
          b = std::make_shared<Buffer>(k.buffers[i].dtype(), static_cast<size_t>(k.buffers[i].arg_ints()[1]));
          made[uid] = b;
        } else {
          b = made.count(uid) ? made[uid] : storage_of(uid);
        }
        EXPECT_TRUE(b) << "no storage for " << k.buffers[i].brief();
        held.push_back(b);
        slots.push_back(b.get());
      }
      if (backend) {
        compiled.at(k.ast)->run(slots, s.vars);
        continue;
      }
      const interp::RunResult r = interp::run_program(it->second, slots, s.vars);
      EXPECT_TRUE(r.ok()) << r.event_count << " interpreter events";
    }
    UOp buf = s.results.at(0);
    while (buf.op() != Op::BUFFER) buf = UOp(buf.src(0));
    const int64_t uid = buf.arg_ints()[0];
    std::shared_ptr<Buffer> stored = made.count(uid) ? made[uid] : storage_of(uid);
    const auto count = static_cast<size_t>(t.numel());
    Buffer out(t.dtype(), count);
    for (size_t i = 0; i < count; ++i) out.set(i, stored->get(i));
    return out;
  }
};

std::vector<float> values(int64_t count, int seed) {
  std::vector<float> v(static_cast<size_t>(count));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i) + seed) * 2);
  return v;
}

void expect_equal_to_ref(const Tensor& t, const Buffer& got, const std::string& what) {
  const ref::Array want = ref::evaluate(strip_binds(t.uop()));
  ASSERT_EQ(want.shape, t.shape()) << what;
  const std::vector<double> w = want.floats(), g = got.floats();
  ASSERT_EQ(w.size(), g.size()) << what;
  for (size_t i = 0; i < w.size(); ++i)
    ASSERT_NEAR(g[i], w[i], 1e-5 * std::max(1.0, std::abs(w[i]))) << what << " element " << i;
}

const std::vector<int64_t> kBoundValues = {1, 5, 17, 64};

using Build = std::function<Tensor(const Tensor& x, int64_t n)>;

// x [n, 16] bound on axis 0 (or [16, n] bound on axis 1): each bound value lowers no new kernel
// after the first, every kernel loops to DEFINE_VAR n, and the values equal ref's.
void check_one_kernel_set(const std::string& what, const Build& build, bool symbolic_axis_last = false,
                          const std::vector<int64_t>& bound_values = kBoundValues, const Backend* backend = nullptr) {
  const Var n("n", 1, 64);
  SymbolicRunner runner;
  runner.backend = backend;
  int first_lowerings = -1;
  std::set<std::string> first_kernels;
  for (const int64_t value : bound_values) {
    const Shape shape = symbolic_axis_last ? Shape{16, value} : Shape{value, 16};
    const Tensor x = bind(Tensor::from(values(value * 16, 1), shape), symbolic_axis_last ? 1 : 0, n);
    ASSERT_EQ(x.shape(), shape);  // the bound value
    const Tensor y = build(x, value);
    const Buffer got = runner.run(y);
    expect_equal_to_ref(y, got, what + " at n = " + std::to_string(value));
    if (first_lowerings < 0) {
      first_lowerings = runner.lowerings;
      first_kernels = runner.kernel_texts;
      for (const std::string& k : first_kernels)
        EXPECT_NE(k.find("DEFINE_VAR"), std::string::npos) << what << "\n" << k;
    }
  }
  EXPECT_GT(first_lowerings, 0);
  EXPECT_EQ(runner.lowerings, first_lowerings) << what << ": a bound value lowered a new kernel";
  EXPECT_EQ(runner.kernel_texts, first_kernels) << what;
}

TEST(Symbolic, Elementwise) {
  check_one_kernel_set("elementwise", [](const Tensor& x, int64_t) { return (x * 2.5 + 1).exp().relu(); });
}

TEST(Symbolic, BroadcastAgainstConcrete) {
  const Tensor bias = Tensor::from(values(16, 2), Shape{16});
  check_one_kernel_set("broadcast", [&](const Tensor& x, int64_t) { return x * x + bias; });
}

TEST(Symbolic, ReduceOverTheSymbolicAxis) {
  check_one_kernel_set("sum(0)", [](const Tensor& x, int64_t) { return x.sum(0); });
  check_one_kernel_set("max(0) keepdim", [](const Tensor& x, int64_t) { return x.max(0, true) - x; });
}

TEST(Symbolic, ReduceOverAnotherAxis) {
  check_one_kernel_set("sum(1)", [](const Tensor& x, int64_t) { return x.sum(1); });
  check_one_kernel_set("softmax(1)", [](const Tensor& x, int64_t) { return x.softmax(1); });
}

TEST(Symbolic, MatmulWithSymbolicRows) {
  const Tensor w = Tensor::from(values(16 * 8, 3), Shape{16, 8});
  check_one_kernel_set("x @ w", [&](const Tensor& x, int64_t) { return x.matmul(w); });
  // The KV-cache pattern: scores of a query against n cached keys, then the weighted values.
  // n = 1 is left out of the one-kernel-set check: there the reshape of k^T in matmul ([1, 16] ->
  // [1, 1, 16]) cannot tell which size-1 axis is n, so it may lower its own kernels (values still right).
  const Tensor q = Tensor::from(values(16, 4), Shape{1, 16});
  const Build attention = [&](const Tensor& k, int64_t) { return q.matmul(k.transpose(0, 1)).softmax(1).matmul(k); };
  check_one_kernel_set("attention", attention, false, {5, 17, 64});
  check_one_kernel_set("attention at n = 1", attention, false, {1});
}

TEST(Symbolic, SymbolicAxisNotLeading) {
  check_one_kernel_set(
      "[16, n] sum(1)", [](const Tensor& x, int64_t) { return x.sum(1); }, true);
  check_one_kernel_set(
      "[16, n] transpose", [](const Tensor& x, int64_t) { return x.transpose(0, 1).contiguous() + 1; }, true);
  check_one_kernel_set(
      "[16, n] flip", [](const Tensor& x, int64_t) { return x.flip({1}) * 3; }, true);
}

// The compiled backends (C source, LLVM IR) compile each kernel once and run it for every value.
TEST(Symbolic, CompiledBackendsCompileOncePerStructure) {
  const Tensor w = Tensor::from(values(16 * 8, 3), Shape{16, 8});
  int tried = 0;
  for (const Backend* b : all_backends()) {
    if (b->name == "interp" || !b->unavailable().empty()) continue;
    ++tried;
    const std::string name(b->name);
    check_one_kernel_set(
        name + " softmax(1) @ w", [&](const Tensor& x, int64_t) { return x.softmax(1).matmul(w); }, false, kBoundValues,
        b);
    check_one_kernel_set(
        name + " [16, n] sum(1)", [](const Tensor& x, int64_t) { return (x * x).sum(1); }, true, kBoundValues, b);
  }
  if (tried == 0) GTEST_SKIP() << "no compiled backend available here";
}

// Through the Tensor API on every backend built in: realize binds the schedule's vars, a symbolic
// result holds exactly its elements, and compile_count() does not grow with new bound values.
TEST(Symbolic, RealizeCompilesOncePerStructureOnEveryBackend) {
  const Var n("n", 1, 64);
  const Tensor w = Tensor::from(values(16 * 8, 3), Shape{16, 8});
  for (const std::string& backend : install_backends()) {
    uint64_t after_first = 0;
    for (const int64_t value : kBoundValues) {
      const Tensor x = bind(Tensor::from(values(value * 16, 1), Shape{value, 16}).to(backend), 0, n);
      Tensor y = (x * 2.5 + 1).relu().matmul(w.to(backend)).sum(1);
      const Tensor unrealized = y;
      y.realize();
      ASSERT_EQ(y.shape(), (Shape{value}));
      expect_equal_to_ref(unrealized, y.to_buffer(), backend + " at n = " + std::to_string(value));
      if (value == kBoundValues[0]) after_first = compile_count();
    }
    EXPECT_EQ(compile_count(), after_first) << backend << ": a bound value compiled a new kernel";
  }
}

// Two vars: x [n, m] with both axes symbolic; strides of axis 0 are m.
TEST(Symbolic, TwoVars) {
  const Var n("n", 1, 8), m("m", 2, 12);
  SymbolicRunner runner;
  int first = -1;
  for (const auto& [nv, mv] : std::vector<std::pair<int64_t, int64_t>>{{3, 4}, {8, 2}, {1, 12}, {5, 7}}) {
    const Tensor x = bind(bind(Tensor::from(values(nv * mv, 1), Shape{nv, mv}), 0, n), 1, m);
    EXPECT_EQ(bound_vars(x.uop()), (std::map<std::string, int64_t>{{"n", nv}, {"m", mv}}));
    const Tensor y = (x.exp().sum(1, true) + x.transpose(0, 1).sum(1).reshape({1, mv})).sum(0);
    expect_equal_to_ref(y, runner.run(y), "two vars at " + std::to_string(nv) + ", " + std::to_string(mv));
    if (first < 0) first = runner.lowerings;
  }
  EXPECT_EQ(runner.lowerings, first);
}

TEST(Symbolic, ShapeReportsTheBoundValue) {
  const Var n("n", 1, 64);
  const Tensor x = bind(Tensor::from(values(5 * 16, 1), Shape{5, 16}), 0, n);
  EXPECT_EQ(x.shape(), (Shape{5, 16}));
  EXPECT_EQ(x.sum(1).shape(), (Shape{5}));
  EXPECT_EQ(bound_vars((x + 1).uop()), (std::map<std::string, int64_t>{{"n", 5}}));
}

TEST(Symbolic, GraphIsValidAndRoundTripsAsText) {
  const Var n("n", 1, 64);
  const Tensor x = bind(Tensor::from(values(5 * 16, 1), Shape{5, 16}), 0, n);
  const UOp g = (x * 2).sum(0).uop();
  EXPECT_EQ(validate(g, Stage::Tensor), std::nullopt);
  const std::string text = to_text(g);
  EXPECT_NE(text.find("BIND"), std::string::npos) << text;
  EXPECT_EQ(to_text(parse_one(text)), text);
}

TEST(Symbolic, OutOfRangeBindRaises) {
  const Var n("n", 1, 64);
  EXPECT_THROW(bind(Tensor::from(values(65 * 2, 1), Shape{65, 2}), 0, n), Error);
  EXPECT_THROW(bind(Tensor::from(values(2, 1), Shape{1, 2}), 2, n), Error);
  EXPECT_THROW(Var("m", 0, 4), Error);
  EXPECT_THROW(Var("m", 5, 4), Error);
  const Tensor x = bind(Tensor::from(values(10, 1), Shape{5, 2}), 0, n);
  EXPECT_THROW(bind(x, 0, n), Error);  // already bound
  // A BIND made by hand over storage without room for every value.
  const Tensor small = Tensor::from(values(10, 1), Shape{5, 2});
  const Tensor raw(UOp::make(Op::BIND, small.dtype(), {small.uop(), n.uop()}, int64_t{0}), small.keep());
  EXPECT_THROW(make_schedule({(raw + 1).uop()}), Error);
}

// The message names the op and the symbolic dim.
void expect_unsupported(const Tensor& t, const std::string& op) {
  try {
    make_schedule({t.uop()});
    ADD_FAILURE() << op << ": no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.op(), op) << e.what();
    EXPECT_NE(std::string(e.what()).find("symbolic dim n"), std::string::npos) << e.what();
  }
}

TEST(Symbolic, UnsupportedOpsRaiseNamingTheOpAndTheDim) {
  const Var n("n", 1, 64);
  const Tensor x = bind(Tensor::from(values(5 * 16, 1), Shape{5, 16}), 0, n);
  expect_unsupported(x.pad({{1, 0}, {0, 0}}), "pad");
  expect_unsupported(x.shrink({{0, 2}, {0, 16}}), "shrink");
  expect_unsupported(x.reshape({80}), "reshape");
  expect_unsupported(x + Tensor::from(values(5 * 16, 2), Shape{5, 16}), "add");
  const Tensor one = bind(Tensor::from(values(16, 1), Shape{1, 16}), 0, n);
  expect_unsupported(one.expand({7, 16}), "expand");
  // Pad and shrink of the other axes are fine.
  SymbolicRunner runner;
  const Tensor padded = x.pad({{0, 0}, {2, 1}}).shrink({{0, 5}, {1, 18}});
  expect_equal_to_ref(padded, runner.run(padded), "pad/shrink of the concrete axis");
}

}  // namespace
}  // namespace anvil
