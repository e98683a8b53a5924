// Printing the `.uop` text form (text.h), and the arg/float helpers the parser shares.
#include <charconv>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "engine/ir/text.h"
#include "engine/support/hash.h"

namespace anvil {
namespace {

std::string hex(uint64_t v, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  for (int i = digits - 1; i >= 0; --i) out += kDigits[(v >> (4 * i)) & 0xf];
  return out;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\')
      out += {'\\', ch};
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\r')
      out += "\\r";
    else if (c < 0x20 || c >= 0x7f)
      out += "\\x" + hex(c, 2).substr(2);
    else
      out += ch;
  }
  return out + "\"";
}

std::string int_list(const std::vector<int64_t>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
  return out + "]";
}

// Shortest decimal that reads back as the same value of the dtype (float16 via float32).
std::string decimal(Scalar s, double d) {
  if (std::isnan(d)) return std::signbit(d) ? "-nan" : "nan";
  char buf[64];
  auto r = s == Scalar::Float64 ? std::to_chars(buf, buf + sizeof buf, d)
                                : std::to_chars(buf, buf + sizeof buf, static_cast<float>(d));
  return std::string(buf, r.ptr);
}

bool is_float_const(const UOp& u) {
  return u.op() == Op::CONST && !u.dtype().is_ptr && is_float(u.dtype().scalar) &&
         std::holds_alternative<double>(u.arg());
}

// The trailing comment of a line: the decimal value of a float constant.
std::string comment(const UOp& u) {
  if (!is_float_const(u)) {
    if (const auto* d = std::get_if<double>(&u.arg())) return "float64 bits, " + decimal(Scalar::Float64, *d);
    return "";
  }
  const Scalar s = u.dtype().scalar;
  if (!float_const_bits(s, u.arg_float()))
    return "not a " + name(s) + " value: " + decimal(Scalar::Float64, u.arg_float());
  return decimal(s, u.arg_float());
}

}  // namespace

ArgKind arg_kind(const Arg& arg) {
  switch (arg.index()) {
    case 1: return ArgKind::Int;
    case 2: return ArgKind::Float;
    case 3: return ArgKind::String;
    case 4: return ArgKind::Ints;
    case 5: return ArgKind::Var;
    case 6: return ArgKind::Reduce;
    default: return ArgKind::None;
  }
}

ArgKind expected_arg_kind(Op op, DType dtype) {
  switch (op) {
    case Op::CONST: return is_float(dtype.scalar) ? ArgKind::Float : ArgKind::Int;
    case Op::DEFINE_VAR: return ArgKind::Var;
    case Op::BUFFER:
    case Op::PARAM:
    case Op::RESHAPE:
    case Op::PERMUTE:
    case Op::EXPAND:
    case Op::PAD:
    case Op::SHRINK:
    case Op::FLIP: return ArgKind::Ints;
    case Op::REDUCE_AXIS:
    case Op::REDUCE: return ArgKind::Reduce;
    case Op::COPY:
    case Op::SPECIAL: return ArgKind::String;
    case Op::DEFINE_GLOBAL:
    case Op::DEFINE_LOCAL:
    case Op::DEFINE_REG:
    case Op::RANGE:
    case Op::BIND:
    case Op::GEP: return ArgKind::Int;
    default: return ArgKind::None;
  }
}

std::string_view arg_kind_name(ArgKind kind) {
  switch (kind) {
    case ArgKind::None: return "no arg";
    case ArgKind::Int: return "an int";
    case ArgKind::Float: return "a float";
    case ArgKind::String: return "a string";
    case ArgKind::Ints: return "an int list";
    case ArgKind::Var: return "a variable (name in [lo, hi])";
    case ArgKind::Reduce: return "a reduce arg (OP [axes])";
  }
  return "?";
}

std::optional<uint64_t> float_const_bits(Scalar s, double value) {
  uint64_t bits = 0;
  double back = 0;
  switch (s) {
    case Scalar::Float64: return double_bits(value);
    case Scalar::Float32: {
      if (std::isnan(value)) {  // by bits: compilers may fold float<->double conversions of a NaN
        const uint64_t b = double_bits(value);
        if (!(b & (uint64_t{1} << 51)) || (b & ((uint64_t{1} << 29) - 1))) return std::nullopt;
        return ((b >> 63) << 31) | 0x7f800000u | ((b >> 29) & 0x7fffff);
      }
      auto f = static_cast<float>(value);
      uint32_t b32;
      std::memcpy(&b32, &f, sizeof b32);
      bits = b32;
      back = f;
      break;
    }
    case Scalar::Float16:
      bits = f64_to_f16(value);
      back = f16_to_f32(static_cast<uint16_t>(bits));
      break;
    case Scalar::BFloat16:
      bits = f64_to_bf16(value);
      back = bf16_to_f32(static_cast<uint16_t>(bits));
      break;
    default: return std::nullopt;
  }
  if (double_bits(back) != double_bits(value)) return std::nullopt;
  return bits;
}

std::optional<double> float_const_from_bits(Scalar s, uint64_t bits) {
  double value = 0;
  if (s == Scalar::Float64) {
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }
  // 16/32-bit signaling NaNs (quiet bit clear) would come back quiet: refuse them rather than change them.
  const int mbits = s == Scalar::Float32 ? 23 : s == Scalar::Float16 ? 10 : s == Scalar::BFloat16 ? 7 : 0;
  if (mbits == 0 || bits >> (mbits == 23 ? 32 : 16)) return std::nullopt;
  const uint64_t exp_mask = ((uint64_t{1} << (anvil::bits(s) - 1 - mbits)) - 1) << mbits;
  if ((bits & exp_mask) == exp_mask && (bits & ((uint64_t{1} << mbits) - 1)) && !(bits & (uint64_t{1} << (mbits - 1))))
    return std::nullopt;
  switch (s) {
    case Scalar::Float32: {
      auto b32 = static_cast<uint32_t>(bits);
      float f;
      std::memcpy(&f, &b32, sizeof f);
      value = f;
      break;
    }
    case Scalar::Float16:
    case Scalar::BFloat16:
      value = s == Scalar::Float16 ? f16_to_f32(static_cast<uint16_t>(bits)) : bf16_to_f32(static_cast<uint16_t>(bits));
      break;
    default: return std::nullopt;
  }
  std::optional<uint64_t> again = float_const_bits(s, value);
  if (!again || *again != bits) return std::nullopt;
  return value;
}

std::string arg_text(const UOp& u) {
  const Arg& arg = u.arg();
  const DType dt = u.dtype();
  if (const auto* i = std::get_if<int64_t>(&arg)) {
    if (u.op() == Op::CONST && !dt.is_ptr && dt.scalar == Scalar::Bool && (*i == 0 || *i == 1))
      return *i ? "true" : "false";
    if (u.op() == Op::CONST && !dt.is_ptr && dt.scalar == Scalar::UInt64)
      return std::to_string(static_cast<uint64_t>(*i));
    return std::to_string(*i);
  }
  if (const auto* d = std::get_if<double>(&arg)) {
    if (is_float_const(u))
      if (std::optional<uint64_t> b = float_const_bits(dt.scalar, *d)) return hex(*b, bits(dt.scalar) / 4);
    return hex(double_bits(*d), 16);
  }
  if (const auto* s = std::get_if<std::string>(&arg)) return quoted(*s);
  if (const auto* v = std::get_if<std::vector<int64_t>>(&arg)) return int_list(*v);
  if (const auto* v = std::get_if<VarArg>(&arg)) {
    std::string n = is_identifier(v->name) ? v->name : quoted(v->name);
    return n + " in [" + std::to_string(v->lo) + ", " + std::to_string(v->hi) + "]";
  }
  if (const auto* r = std::get_if<ReduceArg>(&arg)) return std::string(op_name(r->op)) + " " + int_list(r->axes);
  return "";
}

std::string to_text(const UOp& root) { return to_text(std::vector<UOp>{root}); }

std::string to_text(const std::vector<UOp>& roots) {
  // Keyed by node identity; every key is held by `order`, so no address is reused meanwhile.
  std::unordered_map<UOp, size_t, UOpHash> ids;
  std::vector<UOp> order;
  for (const UOp& root : roots)
    for (UOp& u : root.toposort())
      if (ids.emplace(u, order.size()).second) order.push_back(std::move(u));
  std::vector<bool> used(order.size(), false);
  std::string out;
  for (const UOp& u : order) {
    out += "%" + std::to_string(ids.at(u)) + " = " + std::string(op_name(u.op())) + " " + name(u.dtype());
    if (!u.src().empty()) {
      out += " (";
      for (size_t i = 0; i < u.src().size(); ++i) {
        size_t id = ids.at(u.src(i));
        used[id] = true;
        out += (i ? ", %" : "%") + std::to_string(id);
      }
      out += ")";
    }
    if (std::string a = arg_text(u); !a.empty()) out += " " + a;
    if (std::string c = comment(u); !c.empty()) out += "  # " + c;
    out += "\n";
  }
  // The parser's default roots are the unused nodes in file order; say so explicitly otherwise.
  std::vector<size_t> want, unused;
  for (const UOp& r : roots)
    if (r) want.push_back(ids.at(r));
  for (size_t i = 0; i < order.size(); ++i)
    if (!used[i]) unused.push_back(i);
  if (want != unused) {
    out += "roots";
    for (size_t i = 0; i < want.size(); ++i) out += (i ? ", %" : " %") + std::to_string(want[i]);
    out += "\n";
  }
  return out;
}

}  // namespace anvil
