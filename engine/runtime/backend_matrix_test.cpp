// Conformance of every compiled backend with interp, which defines the IR: every ALU op x every
// dtype on edge values (0, -0, ±Inf, NaN, denormals, integer extremes, INT_MIN/-1, x/0, shift
// counts past the width, float->int out of range), every CAST and BITCAST, and the program
// structures kernels use (loops, gates, register accumulators, variables, vectors). A backend joins
// by registering (all_backends()); interp itself is the reference, so it is not a parameter.
//
// Values must match exactly (floats by bits; any NaN matches any NaN), except transcendental
// float32 ops, which match within fuzz/lib/tolerance.h's rule. Elements interp computes as poison
// may hold anything.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "engine/runtime/backend.h"
#include "engine/runtime/backend_matrix_cases.h"
#include "engine/runtime/interp/program.h"
#include "engine/support/error.h"
#include "fuzz/lib/tolerance.h"

namespace anvil {
namespace {

using matrix::ElementwiseCase;

std::vector<std::string> compiled_backends() {
  std::vector<std::string> names;
  for (const Backend* b : all_backends())
    if (b->name != "interp" && b->unavailable().empty()) names.emplace_back(b->name);
  return names;
}

class BackendMatrix : public ::testing::TestWithParam<std::string> {
 protected:
  const Backend& backend() const { return *find_backend_named(GetParam()); }

  // Runs `program` on interp and on the backend, each on its own copy of `buffers`; returns the
  // backend's buffers and sets `want` to interp's.
  std::vector<Buffer> run_both(const std::vector<UOp>& program, const std::vector<Buffer>& buffers,
                               std::vector<Buffer>& want, const std::map<std::string, int64_t>& vars = {}) {
    want = buffers;
    std::vector<Buffer*> ptrs;
    for (Buffer& b : want) ptrs.push_back(&b);
    const interp::RunResult r = interp::run_program(program, ptrs, vars);
    EXPECT_TRUE(r.ok()) << "interp reported " << r.event_count << " event(s)";
    std::vector<Buffer> got = buffers;
    ptrs.clear();
    for (Buffer& b : got) ptrs.push_back(&b);
    const std::string source = backend().render(program, "matrix_kernel");
    backend().compile(program, source, "matrix_kernel")->run(ptrs, vars);
    return got;
  }
};

bool transcendental(Op op) { return op == Op::EXP2 || op == Op::LOG2 || op == Op::SIN; }

// Whether element i of `got` matches `want` (interp's); poison in `want` matches anything. `tolerance`:
// Void for exact, else the dtype whose tolerance applies.
bool element_matches(const Buffer& got, const Buffer& want, size_t i, Scalar tolerance) {
  if (want.poison[i]) return true;
  const Scalar s = want.dtype.scalar;
  const Value g = got.get(i), w = want.get(i);
  if (!is_float(s)) return g.i == w.i;
  if (std::isnan(g.f) || std::isnan(w.f)) return std::isnan(g.f) && std::isnan(w.f);
  if (tolerance != Scalar::Void) return fuzz::Tolerance{tolerance, 1, 0}.close(g.f, w.f);
  return same_value(s, g, w);
}

std::string show(const Buffer& b, size_t i) {
  std::ostringstream os;
  const Value v = b.get(i);
  if (is_float(b.dtype.scalar))
    os << v.f << " (bits 0x" << std::hex << value_bits(b.dtype.scalar, v) << ")";
  else
    os << to_string(v.i);
  return os.str();
}

// Whether a backend's float64 and half-type transcendentals are the host libm's, as interp's are (c
// and llvm call it): then they match exactly. opencl's come from the device's math library (PoCL's
// SLEEF), and cuda's from CUDA's (libdevice), within the tolerance table like every float32 transcendental.
bool host_libm(const std::string& backend) { return backend != "opencl" && backend != "cuda"; }

// Compares one output of an elementwise case; reports the first few differing elements.
void expect_outputs_match(const ElementwiseCase& c, const std::vector<Buffer>& got, const std::vector<Buffer>& want,
                          bool exact_libm = true) {
  for (size_t o = 0; o < c.outputs.size(); ++o) {
    int reported = 0, bad = 0;
    for (size_t i = 0; i < want[o].count; ++i) {
      const bool tolerant = transcendental(c.outputs[o].op) && (c.outputs[o].out == Scalar::Float32 || !exact_libm);
      if (element_matches(got[o], want[o], i, tolerant ? c.outputs[o].out : Scalar::Void)) continue;
      ++bad;
      if (reported++ < 4) {
        ADD_FAILURE() << c.outputs[o].label << " element " << i << " on inputs " << c.describe_inputs(want, i)
                      << ": got " << show(got[o], i) << ", interp " << show(want[o], i);
      }
    }
    if (bad > 4) ADD_FAILURE() << c.outputs[o].label << ": " << bad << " elements differ in all";
  }
}

TEST_P(BackendMatrix, AluOpsOnEveryDtype) {
  size_t checked = 0;
  for (Scalar s : matrix::all_scalars()) {
    const ElementwiseCase c = matrix::alu_case(s);
    if (c.outputs.empty()) continue;
    std::vector<Buffer> want;
    const std::vector<Buffer> got = run_both(c.program, c.buffers, want);
    expect_outputs_match(c, got, want, host_libm(GetParam()));
    for (size_t o = 0; o < c.outputs.size(); ++o) checked += want[o].count - want[o].poison_count();
  }
  EXPECT_GT(checked, 80000u);  // the matrix is really there: elements with a defined value
}

TEST_P(BackendMatrix, CastsAndBitcastsBetweenEveryDtype) {
  for (Scalar from : matrix::all_scalars()) {
    const ElementwiseCase c = matrix::cast_case(from);
    std::vector<Buffer> want;
    const std::vector<Buffer> got = run_both(c.program, c.buffers, want);
    expect_outputs_match(c, got, want);
  }
}

TEST_P(BackendMatrix, ProgramStructures) {
  for (const matrix::StructureCase& c : matrix::structure_cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Buffer> want;
    const std::vector<Buffer> got = run_both(c.program, c.buffers, want, c.vars);
    for (size_t b = 0; b < want.size(); ++b)
      for (size_t i = 0; i < want[b].count; ++i)
        EXPECT_TRUE(element_matches(got[b], want[b], i, Scalar::Void))
            << c.name << ": buffer " << b << " element " << i << ": got " << show(got[b], i) << ", interp "
            << show(want[b], i);
  }
}

INSTANTIATE_TEST_SUITE_P(Compiled, BackendMatrix, ::testing::ValuesIn(compiled_backends()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(BackendMatrix);

}  // namespace
}  // namespace anvil
