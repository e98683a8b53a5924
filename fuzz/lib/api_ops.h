#pragma once
// The api target's op table: every public op of engine/tensor/tensor.h as one row: how a program
// line calls it, and how the generator writes its arguments (mostly valid, sometimes not: bad
// axes, mismatched shapes, wrong dtypes, negative and huge sizes, out-of-range indices).
#include <span>
#include <string>
#include <vector>

#include "fuzz/lib/api_program.h"
#include "fuzz/lib/source.h"

namespace anvil::fuzz::api {

// What the generator knows when it writes a line: the variables defined so far (their tensors,
// lazily built; empty handles for calls that raised) and the receiver.
struct GenCtx {
  Source& src;
  std::vector<std::pair<std::string, Tensor>> vars;
  Tensor self;

  int64_t nd();                                  // the receiver's rank (a guess without one)
  Shape self_shape();                            // the receiver's shape (a guess without one)
  std::string axis();                            // mostly in range, sometimes not
  std::string axes();                            // a list of axes
  std::string shape();                           // a small shape; sometimes negative or huge sizes
  std::string dtype();                           // any dtype
  std::string number();                          // ints, floats (inf, nan, -0.0), bools
  std::string wild_int(int64_t lo, int64_t hi);  // mostly in [lo, hi], sometimes extreme
  std::string tensor();                          // a variable, preferring the receiver's shape
  std::string operand();                         // a variable or a number
  std::string var();                             // any variable (a method's receiver)
};

struct OpSpec {
  const char* name;
  bool method;                         // tN.op (true) or op (a free or static function)
  Tensor (*run)(const Call& c);        // may raise anvil::Error; throws Malformed for bad text
  void (*gen)(GenCtx& g, Line& line);  // writes the arguments
};

std::span<const OpSpec> api_ops();     // every row: these of api_ops.cpp, then api_nn_ops()
std::span<const OpSpec> api_nn_ops();  // convolution ... losses (api_ops_nn.cpp)
const OpSpec* find_api_op(std::string_view name);

}  // namespace anvil::fuzz::api
