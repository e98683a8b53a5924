#pragma once
// The llvm backend's renderer: a linear program (engine/codegen/linearize.h) as an LLVM 15 module
// in text form (opaque pointers) defining the host ABI of engine/runtime/backend.h:
//   define void @NAME(ptr %bufs, ptr %vars)
// Total code with interp's values (DESIGN.md, Semantics): no nsw/nuw/exact, no fast-math, guarded
// divisors, masked shifts, saturating float->int casts, float16/bfloat16 stored as i16 and
// computed in float with explicit rounding. Text only: no LLVM headers here.
#include <span>
#include <string>

#include "engine/ir/uop.h"

namespace anvil::llvmbe {

std::string render(std::span<const UOp> program, const std::string& fn_name);

}  // namespace anvil::llvmbe
