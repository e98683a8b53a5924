#pragma once
// The llvm renderer's instruction emitter: fresh SSA names and labels, helper and intrinsic
// bookkeeping, and every value computation (ALU ops, CAST, storage conversions) with exec_alu's
// meaning, as total LLVM IR text. render.cpp drives it over a program's control flow and memory.
#include <array>
#include <cstdint>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/dtype.h"
#include "engine/ir/ops.h"
#include "engine/runtime/llvm/helpers.h"

namespace anvil::llvmbe {

std::string reg_type(Scalar s);  // a value in a register
std::string mem_type(Scalar s);  // a value in memory
int int_bits(Scalar s);          // bool: 1
std::string zero(const std::string& llvm_type);
std::string int_literal(Scalar s, uint64_t raw);  // from its low bits, signed at its width

class Emitter {
 public:
  std::string fresh() { return "%t" + std::to_string(next_++); }
  std::string emit(const std::string& rhs) {
    std::string t = fresh();
    *out_ << "  " << t << " = " << rhs << "\n";
    return t;
  }
  void line(const std::string& s) { *out_ << "  " << s << "\n"; }
  std::string new_label(const char* what) { return std::string("L.") + what + std::to_string(next_++); }
  void label(const std::string& l) {
    *out_ << l << ":\n";
    cur_ = l;
  }
  void use_helper(std::string_view name) {
    if (!helpers_.insert(std::string(name)).second) return;
    const Helper& h = helper(name);
    for (std::string_view d : h.decls) decls_.insert(std::string(d));
    for (std::string_view n : h.needs) use_helper(n);
  }
  std::string call(const std::string& ret, const std::string& fn, const std::string& args) {
    if (fn.rfind("@anvil.", 0) == 0) use_helper(fn);
    return emit("call " + ret + " " + fn + "(" + args + ")");
  }
  std::string intrinsic(const std::string& ret, const std::string& name, const std::string& arg_types,
                        const std::string& args) {
    decls_.insert("declare " + ret + " " + name + "(" + arg_types + ")");
    if (ret == "void") {
      line("call void " + name + "(" + args + ")");
      return "";
    }
    return emit("call " + ret + " " + name + "(" + args + ")");
  }

  // Register value <-> storage bits (bool: i8, float16/bfloat16: i16); to_bits/from_bits also
  // reinterpret float32/float64 as integers (BITCAST).
  std::string to_mem(const std::string& a, Scalar s);
  std::string from_mem(const std::string& b, Scalar s);
  std::string to_bits(const std::string& a, Scalar s);
  std::string from_bits(const std::string& b, Scalar s);
  // CAST between scalar types, as exec_alu's cast.
  std::string cast(const std::string& a, Scalar from, Scalar to);
  // float -> float16/bfloat16 and back, as interp rounds after every op; other types unchanged.
  std::string round_small(const std::string& a, Scalar s);
  // One lane of an ALU op (CAST and WHERE included): `in` are the sources' dtypes.
  std::string alu(Op op, Scalar out, const std::array<Scalar, 3>& in, const std::vector<std::string>& a);

 protected:
  std::ostream* out_ = nullptr;  // where instructions go (the entry block or the body)
  std::string cur_;              // the block being emitted, for phis
  int next_ = 0;
  std::set<std::string> helpers_, decls_;
  // Give float results interp's NaN payloads (@anvil.fixnan.*). Only a BITCAST of a float can see a
  // payload (the matrix and every comparison take any NaN for any NaN), and the fix-up blocks
  // vectorization, so the renderer turns it on only for kernels with such a BITCAST.
  bool fix_nan_ = true;

 private:
  std::string compare(Op op, Scalar t, const std::string& a, const std::string& b);
  std::string float_alu(Op op, Scalar out, const std::vector<std::string>& a);
  std::string int_alu(Op op, Scalar out, const std::array<Scalar, 3>& in, std::vector<std::string> a);
  std::string div_mod(Op op, const std::string& t, bool sgn, const std::string& a, const std::string& b);
};

}  // namespace anvil::llvmbe
