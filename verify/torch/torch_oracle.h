#pragma once
// The PyTorch oracle behind a plain-buffer interface: neither anvil nor torch headers here, so the
// C++20 harness and the C++17 torch translation units (torch 1.13's headers do not build as C++20
// under clang 14) meet only on these structs. Ops are keyed by the op table's row names.
#include <cstdint>
#include <string>
#include <vector>

namespace anvil::torch_oracle {

// A dense row-major tensor: shape, anvil's dtype name ("float32", "bfloat16", "uint32", ...) and
// its elements as little-endian bytes, itemsize each.
struct PlainTensor {
  std::vector<int64_t> shape;
  std::string dtype;
  std::vector<uint8_t> bytes;
};

// How torch computed a result.
enum class Mode {
  Direct,          // torch on the inputs' own dtypes; the result dtype is torch's
  Float32Rounded,  // torch CPU lacks the op for float16/bfloat16: computed in float32, rounded back
  Widened,         // torch 1.13 has no uint16/32/64: computed in int64; the dtype is not comparable
  None,            // no torch twin for this row
};
const char* mode_name(Mode m);

struct Result {
  Mode mode = Mode::None;
  bool ok = false;    // false: torch raised (error says why) or there is no twin
  std::string error;  // torch's message, first line
  PlainTensor value;  // when ok
};

// torch.promote_types of two anvil dtype names, as an anvil dtype name; "" when either has no torch
// type of its own (uint16/32/64, which torch 1.13 lacks).
std::string promote_types(const std::string& a, const std::string& b);

bool has_op(const std::string& name);
std::vector<std::string> op_names();

// Evaluates row `name` on the inputs with torch.
Result evaluate(const std::string& name, const std::vector<PlainTensor>& inputs);

// Torch autograd on the same op: the gradient of sum(out * upstream) with respect to each input
// whose dtype is a float type (an input of another dtype gets an entry with an empty dtype).
struct GradResult {
  Mode mode = Mode::None;
  bool ok = false;
  std::string error;
  std::vector<PlainTensor> grads;
};
GradResult gradients(const std::string& name, const std::vector<PlainTensor>& inputs, const PlainTensor& upstream);

}  // namespace anvil::torch_oracle
