#pragma once
// The `c` backend's renderer: a linear program (engine/codegen/linearize.h) as one C function of
// the host ABI (engine/runtime/backend.h), `void NAME(void* const* buffers, const int64_t* vars)`,
// giving interp's values (engine/runtime/interp/program.h, engine/ir/alu.h) with total code:
// unsigned arithmetic for wrapping integers, guarded divisors, masked shift counts, saturating
// float->int casts, float16/bfloat16 stored as uint16_t and computed in float32, rounded after
// every op. Vector values are rendered lane by lane as scalars. The walk over the program is the
// C-family renderer's (render_c_family.h), shared with opencl and cuda; this is its c dialect.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/alu.h"
#include "engine/ir/uop.h"

namespace anvil {

// The whole translation unit: the part of c_prelude() the kernel calls (c_prelude_for), then the kernel.
std::string render_c(std::span<const UOp> program, const std::string& fn_name);

// The helper functions every kernel starts with (c_prelude.cpp).
const char* c_prelude();
// The part of c_prelude() that `code` needs: the #includes and the helpers it names, with theirs;
// all of c_prelude() when `code` names an `anvil_` identifier other than `self` that no helper defines.
std::string c_prelude_for(std::string_view code, std::string_view self);

// Pieces (render_c_ops.cpp), one scalar lane at a time.
std::string c_value_type(Scalar s);    // the type a value is computed in: float16 -> "float", bool -> "_Bool"
std::string c_storage_type(Scalar s);  // the type of a buffer element: float16 -> "uint16_t", bool -> "uint8_t"
std::string c_literal(Scalar s, const Value& v);
// An ALU op (or BITCAST of equal widths) on lanes already rendered as C expressions.
std::string c_alu(Op op, Scalar out, std::span<const Scalar> in_types, std::span<const std::string> in);
std::string c_cast(Scalar to, Scalar from, const std::string& x);
// A buffer element as a value, and a value as a buffer element.
std::string c_from_storage(Scalar s, const std::string& element);
std::string c_to_storage(Scalar s, const std::string& value);
// The bits of a value as uint64_t (low bits(s) bits), and a value from such bits.
std::string c_to_bits(Scalar s, const std::string& value);
std::string c_from_bits(Scalar s, const std::string& bits);

}  // namespace anvil
