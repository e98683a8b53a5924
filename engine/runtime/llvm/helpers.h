#pragma once
// Small IR functions the llvm renderer calls for what LLVM has no total, interp-exact instruction
// for: float16/bfloat16 conversions (storage is i16, registers hold float), round-to-odd steps that
// avoid double rounding, IEEE maximum/minimum, interp's NaN results and float32 exp2/log2/sin
// (polynomials, so loops vectorize). All `internal` and alwaysinline, so O2 leaves no calls behind.
// Text only: no LLVM headers here.
#include <string>
#include <string_view>
#include <vector>

namespace anvil::llvmbe {

struct Helper {
  std::string_view name;                // "@anvil.h2f"
  std::vector<std::string_view> needs;  // helpers it calls
  std::vector<std::string_view> decls;  // intrinsic declarations it uses
  std::string_view text;                // the definition
};

// The helper named `name` (with its leading '@'); ANVIL_CHECK that it exists.
const Helper& helper(std::string_view name);

}  // namespace anvil::llvmbe
