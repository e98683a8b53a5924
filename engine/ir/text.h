#pragma once
// The `.uop` text form: one node per line, children first, so a graph is a file a person can read
// and diff. `print(parse(t)) == t` for printed text, `parse(print(g)) == g` for graphs whose args
// are of their op's kind and whose constants are canonical for their dtype.
//
//   # comment                                  (`#` to end of line; blank lines ignored)
//   %0 = DEFINE_VAR index x in [0, 10]
//   %1 = CONST index 4
//   %2 = MUL index (%0, %1)
//   %3 = CONST float32 0x3fc00000  # 1.5       (floats: the dtype's exact bits; the comment is regenerated)
//   roots %2, %3                               (only when the unused nodes are not the roots)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

// Several roots print once each, shared nodes once; the last line is the (last) root.
std::string to_text(const UOp& root);
std::string to_text(const std::vector<UOp>& roots);

// Roots: the nodes whose names nobody in the file uses, in file order (or those a `roots` line
// lists). Malformed text raises anvil::Error("parse", "FILE:LINE:COL: ..."); never crashes.
std::vector<UOp> parse_text(std::string_view text, std::string_view filename = "<text>");
UOp parse_one(std::string_view text, std::string_view filename = "<text>");  // exactly one root

// Which arg an op carries: the parser needs it to read a line, the stage validators to check one.
enum class ArgKind { None, Int, Float, String, Ints, Var, Reduce };
ArgKind arg_kind(const Arg& arg);
ArgKind expected_arg_kind(Op op, DType dtype);  // CONST: Float for float dtypes, else Int
std::string_view arg_kind_name(ArgKind kind);

// The arg as the text form writes it (no comment); "" for none. dot.cpp labels nodes with it.
std::string arg_text(const UOp& u);

// Exact bits of a float constant in its dtype, when the double is a value of that dtype (a
// non-canonical or signaling-NaN payload that the dtype cannot hold gives nullopt).
std::optional<uint64_t> float_const_bits(Scalar s, double value);
// The double for a float dtype's bit pattern; nullopt when printing it again could not give the
// same bits (16/32-bit signaling NaNs: the IR keeps those NaNs quiet, see round_to).
std::optional<double> float_const_from_bits(Scalar s, uint64_t bits);

}  // namespace anvil
