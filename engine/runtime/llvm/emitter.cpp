#include "engine/runtime/llvm/emitter.h"

#include "engine/runtime/llvm/helpers.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"

namespace anvil::llvmbe {

// Registers: bool is i1, float16/bfloat16 are float holding the rounded value, index is i64.
std::string reg_type(Scalar s) {
  switch (s) {
    case Scalar::Bool: return "i1";
    case Scalar::Int8:
    case Scalar::UInt8: return "i8";
    case Scalar::Int16:
    case Scalar::UInt16: return "i16";
    case Scalar::Int32:
    case Scalar::UInt32: return "i32";
    case Scalar::Int64:
    case Scalar::UInt64:
    case Scalar::Index: return "i64";
    case Scalar::Float16:
    case Scalar::BFloat16:
    case Scalar::Float32: return "float";
    case Scalar::Float64: return "double";
    default: break;
  }
  ANVIL_UNREACHABLE() << "llvm: no register type for " << name(s);
  return "";
}

// Memory: bool is a byte, float16/bfloat16 are their i16 bits.
std::string mem_type(Scalar s) {
  if (s == Scalar::Bool) return "i8";
  if (s == Scalar::Float16 || s == Scalar::BFloat16) return "i16";
  return reg_type(s);
}

int int_bits(Scalar s) { return s == Scalar::Bool ? 1 : bits(s); }

std::string zero(const std::string& t) {
  if (t == "i1") return "false";
  if (t == "float" || t == "double") return "0.0";
  if (t == "ptr") return "null";
  return "0";
}

// An integer constant of type s from its low bits, printed signed at its width.
std::string int_literal(Scalar s, uint64_t raw) {
  if (s == Scalar::Bool) return raw != 0 ? "true" : "false";
  const int w = int_bits(s);
  const auto v = static_cast<int64_t>(w == 64 ? raw : raw << (64 - w)) >> (64 - w);
  return std::to_string(v);
}

// Register value -> its storage bits (bool: i8, float16/bfloat16: i16), and back.
std::string Emitter::to_mem(const std::string& a, Scalar s) {
  switch (s) {
    case Scalar::Bool: return emit("zext i1 " + a + " to i8");
    case Scalar::Float16: return call("i16", "@anvil.f2h", "float " + a);
    case Scalar::BFloat16: return call("i16", "@anvil.f2bf", "float " + a);
    default: return a;
  }
}
std::string Emitter::from_mem(const std::string& b, Scalar s) {
  switch (s) {
    case Scalar::Bool: return emit("icmp ne i8 " + b + ", 0");
    case Scalar::Float16: return call("float", "@anvil.h2f", "i16 " + b);
    case Scalar::BFloat16: return call("float", "@anvil.bf2f", "i16 " + b);
    default: return b;
  }
}
std::string Emitter::to_bits(const std::string& a, Scalar s) {
  if (s == Scalar::Float32) return emit("bitcast float " + a + " to i32");
  if (s == Scalar::Float64) return emit("bitcast double " + a + " to i64");
  return to_mem(a, s);
}
std::string Emitter::from_bits(const std::string& b, Scalar s) {
  if (s == Scalar::Float32) return emit("bitcast i32 " + b + " to float");
  if (s == Scalar::Float64) return emit("bitcast i64 " + b + " to double");
  return from_mem(b, s);
}

// CAST between scalar types, as exec_alu's cast.
std::string Emitter::cast(const std::string& a, Scalar from, Scalar to) {
  if (from == to) return a;
  const std::string tf = reg_type(from), tt = reg_type(to);
  if (to == Scalar::Bool)
    return is_float(from) ? emit("fcmp une " + tf + " " + a + ", 0.0") : emit("icmp ne " + tf + " " + a + ", 0");
  if (is_float(from) && is_float(to)) {
    if (to == Scalar::Float64) return emit("fpext float " + a + " to double");
    if (from == Scalar::Float64) {
      if (to == Scalar::Float32) return emit("fptrunc double " + a + " to float");
      return call("float", to == Scalar::Float16 ? "@anvil.d2h" : "@anvil.d2bf", "double " + a);
    }
    if (to == Scalar::Float32) return a;  // float16/bfloat16 registers already hold the exact value
    return round_small(a, to);
  }
  if (is_float(from)) {
    const std::string it = "i" + std::to_string(int_bits(to));
    const std::string name = std::string(is_unsigned(to) ? "@llvm.fptoui.sat." : "@llvm.fptosi.sat.") + it + "." +
                             (tf == "double" ? "f64" : "f32");
    return intrinsic(it, name, tf, tf + " " + a);
  }
  const bool sgn = from != Scalar::Bool && !is_unsigned(from);
  if (is_float(to)) {
    if (to == Scalar::Float32 || to == Scalar::Float64)
      return emit((sgn ? "sitofp " : "uitofp ") + tf + " " + a + " to " + tt);
    // float16/bfloat16: round to odd in float first, so the value is rounded once (as interp).
    std::string x = int_bits(from) == 64 ? a : emit((sgn ? "sext " : "zext ") + tf + " " + a + " to i64");
    std::string f;
    if (sgn) {
      const std::string neg = emit("icmp slt i64 " + x + ", 0");
      const std::string mag = emit("select i1 " + neg + ", i64 " + emit("sub i64 0, " + x) + ", i64 " + x);
      const std::string pos = call("float", "@anvil.u2f.odd", "i64 " + mag);
      f = emit("select i1 " + neg + ", float " + emit("fneg float " + pos) + ", float " + pos);
    } else {
      f = call("float", "@anvil.u2f.odd", "i64 " + x);
    }
    return round_small(f, to);
  }
  const int bf = int_bits(from), bt = int_bits(to);
  if (bf == bt) return a;
  if (bf > bt) return emit("trunc " + tf + " " + a + " to " + tt);
  const bool ext_signed = ANVIL_MUTANT(23) ? !is_unsigned(to) : sgn;
  return emit((ext_signed ? "sext " : "zext ") + tf + " " + a + " to " + tt);
}

std::string Emitter::round_small(const std::string& a, Scalar s) {
  if (s == Scalar::Float16) return call("float", "@anvil.round.f16", "float " + a);
  if (s == Scalar::BFloat16) return call("float", "@anvil.round.bf16", "float " + a);
  return a;
}

// ---- ALU -------------------------------------------------------------------------------------
std::string Emitter::alu(Op op, Scalar out, const std::array<Scalar, 3>& in, const std::vector<std::string>& a) {
  if (op == Op::WHERE)
    return emit("select i1 " + a[0] + ", " + reg_type(out) + " " + a[1] + ", " + reg_type(out) + " " + a[2]);
  if (op == Op::CAST) return cast(a[0], in[0], out);
  if (in_group(op, opgroup::Compare)) return compare(op, in[0], a[0], cast(a[1], in[1], in[0]));
  if (is_float(out)) return float_alu(op, out, a);
  return int_alu(op, out, in, a);
}

std::string Emitter::compare(Op op, Scalar t, const std::string& a, const std::string& b) {
  const std::string ty = reg_type(t);
  if (is_float(t)) {
    const char* p = op == Op::CMPLT   ? "olt"
                    : op == Op::CMPLE ? "ole"
                    : op == Op::CMPEQ ? "oeq"
                                      : (ANVIL_MUTANT(22) ? "one" : "une");
    return emit(std::string("fcmp ") + p + " " + ty + " " + a + ", " + b);
  }
  const bool sgn = t != Scalar::Bool && !is_unsigned(t);
  const char* p = op == Op::CMPLT   ? (sgn ? "slt" : "ult")
                  : op == Op::CMPLE ? (sgn ? "sle" : "ule")
                  : op == Op::CMPEQ ? "eq"
                                    : "ne";
  return emit(std::string("icmp ") + p + " " + ty + " " + a + ", " + b);
}

std::string Emitter::float_alu(Op op, Scalar out, const std::vector<std::string>& a) {
  const std::string t = reg_type(out);
  const bool dbl = out == Scalar::Float64;
  const std::string sfx = dbl ? "f64" : "f32";
  auto fix = [&](const std::string& r, const std::string& x, const std::string& y) {
    if (!fix_nan_) return r;
    return call(t, "@anvil.fixnan." + sfx, t + " " + r + ", " + t + " " + x + ", " + t + " " + y);
  };
  auto rnd = [&](const std::string& r) { return round_small(r, out); };
  auto bin = [&](const char* ins) {
    return rnd(fix(emit(std::string(ins) + " " + t + " " + a[0] + ", " + a[1]), a[0], a[1]));
  };
  // IEEE 754-2019 maximum/minimum as @anvil.max/min (a NaN operand wins, -0 < +0), any NaN's bits.
  auto max_min = [&](bool mx) {
    const std::string it = dbl ? "i64" : "i32", x = a[0], y = a[1];
    const std::string neg = emit("icmp slt " + it + " " + emit("bitcast " + t + " " + x + " to " + it) + ", 0");
    const std::string e = emit("select i1 " + neg + ", " + t + " " + (mx ? y : x) + ", " + t + " " + (mx ? x : y));
    const std::string c = emit(std::string(mx ? "fcmp ogt " : "fcmp olt ") + t + " " + x + ", " + y);
    const std::string v0 = emit("select i1 " + c + ", " + t + " " + x + ", " + t + " " + y);
    const std::string eq = emit("fcmp oeq " + t + " " + x + ", " + y);
    const std::string v = emit("select i1 " + eq + ", " + t + " " + e + ", " + t + " " + v0);
    const std::string un = emit("fcmp uno " + t + " " + x + ", " + y);
    return emit("select i1 " + un + ", " + t + " 0x7FF8000000000000, " + t + " " + v);
  };
  auto unary = [&](const char* name) {
    return rnd(fix(intrinsic(t, std::string("@llvm.") + name + "." + sfx, t, t + " " + a[0]), a[0], a[0]));
  };
  switch (op) {
    case Op::NEG: return emit("fneg " + t + " " + a[0]);
    case Op::ADD: return bin("fadd");
    case Op::SUB: return bin("fsub");
    case Op::MUL: return bin("fmul");
    case Op::FDIV: return bin("fdiv");
    case Op::RECIP: return rnd(fix(emit("fdiv " + t + " 1.0, " + a[0]), a[0], a[0]));
    case Op::SQRT: return unary("sqrt");
    case Op::TRUNC: return unary("trunc");
    case Op::MAX:
    case Op::MIN:
      if (!fix_nan_) return rnd(max_min(op == Op::MAX));
      return rnd(call(t, std::string(op == Op::MAX ? "@anvil.max." : "@anvil.min.") + sfx,
                      t + " " + a[0] + ", " + t + " " + a[1]));
    case Op::MULACC: {
      const std::string p = rnd(fix(emit("fmul " + t + " " + a[0] + ", " + a[1]), a[0], a[1]));
      return rnd(fix(emit("fadd " + t + " " + p + ", " + a[2]), p, a[2]));
    }
    case Op::EXP2:
    case Op::LOG2:
    case Op::SIN: {
      // float32: polynomials (helpers.cpp) the loop vectorizer can take, within tolerance.h.
      const char* f32 = op == Op::EXP2 ? "@anvil.exp2.f32" : op == Op::LOG2 ? "@anvil.log2.f32" : "@anvil.sin.f32";
      if (out == Scalar::Float32) return call("float", f32, "float " + a[0]);
      // Otherwise in double with the C library, as interp does, then rounded once to the dtype.
      const char* name = op == Op::EXP2 ? "@llvm.exp2.f64" : op == Op::LOG2 ? "@llvm.log2.f64" : "@llvm.sin.f64";
      const std::string d = dbl ? a[0] : emit("fpext float " + a[0] + " to double");
      const std::string v = intrinsic("double", name, "double", "double " + d);
      const std::string r =
          fix_nan_ ? call("double", "@anvil.fixnan.f64", "double " + v + ", double " + d + ", double " + d) : v;
      return cast(r, Scalar::Float64, out);
    }
    default: break;
  }
  ANVIL_UNREACHABLE() << "llvm: " << op_name(op) << " on " << name(out);
  return "";
}

std::string Emitter::int_alu(Op op, Scalar out, const std::array<Scalar, 3>& in, std::vector<std::string> a) {
  if (out == Scalar::Bool && op != Op::NOT && op != Op::AND && op != Op::OR && op != Op::XOR) {
    // bool arithmetic is on 0/1, then x != 0 (exec_alu): compute in i8.
    for (std::string& x : a) x = emit("zext i1 " + x + " to i8");
    const std::array<Scalar, 3> i8s{Scalar::Int8, Scalar::Int8, Scalar::Int8};
    return emit("icmp ne i8 " + int_alu(op, Scalar::Int8, i8s, a) + ", 0");
  }
  const std::string t = reg_type(out);
  const bool sgn = !is_unsigned(out) && out != Scalar::Bool;
  for (size_t j = 1; j < a.size(); ++j) a[j] = cast(a[j], in[j], in[0]);  // operands in one type
  auto ins = [&](const char* i, const std::string& x, const std::string& y) {
    return emit(std::string(i) + " " + t + " " + x + ", " + y);
  };
  switch (op) {
    case Op::NEG: return ins("sub", "0", a[0]);
    case Op::NOT: return ins("xor", a[0], out == Scalar::Bool ? "true" : "-1");
    case Op::ADD: return ins("add", a[0], a[1]);
    case Op::SUB: return ins("sub", a[0], a[1]);
    case Op::MUL: return ins("mul", a[0], a[1]);
    case Op::MULACC: return ins("add", ins("mul", a[0], a[1]), a[2]);
    case Op::AND: return ins("and", a[0], a[1]);
    case Op::OR: return ins("or", a[0], a[1]);
    case Op::XOR: return ins("xor", a[0], a[1]);
    case Op::MAX:
    case Op::MIN: {
      const char* p = op == Op::MAX ? (sgn ? "sgt" : "ugt") : (sgn ? "slt" : "ult");
      const std::string c = emit(std::string("icmp ") + p + " " + t + " " + a[0] + ", " + a[1]);
      return emit("select i1 " + c + ", " + t + " " + a[0] + ", " + t + " " + a[1]);
    }
    case Op::SHL:
    case Op::SHR: {
      // A count outside [0, width) is poison in interp: masking gives some value, never LLVM poison.
      const std::string c = ins("and", a[1], std::to_string(int_bits(out) - 1));
      return ins(op == Op::SHL ? "shl" : (sgn ? "ashr" : "lshr"), a[0], c);
    }
    case Op::TRUNCDIV:
    case Op::TRUNCMOD:
    case Op::FLOORDIV:
    case Op::FLOORMOD: return div_mod(op, t, sgn, a[0], a[1]);
    default: break;
  }
  ANVIL_UNREACHABLE() << "llvm: " << op_name(op) << " on " << name(out);
  return "";
}

// Division with its divisor guarded even when the result is unused: x/0 and INT_MIN/-1 trap on
// x86 and are UB in LLVM. b == 0 is poison in interp (any value will do); b == -1 is -a and 0.
std::string Emitter::div_mod(Op op, const std::string& t, bool sgn, const std::string& a, const std::string& b) {
  auto ins = [&](const std::string& i, const std::string& x, const std::string& y) {
    return emit(i + " " + t + " " + x + ", " + y);
  };
  const std::string is0 = emit("icmp eq " + t + " " + b + ", 0");
  if (!sgn) {
    const std::string d = emit("select i1 " + is0 + ", " + t + " 1, " + t + " " + b);
    return ins(op == Op::TRUNCDIV || op == Op::FLOORDIV ? "udiv" : "urem", a, d);
  }
  const std::string m1 = emit("icmp eq " + t + " " + b + ", -1");
  const std::string bad = emit("or i1 " + is0 + ", " + m1);
  const std::string d = emit("select i1 " + bad + ", " + t + " 1, " + t + " " + b);
  const bool div = op == Op::TRUNCDIV || op == Op::FLOORDIV;
  const std::string q = ins("sdiv", a, d), r = ins("srem", a, d);
  std::string res = div ? q : r;
  if (op == Op::FLOORDIV || op == Op::FLOORMOD) {  // round toward -inf: fix up when signs differ
    const std::string rnz = emit("icmp ne " + t + " " + r + ", 0");
    const std::string neg = emit("icmp slt " + t + " " + ins("xor", r, b) + ", 0");
    const std::string adj = emit("and i1 " + rnz + ", " + neg);
    const std::string fixed = div ? ins("sub", q, "1") : ins("add", r, b);
    res = emit("select i1 " + adj + ", " + t + " " + fixed + ", " + t + " " + res);
  }
  const std::string special = div ? ins("sub", "0", a) : "0";
  return emit("select i1 " + m1 + ", " + t + " " + special + ", " + t + " " + res);
}

}  // namespace anvil::llvmbe
