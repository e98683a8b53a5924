#pragma once
// The programs of backend_matrix_test.cpp: hand-made linear programs (as linearize emits them) with
// their input buffers. Test-only (backend_matrix_cases_test.cpp).
#include <map>
#include <string>
#include <vector>

#include "engine/ir/buffer.h"
#include "engine/ir/uop.h"

namespace anvil::matrix {

// Every dtype a value can have (index included: it is loaded and stored as int64).
std::vector<Scalar> all_scalars();

struct Output {
  Op op;
  Scalar out;
  std::string label;     // "ADD int8", "CAST float32 -> int32"
  bool widened = false;  // stored through a CAST to float64: an unrounded float16 result shows
  Scalar computed() const { return widened ? Scalar::Float64 : out; }  // the stored dtype
};

// One kernel computing many ops elementwise over the same inputs: buffers[0..outputs) are the
// outputs (one per op), then the inputs a, b, c (every triple of edge values) and a bool condition.
struct ElementwiseCase {
  std::vector<Output> outputs;
  std::vector<UOp> program;
  std::vector<Buffer> buffers;
  std::string describe_inputs(const std::vector<Buffer>& buffers, size_t i) const;
};

// Every ALU op interp defines on `s` (exec_alu does not refuse it), on s's edge values.
ElementwiseCase alu_case(Scalar s);
// CAST from `from` to every dtype, and BITCAST to every dtype of its width.
ElementwiseCase cast_case(Scalar from);

struct StructureCase {
  std::string name;
  std::vector<UOp> program;
  std::vector<Buffer> buffers;
  std::map<std::string, int64_t> vars;
};
// Loops, reductions into DEFINE_REG, gated loads and stores (PAD), IF, DEFINE_VAR, vectors.
std::vector<StructureCase> structure_cases();

}  // namespace anvil::matrix
