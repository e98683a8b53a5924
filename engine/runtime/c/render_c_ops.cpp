// One scalar lane of each op as a C expression, with interp's value (engine/ir/alu.cpp; float32
// EXP2/LOG2/SIN: within tolerance.h, see c_prelude.cpp). Integer
// arithmetic goes through unsigned types (wrapping without relying on -fwrapv); floats compute in
// their C type and float16/bfloat16 results are rounded by anvil_rh/anvil_rb after every op.
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "engine/runtime/c/render_c.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"

namespace anvil {
namespace {

bool is_half(Scalar s) { return s == Scalar::Float16 || s == Scalar::BFloat16; }
int width(Scalar s) { return s == Scalar::Index ? 64 : bits(s); }

// The unsigned type arithmetic of s wraps in: at least 32 bits, so no operand promotes to int.
std::string work_type(Scalar s) { return width(s) > 32 ? "uint64_t" : "uint32_t"; }
// The unsigned type of exactly s's width, for bit views.
std::string exact_unsigned(Scalar s) { return "uint" + std::to_string(width(s)) + "_t"; }

// The suffix of the prelude's per-type helpers: i8 .. i64 (index too), u8 .. u64.
std::string int_suffix(Scalar s) { return (is_unsigned(s) ? "u" : "i") + std::to_string(width(s)); }

std::string paren(const std::string& e) { return "(" + e + ")"; }

// A float result of type s: float16/bfloat16 are rounded back to their grid.
std::string rounded(Scalar s, const std::string& e) {
  if (s == Scalar::Float16) return "anvil_rh(" + e + ")";
  if (s == Scalar::BFloat16) return "anvil_rb(" + e + ")";
  return e;
}

std::string float_alu(Op op, Scalar out, std::span<const std::string> in) {
  const bool f64 = out == Scalar::Float64;
  const std::string fs = f64 ? "" : "f";  // libm suffix: float32 math for float32 and the half types
  const std::string a = in[0], b = in.size() > 1 ? in[1] : "";
  // float64 and the half types: transcendentals in double with libm, rounded once: interp's value.
  const std::string ta = f64 ? a : "(double)" + a;
  switch (op) {
    case Op::NEG: return "(-(" + a + "))";  // never "--" before a negative literal
    case Op::RECIP: return rounded(out, paren((f64 ? "1.0 / " : "1.0f / ") + a));
    case Op::SQRT: return rounded(out, "sqrt" + fs + paren(a));
    // float32: the prelude's polynomials (no libm call, so the loop vectorizes), within tolerance.h.
    case Op::EXP2: return out == Scalar::Float32 ? "anvil_exp2_f32" + paren(a) : rounded(out, "exp2" + paren(ta));
    case Op::LOG2: return out == Scalar::Float32 ? "anvil_log2_f32" + paren(a) : rounded(out, "log2" + paren(ta));
    case Op::SIN: return out == Scalar::Float32 ? "anvil_sin_f32" + paren(a) : rounded(out, "sin" + paren(ta));
    case Op::TRUNC: return "trunc" + fs + paren(a);
    case Op::ADD: return rounded(out, paren(a + " + " + b));
    case Op::SUB: return rounded(out, paren(a + " - " + b));
    case Op::MUL: return rounded(out, paren(a + " * " + b));
    case Op::FDIV: return rounded(out, paren(a + " / " + b));
    case Op::MAX: return (f64 ? "anvil_max_f64(" : "anvil_max_f32(") + a + ", " + b + ")";
    case Op::MIN: return (f64 ? "anvil_min_f64(" : "anvil_min_f32(") + a + ", " + b + ")";
    case Op::MULACC: return rounded(out, paren(rounded(out, paren(a + " * " + b)) + " + " + in[2]));
    default: ANVIL_UNREACHABLE() << "c: " << op_name(op) << " on " << name(out);
  }
  return "";
}

// bool: integer ops on 0/1, then != 0 (alu.h): ADD is OR, SUB XOR, MUL AND.
std::string bool_alu(Op op, std::span<const std::string> in) {
  const std::string a = in[0], b = in.size() > 1 ? in[1] : "";
  switch (op) {
    case Op::NOT: return paren("!" + a);
    case Op::NEG: return a;
    case Op::ADD:
    case Op::OR:
    case Op::MAX: return paren(a + " | " + b);
    case Op::MUL:
    case Op::AND:
    case Op::MIN: return paren(a + " & " + b);
    case Op::SUB:
    case Op::XOR: return paren(a + " ^ " + b);
    case Op::MULACC: return paren("(" + a + " & " + b + ") | " + in[2]);
    case Op::TRUNCDIV:
    case Op::FLOORDIV: return a;  // b is 1, or 0 (poison)
    case Op::TRUNCMOD:
    case Op::FLOORMOD: return "((_Bool)0)";
    default: ANVIL_UNREACHABLE() << "c: " << op_name(op) << " on bool";
  }
  return "";
}

std::string int_alu(Op op, Scalar out, std::span<const std::string> in) {
  const std::string t = c_value_type(out), u = work_type(out), sfx = int_suffix(out);
  const std::string a = in[0], b = in.size() > 1 ? in[1] : "";
  auto wrap = [&](const std::string& e) { return "((" + t + ")(" + e + "))"; };
  auto ua = "(" + u + ")" + a, ub = "(" + u + ")" + b;
  const std::string count = "((" + u + ")" + b + " & " + std::to_string(width(out) - 1) + "u)";  // masked: never UB
  switch (op) {
    case Op::NEG: return wrap("(" + u + ")0 - " + ua);
    case Op::NOT: return wrap("~" + ua);
    case Op::ADD: return wrap(ua + " + " + ub);
    case Op::SUB: return wrap(ua + " - " + ub);
    case Op::MUL: return wrap(ua + " * " + ub);
    case Op::MULACC: return wrap(ua + " * " + ub + " + (" + u + ")" + in[2]);
    case Op::TRUNCDIV: return "anvil_tdiv_" + sfx + "(" + a + ", " + b + ")";
    case Op::TRUNCMOD: return "anvil_tmod_" + sfx + "(" + a + ", " + b + ")";
    case Op::FLOORDIV:  // unsigned: floor is trunc
      return (is_unsigned(out) ? "anvil_tdiv_" : "anvil_fdiv_") + sfx + "(" + a + ", " + b + ")";
    case Op::FLOORMOD:
      return (is_unsigned(out) || ANVIL_MUTANT(19) ? "anvil_tmod_" : "anvil_fmod_") + sfx + "(" + a + ", " + b + ")";
    case Op::MAX: return paren(a + " > " + b + " ? " + a + " : " + b);
    case Op::MIN: return paren(a + " < " + b + " ? " + a + " : " + b);
    case Op::AND: return wrap(ua + " & " + ub);
    case Op::OR: return wrap(ua + " | " + ub);
    case Op::XOR: return wrap(ua + " ^ " + ub);
    case Op::SHL: return wrap(ua + " << " + count);
    case Op::SHR:  // signed: arithmetic (gcc and clang define >> of a negative value so)
      return is_unsigned(out) || ANVIL_MUTANT(21) ? wrap(ua + " >> " + count) : wrap(a + " >> " + count);
    default: ANVIL_UNREACHABLE() << "c: " << op_name(op) << " on " << name(out);
  }
  return "";
}

std::string compare(Op op, std::span<const std::string> in) {
  const char* sym = op == Op::CMPLT ? " < " : op == Op::CMPLE ? " <= " : op == Op::CMPEQ ? " == " : " != ";
  return paren(in[0] + sym + in[1]);  // C's float comparisons are IEEE: NaN only != (no -ffast-math)
}

std::string hex64(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

}  // namespace

std::string c_value_type(Scalar s) {
  switch (s) {
    case Scalar::Bool: return "_Bool";
    case Scalar::Float16:
    case Scalar::BFloat16:
    case Scalar::Float32: return "float";
    case Scalar::Float64: return "double";
    case Scalar::Index: return "int64_t";
    case Scalar::Void: ANVIL_UNREACHABLE() << "c: a value of type void";
    default: return (is_unsigned(s) ? "uint" : "int") + std::to_string(bits(s)) + "_t";
  }
  return "";
}

std::string c_storage_type(Scalar s) {
  if (s == Scalar::Bool) return "uint8_t";
  if (is_half(s)) return "uint16_t";
  return c_value_type(s);
}

std::string c_literal(Scalar s, const Value& v) {
  ANVIL_CHECK(!v.poison) << "c: a poison literal";
  if (s == Scalar::Bool) return v.i != 0 ? "((_Bool)1)" : "((_Bool)0)";
  const uint64_t raw = value_bits(s, v);
  if (is_float(s)) {
    if (std::isfinite(v.f)) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%a%s", v.f, s == Scalar::Float64 ? "" : "f");
      return buf;
    }
    if (s == Scalar::Float64) return "anvil_f64_of(" + hex64(raw) + "ULL)";
    if (s == Scalar::Float32) return "anvil_f32_of(" + hex64(raw) + "u)";
    return (s == Scalar::Float16 ? "anvil_h2f(" : "anvil_b2f(") + hex64(raw) + ")";
  }
  const std::string t = c_value_type(s);
  if (v.i >= INT32_MIN && v.i <= INT32_MAX) return "((" + t + ")" + to_string(v.i) + ")";
  return "((" + t + ")" + hex64(raw) + "ULL)";  // the bit pattern: converting wraps
}

std::string c_cast(Scalar to, Scalar from, const std::string& x) {
  if (to == from) return x;
  if (to == Scalar::Bool) return paren(x + " != 0");  // NaN != 0 is true, as interp
  if (is_float(to) && !is_float(from)) {
    if (!is_half(to)) return "((" + c_value_type(to) + ")" + x + ")";                   // one rounding (cvtsi2ss/sd)
    if (from == Scalar::Bool || width(from) <= 32) return rounded(to, "(double)" + x);  // exact in double
    const std::string p = to == Scalar::Float16 ? "11" : "8";                           // round the 64-bit integer once
    return rounded(to, (is_unsigned(from) ? "anvil_round_u64(" : "anvil_round_i64(") + x + ", " + p + ")");
  }
  if (is_float(to)) {  // float -> float: from double directly, never through float32
    if (is_half(to)) return rounded(to, x);
    return "((" + c_value_type(to) + ")" + x + ")";
  }
  if (is_float(from) && !ANVIL_MUTANT(20)) return "anvil_f2" + int_suffix(to) + "(" + x + ")";
  return "((" + c_value_type(to) + ")" + x + ")";  // int -> int wraps (bool -> int: 0/1)
}

std::string c_alu(Op op, Scalar out, std::span<const Scalar> in_types, std::span<const std::string> in) {
  const Scalar t0 = in_types.empty() ? out : in_types[0];
  if (op == Op::WHERE) return paren(in[0] + " ? " + in[1] + " : " + in[2]);
  if (op == Op::CAST) return c_cast(out, t0, in[0]);
  if (op == Op::BITCAST) return c_from_bits(out, c_to_bits(t0, in[0]));
  if (in_group(op, opgroup::Compare)) return compare(op, in);
  if (is_float(out)) return float_alu(op, out, in);
  if (out == Scalar::Bool) return bool_alu(op, in);
  return int_alu(op, out, in);
}

std::string c_from_storage(Scalar s, const std::string& element) {
  if (s == Scalar::Bool) return paren(element + " != 0");
  if (s == Scalar::Float16) return "anvil_h2f(" + element + ")";
  if (s == Scalar::BFloat16) return "anvil_b2f(" + element + ")";
  return element;
}

std::string c_to_storage(Scalar s, const std::string& value) {
  if (s == Scalar::Bool) return "(uint8_t)" + value;
  if (s == Scalar::Float16) return "anvil_d2hbits(" + value + ")";
  if (s == Scalar::BFloat16) return "anvil_d2bbits(" + value + ")";
  return value;
}

std::string c_to_bits(Scalar s, const std::string& value) {
  switch (s) {
    case Scalar::Float64: return "anvil_f64_bits(" + value + ")";
    case Scalar::Float32: return "(uint64_t)anvil_f32_bits(" + value + ")";
    case Scalar::Float16: return "(uint64_t)anvil_d2hbits(" + value + ")";
    case Scalar::BFloat16: return "(uint64_t)anvil_d2bbits(" + value + ")";
    default: return "(uint64_t)(" + exact_unsigned(s) + ")" + value;
  }
}

std::string c_from_bits(Scalar s, const std::string& bits_expr) {
  switch (s) {
    case Scalar::Float64: return "anvil_f64_of(" + bits_expr + ")";
    case Scalar::Float32: return "anvil_f32_of((uint32_t)(" + bits_expr + "))";
    case Scalar::Float16: return "anvil_h2f((uint16_t)(" + bits_expr + "))";
    case Scalar::BFloat16: return "anvil_b2f((uint16_t)(" + bits_expr + "))";
    case Scalar::Bool: return "(((" + bits_expr + ") & 0xff) != 0)";
    default: return "((" + c_value_type(s) + ")(" + exact_unsigned(s) + ")(" + bits_expr + "))";
  }
}

}  // namespace anvil
