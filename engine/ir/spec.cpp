#include "engine/ir/spec.h"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "engine/ir/text.h"
#include "engine/support/check.h"
#include "engine/support/hash.h"

namespace anvil {
namespace {

using Problem = std::optional<std::string>;

// Which stages admit each op; what each must look like follows in typing_rule (all stages) and
// kernel_rule / tensor_rule. An op missing here is allowed nowhere (REDUCE: gone before linearizing).
enum : uint8_t { I = 1 << 0, K = 1 << 1, T = 1 << 2 };
struct Allowed {
  Op op;
  uint8_t stages;
};
// clang-format off
constexpr Allowed kAllowed[] = {
  {Op::CONST, I | K | T},     {Op::DEFINE_VAR, I | K | T},
  // Integer ALU: everywhere.
  {Op::ADD, I | K | T},       {Op::SUB, I | K | T},       {Op::MUL, I | K | T},       {Op::NEG, I | K | T},
  {Op::TRUNCDIV, I | K | T},  {Op::TRUNCMOD, I | K | T},  {Op::FLOORDIV, I | K | T},  {Op::FLOORMOD, I | K | T},
  {Op::MAX, I | K | T},       {Op::MIN, I | K | T},       {Op::CMPLT, I | K | T},     {Op::CMPLE, I | K | T},
  {Op::CMPEQ, I | K | T},     {Op::CMPNE, I | K | T},     {Op::AND, I | K | T},       {Op::OR, I | K | T},
  {Op::XOR, I | K | T},       {Op::NOT, I | K | T},       {Op::SHL, I | K | T},       {Op::SHR, I | K | T},
  {Op::WHERE, I | K | T},     {Op::MULACC, I | K | T},    {Op::CAST, I | K | T},      {Op::RANGE, I | K},
  // Float ALU and bit casts: not in integer expressions.
  {Op::FDIV, K | T},          {Op::RECIP, K | T},         {Op::SQRT, K | T},          {Op::EXP2, K | T},
  {Op::LOG2, K | T},          {Op::SIN, K | T},           {Op::TRUNC, K | T},         {Op::BITCAST, K | T},
  // Kernels.
  {Op::DEFINE_GLOBAL, K},     {Op::DEFINE_LOCAL, K},      {Op::DEFINE_REG, K},        {Op::END, K},
  {Op::SPECIAL, K},           {Op::INDEX, K},             {Op::LOAD, K},              {Op::STORE, K},
  {Op::IF, K},                {Op::ENDIF, K},             {Op::BARRIER, K},           {Op::VECTORIZE, K},
  {Op::GEP, K},               {Op::SINK, K | T},
  // Tensor graphs.
  {Op::BUFFER, T},            {Op::PARAM, T},             {Op::RESHAPE, T},           {Op::PERMUTE, T},
  {Op::EXPAND, T},            {Op::PAD, T},               {Op::SHRINK, T},            {Op::FLIP, T},
  {Op::REDUCE_AXIS, T},       {Op::CONTIGUOUS, T},        {Op::COPY, T},              {Op::ASSIGN, T},
  {Op::DETACH, T},           {Op::BIND, T},
};
// clang-format on

uint8_t stages_of(Op op) {
  static const std::array<uint8_t, kOpCount> table = [] {
    std::array<uint8_t, kOpCount> t{};
    for (const Allowed& a : kAllowed) t[static_cast<int>(a.op)] = a.stages;
    return t;
  }();
  return table[static_cast<int>(op)];
}

uint8_t stage_bit(Stage s) {
  switch (s) {
    case Stage::IntExpr: return I;
    case Stage::Kernel: return K;
    case Stage::Tensor: return T;
  }
  return 0;
}

std::string who(const UOp& u) { return std::string(op_name(u.op())) + " " + name(u.dtype()); }
Problem fail(const UOp& u, const std::string& rule) { return who(u) + ": " + rule; }

bool is_value(const DType& d) { return !d.is_ptr && d.scalar != Scalar::Void; }
bool is_int_like_scalar(const DType& d) { return !d.is_ptr && (is_int(d.scalar) || d.scalar == Scalar::Bool); }
bool is_int_scalar(const DType& d) { return is_int(d) && d.count == 1; }

// A LOAD or STORE moves the pointee, or K lanes of a scalar pointee: elements idx..idx+K-1 (vectorize).
bool lanes_of_pointee(const DType& value, const DType& ptr) {
  const DType elem = ptr.elem();
  return value == elem || (elem.count == 1 && value.scalar_type() == elem && !value.is_ptr);
}

Problem sources_of_own_dtype(const UOp& u) {
  for (size_t i = 0; i < u.src().size(); ++i)
    if (!(u.src(i).dtype() == u.dtype()))
      return fail(u, "source " + std::to_string(i) + " must be " + name(u.dtype()) + ", is " + name(u.src(i).dtype()));
  return std::nullopt;
}

Problem const_rule(const UOp& u) {
  const DType d = u.dtype();
  if (!is_value(d)) return fail(u, "a constant needs a value dtype");
  if (is_float(d.scalar)) {
    double x = u.arg_float();
    if (double_bits(round_to(d.scalar, x)) != double_bits(x)) return fail(u, "value is not rounded to its dtype");
    return std::nullopt;
  }
  int64_t v = u.arg_int();
  if (static_cast<int64_t>(wrap_int(d.scalar, v)) != v) return fail(u, "value is not wrapped to its dtype");
  return std::nullopt;
}

Problem var_rule(const UOp& u) {
  if (!is_intlike(u.dtype())) return fail(u, "a variable is an integer or bool scalar");
  const VarArg& v = u.arg_var();
  if (v.lo > v.hi) return fail(u, "variable " + v.name + " has lo > hi");
  if (v.lo < int_min(u.dtype().scalar) || v.hi > int_max(u.dtype().scalar))
    return fail(u, "variable " + v.name + " bounds outside its dtype's range");
  return std::nullopt;
}

// BIND(x, DEFINE_VAR v) axis: x's size at `axis` is v's value, so it must lie in v's range.
Problem bind_rule(const UOp& u) {
  const UOp& x = u.src(0);
  const UOp& v = u.src(1);
  if (v.op() != Op::DEFINE_VAR || !(v.dtype() == dtypes::index)) return fail(u, "source 1 must be an index DEFINE_VAR");
  if (!(u.dtype() == x.dtype())) return fail(u, "keeps its source's dtype");
  if (!x.shape() || u.arg_int() < 0 || u.arg_int() >= static_cast<int64_t>(x.shape()->size()))
    return fail(u, "axis out of range");
  const int64_t size = (*x.shape())[static_cast<size_t>(u.arg_int())];
  const VarArg& a = v.arg_var();
  if (size < a.lo || size > a.hi) return fail(u, "bound value outside " + a.name + "'s range");
  return std::nullopt;
}

// Typing rules common to all stages: what an op computes from what.
Problem typing_rule(const UOp& u) {
  const Op op = u.op();
  const DType d = u.dtype();
  const ArgKind want = expected_arg_kind(op, d);
  if (arg_kind(u.arg()) != want) return fail(u, "arg must be " + std::string(arg_kind_name(want)));
  switch (op) {
    case Op::CONST: return const_rule(u);
    case Op::DEFINE_VAR: return var_rule(u);
    case Op::ADD:
    case Op::SUB:
    case Op::MUL:
    case Op::MAX:
    case Op::MIN:
    case Op::MULACC:
      if (!is_value(d)) return fail(u, "arithmetic needs a value dtype");
      return sources_of_own_dtype(u);
    case Op::TRUNCDIV:
    case Op::TRUNCMOD:
    case Op::FLOORDIV:
    case Op::FLOORMOD:
    case Op::SHL:
    case Op::SHR:
      if (!is_int(d)) return fail(u, "integers only (not bool, not floats)");
      return sources_of_own_dtype(u);
    case Op::FDIV:
    case Op::RECIP:
    case Op::SQRT:
    case Op::EXP2:
    case Op::LOG2:
    case Op::SIN:
    case Op::TRUNC:
      if (!is_float(d)) return fail(u, "floats only");
      return sources_of_own_dtype(u);
    case Op::AND:
    case Op::OR:
    case Op::XOR:
    case Op::NOT:
      if (!is_int_like_scalar(d)) return fail(u, "bool or integers only");
      return sources_of_own_dtype(u);
    case Op::NEG:
      if (!is_value(d) || d.scalar == Scalar::Bool) return fail(u, "negation of a number (not bool)");
      return sources_of_own_dtype(u);
    case Op::CMPLT:
    case Op::CMPLE:
    case Op::CMPEQ:
    case Op::CMPNE: {
      const DType a = u.src(0).dtype();
      if (!is_value(a) || !(a == u.src(1).dtype())) return fail(u, "compares two values of one dtype");
      if (!(d == DType(dtypes::bool_).vec(a.count))) return fail(u, "a comparison is bool of its sources' width");
      return std::nullopt;
    }
    case Op::WHERE: {
      if (!is_value(d)) return fail(u, "where needs a value dtype");
      if (!(u.src(0).dtype() == DType(dtypes::bool_).vec(d.count)))
        return fail(u, "where's condition is bool of its width");
      if (!(u.src(1).dtype() == d) || !(u.src(2).dtype() == d)) return fail(u, "where's arms must be " + name(d));
      return std::nullopt;
    }
    case Op::CAST: {
      const DType s = u.src(0).dtype();
      if (!is_value(d) || !is_value(s) || s.count != d.count)
        return fail(u, "casts a value to a value of the same width");
      return std::nullopt;
    }
    case Op::BITCAST: {
      const DType s = u.src(0).dtype();
      if (!is_value(d) || !is_value(s) || bits(s.scalar) * s.count != bits(d.scalar) * d.count)
        return fail(u, "bitcast keeps the total bit width (" + name(s) + " is not " + name(d) + ")");
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

bool all_nonneg(const std::vector<int64_t>& v) {
  return std::all_of(v.begin(), v.end(), [](int64_t x) { return x >= 0; });
}

// Shape rules of the ops that belong to one stage (typing_rule already passed).
Problem kernel_rule(const UOp& u) {
  const DType d = u.dtype();
  const auto& src = u.src();
  switch (u.op()) {
    case Op::DEFINE_GLOBAL:
    case Op::DEFINE_LOCAL:
    case Op::DEFINE_REG: {
      const AddrSpace want = u.op() == Op::DEFINE_GLOBAL  ? AddrSpace::Global
                             : u.op() == Op::DEFINE_LOCAL ? AddrSpace::Local
                                                          : AddrSpace::Reg;
      if (!d.is_ptr || d.space != want || d.ptr_size < 0 || d.scalar == Scalar::Void)
        return fail(u, "needs a pointer in its address space with a known size");
      if (u.arg_int() < 0) return fail(u, "slot must be >= 0");
      return std::nullopt;
    }
    case Op::RANGE:
    case Op::SPECIAL:
      if (!is_int_scalar(d) || !(src[0].dtype() == d)) return fail(u, "its end is an integer of its own dtype");
      return std::nullopt;
    case Op::END:
      if (src.empty() || src[0].op() != Op::RANGE) return fail(u, "source 0 must be the RANGE it closes");
      if (!(d == dtypes::void_)) return fail(u, "dtype must be void");
      return std::nullopt;
    case Op::IF:
      if (!(src[0].dtype() == dtypes::bool_) || !(d == dtypes::void_)) return fail(u, "void, on a bool condition");
      return std::nullopt;
    case Op::ENDIF:
      if (src[0].op() != Op::IF || !(d == dtypes::void_)) return fail(u, "void, closing an IF");
      return std::nullopt;
    case Op::INDEX:
      if (src.size() < 2 || src.size() > 3) return fail(u, "sources: pointer, index[, gate]");
      if (!src[0].dtype().is_ptr || !(d == src[0].dtype())) return fail(u, "dtype must be its pointer's dtype");
      if (!is_int_scalar(src[1].dtype())) return fail(u, "the index must be an integer scalar");
      if (src.size() == 3 && !(src[2].dtype() == dtypes::bool_)) return fail(u, "the gate must be bool");
      return std::nullopt;
    case Op::LOAD: {
      // Trailing void sources (a STORE, an END) are ordering deps: they must run before the load.
      size_t n_values = src.size();
      while (n_values > 1 && src[n_values - 1].dtype() == dtypes::void_) --n_values;
      if (src.empty() || n_values > 2 || src[0].op() != Op::INDEX)
        return fail(u, "sources: INDEX[, alternative][, effects it waits for]");
      if (!lanes_of_pointee(d, src[0].dtype()))
        return fail(u, "loads the pointee dtype " + name(src[0].dtype().elem()) + ", or lanes of it");
      const bool gated = src[0].src().size() == 3;
      if (gated != (n_values == 2)) return fail(u, "an alternative value is needed exactly when the INDEX is gated");
      if (n_values == 2 && !(src[1].dtype() == d)) return fail(u, "the alternative must be " + name(d));
      for (size_t i = n_values; i < src.size(); ++i)
        if (src[i].op() != Op::STORE && src[i].op() != Op::END && src[i].op() != Op::BARRIER)
          return fail(u, "an ordering source is a STORE, END or BARRIER");
      return std::nullopt;
    }
    case Op::STORE:
      if (src.size() != 2 || src[0].op() != Op::INDEX) return fail(u, "sources: INDEX, value");
      if (!lanes_of_pointee(src[1].dtype(), src[0].dtype()))
        return fail(u, "stores the pointee dtype " + name(src[0].dtype().elem()) + ", or lanes of it");
      if (!(d == dtypes::void_)) return fail(u, "dtype must be void");
      return std::nullopt;
    case Op::SINK:
    case Op::BARRIER:
      if (!(d == dtypes::void_)) return fail(u, "dtype must be void");
      return std::nullopt;
    case Op::VECTORIZE:
      if (!is_value(d) || src.size() != d.count || d.count < 2) return fail(u, "one source per lane, two or more");
      for (const UOp& s : src)
        if (!(s.dtype() == d.scalar_type())) return fail(u, "lanes must be " + name(d.scalar_type()));
      return std::nullopt;
    case Op::GEP: {
      const DType s = src[0].dtype();
      if (!is_value(s) || !(d == s.scalar_type())) return fail(u, "takes one lane of a vector");
      if (u.arg_int() < 0 || u.arg_int() >= s.count) return fail(u, "lane out of range");
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

Problem tensor_rule(const UOp& u) {
  const auto& src = u.src();
  switch (u.op()) {
    case Op::BUFFER:
      if (u.arg_ints().size() != 2 || u.arg_ints()[1] < 0) return fail(u, "arg is {unique id, element count}");
      return std::nullopt;
    case Op::PARAM:
      if (u.arg_ints().size() != 1) return fail(u, "arg is {unique id}");
      return std::nullopt;
    case Op::RESHAPE:
    case Op::EXPAND:
    case Op::PERMUTE:
    case Op::FLIP:
    case Op::PAD:
    case Op::SHRINK: {
      const auto& a = u.arg_ints();
      if (!all_nonneg(a)) return fail(u, "movement arg entries must be >= 0");
      if ((u.op() == Op::PAD || u.op() == Op::SHRINK) && a.size() % 2) return fail(u, "arg is pairs per axis");
      if (u.op() == Op::SHRINK)
        for (size_t i = 0; i + 1 < a.size(); i += 2)
          if (a[i] > a[i + 1]) return fail(u, "shrink begins after it ends");
      if (!(u.dtype() == src[0].dtype())) return fail(u, "movement keeps the dtype");
      return std::nullopt;
    }
    case Op::REDUCE_AXIS: {
      const ReduceArg& r = u.arg_reduce();
      if (r.op != Op::ADD && r.op != Op::MUL && r.op != Op::MAX && r.op != Op::MIN)
        return fail(u, "reduces with ADD, MUL, MAX or MIN");
      if (!all_nonneg(r.axes)) return fail(u, "axes must be >= 0");
      if (!is_value(u.dtype())) return fail(u, "the accumulator is a value dtype");
      return std::nullopt;
    }
    case Op::CONTIGUOUS:
    case Op::DETACH:
    case Op::COPY:
      if (!(u.dtype() == src[0].dtype())) return fail(u, "keeps its source's dtype");
      return std::nullopt;
    case Op::ASSIGN:
      if (!(u.dtype() == src[0].dtype()) || !(u.dtype() == src[1].dtype()))
        return fail(u, "target, value and result share a dtype");
      return std::nullopt;
    case Op::BIND: return bind_rule(u);
    case Op::SINK:
      if (!(u.dtype() == dtypes::void_)) return fail(u, "dtype must be void");
      return std::nullopt;
    default: return std::nullopt;
  }
}

Problem node_rule(const UOp& u, Stage stage) {
  if (!(stages_of(u.op()) & stage_bit(stage))) return fail(u, "not allowed at stage " + std::string(stage_name(stage)));
  const int arity = op_arity(u.op());  // nodes are made with it checked; kept for graphs built by hand
  if (arity >= 0 && static_cast<int>(u.src().size()) != arity) return fail(u, "wrong number of sources");
  if (Problem p = typing_rule(u)) return p;
  switch (stage) {
    case Stage::IntExpr:
      if (!is_intlike(u.dtype())) return fail(u, "an integer expression is integer or bool scalars");
      if (u.op() == Op::RANGE && !(u.src(0).dtype() == u.dtype()))
        return fail(u, "its end is an integer of its own dtype");
      return std::nullopt;
    case Stage::Kernel: return kernel_rule(u);
    case Stage::Tensor: return tensor_rule(u);
  }
  return std::nullopt;
}

}  // namespace

std::string_view stage_name(Stage stage) {
  switch (stage) {
    case Stage::IntExpr: return "IntExpr";
    case Stage::Kernel: return "Kernel";
    case Stage::Tensor: return "Tensor";
  }
  return "?";
}

std::optional<std::string> validate(const UOp& root, Stage stage) {
  if (!root) return "null root";
  std::vector<UOp> nodes = root.toposort();
  for (size_t i = 0; i < nodes.size(); ++i)  // %i: the node's name in to_text(root)
    if (Problem p = node_rule(nodes[i], stage)) return "%" + std::to_string(i) + " " + *p;
  if (stage == Stage::IntExpr && !is_intlike(root.dtype()))
    return fail(root, "the root must be an integer or bool scalar");
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].op() == Op::SINK && !(nodes[i] == root))
      return "%" + std::to_string(i) + " " + *fail(nodes[i], "a SINK is only the root");
  return std::nullopt;
}

std::optional<std::string> validate_program(std::span<const UOp> program) {
  // Positions by node identity; every key is held by `program` for the whole call.
  std::unordered_map<UOp, size_t, UOpHash> pos;
  std::vector<std::vector<size_t>> loops(program.size());  // open RANGEs each value depends on
  std::vector<bool> closed(program.size(), false);
  std::vector<size_t> open;  // RANGE and IF positions, innermost last
  for (size_t i = 0; i < program.size(); ++i) {
    const UOp& u = program[i];
    auto at = [&](const std::string& s) { return "[" + std::to_string(i) + "] " + s; };
    if (!u) return at("null node");
    if (Problem p = node_rule(u, Stage::Kernel)) return at(*p);
    if (!pos.emplace(u, i).second) return at(who(u) + ": appears twice in the program");
    for (const UOp& s : u.src()) {
      auto it = pos.find(s);
      if (it == pos.end() || it->second == i) return at(who(u) + ": a source (" + who(s) + ") does not come earlier");
      if (s.dtype() == dtypes::void_) continue;  // effects order, they carry no value
      for (size_t r : loops[it->second]) {
        if (closed[r])
          return at(who(u) + ": uses " + who(s) + " after the END of the RANGE at [" + std::to_string(r) +
                    "] it depends on (its value is loop-local)");
        loops[i].push_back(r);
      }
    }
    std::sort(loops[i].begin(), loops[i].end());
    loops[i].erase(std::unique(loops[i].begin(), loops[i].end()), loops[i].end());
    switch (u.op()) {
      case Op::RANGE:
        loops[i].push_back(i);
        open.push_back(i);
        break;
      case Op::IF: open.push_back(i); break;
      case Op::END:
      case Op::ENDIF: {
        const size_t target = pos.at(u.src(0));
        if (open.empty() || open.back() != target)
          return at(who(u) + ": closes " + who(u.src(0)) + " at [" + std::to_string(target) +
                    "], which is not the innermost open scope");
        open.pop_back();
        if (u.op() == Op::END) closed[target] = true;
        break;
      }
      case Op::SINK:
        if (i + 1 != program.size()) return at(who(u) + ": SINK must be last");
        break;
      default: break;
    }
  }
  if (!open.empty()) return "[" + std::to_string(open.back()) + "] " + who(program[open.back()]) + ": never closed";
  return std::nullopt;
}

void check_after_pass(const UOp& root, Stage stage, std::string_view pass) {
#ifdef ANVIL_VALIDATE
  if (Problem p = validate(root, stage))
    ANVIL_CHECK(false) << "after " << pass << ", " << stage_name(stage) << " spec: " << *p << "\n" << to_text(root);
#else
  (void)root, (void)stage, (void)pass;
#endif
}

}  // namespace anvil
