#pragma once
// The op table: one row per Tensor API op (with its fixed extra arguments), the single list that
// the PyTorch oracle, the gradient checks and the conformance runs iterate. Adding an op to the
// harness is adding a row here (and, for the oracle, its torch twin keyed by the row's name).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil::ops {

// Where random inputs are drawn. Integer dtypes take the integer values inside the range.
enum class Domain : uint8_t {
  Any,          // floats include NaN, +-inf and +-0 among the samples
  Finite,       // any finite value in [-8, 8]
  Positive,     // (0, 8]: log, sqrt, rsqrt
  NonZero,      // [-8, 8] without 0: divisors
  NonNegative,  // [0, 8]: casts to unsigned types
};
std::string_view domain_name(Domain d);

// Float comparison: |got - want| <= atol + rtol * |want|. Half types widen it (see tolerance()).
struct Tolerance {
  double atol = 1e-6;
  double rtol = 1e-3;
};

// Random draws, which no reference reproduces bit for bit (torch's generator is not anvil's): the
// oracle compares shape, dtype and errors with torch and checks that every value is finite, in
// [lo, hi] and (when integral) a whole number; the table's tests check that a seed repeats them.
struct RandomValues {
  double lo = 0;
  double hi = 0;
  bool integral = false;
};

struct OpRow {
  std::string name;  // unique key, e.g. "sum_axis1_keepdim"
  std::string op;    // the Tensor API op it calls, e.g. "sum" (the op an anvil::Error names)
  int arity = 1;     // tensor inputs
  std::function<Tensor(const std::vector<Tensor>&)> fn;
  Domain domain = Domain::Any;
  std::vector<DType> dtypes;                       // each sample gives every input one of these
  std::vector<std::optional<DType>> input_dtypes;  // per input: a fixed dtype (where's bool condition)
  bool differentiable = false;                     // float inputs (those without a fixed dtype) have gradients
  std::optional<Tolerance> tol;                    // overrides the default float tolerance
  std::vector<std::vector<Shape>> shapes;          // sample input shapes, one entry per sample
  std::optional<RandomValues> random;              // set: the values are random draws (see above)
};

// Dtype sets rows take.
const std::vector<DType>& all_dtypes();        // bool, ints, uints, float16, bfloat16, float32, float64
const std::vector<DType>& float_dtypes();      // float16, bfloat16, float32, float64
const std::vector<DType>& int_dtypes();        // signed and unsigned integers, no bool
const std::vector<DType>& numeric_dtypes();    // all but bool
const std::vector<DType>& no_wide_unsigned();  // all but uint16/32/64

// The table, built once.
const std::vector<OpRow>& op_table();
const OpRow* find_op(std::string_view name);  // nullptr when no row has the name

// The dtype input i of a sample whose dtype is `dtype` gets.
DType input_dtype(const OpRow& row, size_t i, DType dtype);

// The float tolerance for a row's result of `dtype`: the row's override or the default, widened to
// a few ulps of float16/bfloat16.
Tolerance tolerance(const OpRow& row, DType dtype);

}  // namespace anvil::ops
