#include "engine/rewrite/pattern.h"

#include "engine/support/check.h"

namespace anvil {
namespace {

struct Infix {
  const char* text;
  int precedence;  // C++'s, so the printed text parses back as the same tree
};

// AND/OR print as && and || in guards (logic over exact integers) and as and_/or_ in patterns
// (bitwise on integers), so a printed rule reads as it is written.
Infix infix(Op op, bool guard) {
  switch (op) {
    case Op::MUL: return {" * ", 6};
    case Op::ADD: return {" + ", 5};
    case Op::SUB: return {" - ", 5};
    case Op::CMPLT: return {" < ", 4};
    case Op::CMPLE: return {" <= ", 4};
    case Op::CMPEQ: return {" == ", 3};
    case Op::CMPNE: return {" != ", 3};
    case Op::AND: return guard ? Infix{" && ", 2} : Infix{nullptr, 100};
    case Op::OR: return guard ? Infix{" || ", 1} : Infix{nullptr, 100};
    default: return {nullptr, 100};
  }
}

const char* func_name(Op op) {
  switch (op) {
    case Op::FLOORDIV: return "floordiv";
    case Op::FLOORMOD: return "floormod";
    case Op::TRUNCDIV: return "truncdiv";
    case Op::TRUNCMOD: return "truncmod";
    case Op::MAX: return "max_";
    case Op::MIN: return "min_";
    case Op::WHERE: return "where_";
    case Op::XOR: return "xor_";
    case Op::AND: return "and_";
    case Op::OR: return "or_";
    case Op::NOT: return "not_";
    case Op::NEG: return "neg";
    case Op::CAST: return "cast";
    default: return nullptr;
  }
}

void print(std::string& out, const Pat& p, int outer, bool guard) {
  switch (p.kind()) {
    case PatKind::Wild:
    case PatKind::ConstWild: out += p.name(); return;
    case PatKind::Literal: out += std::to_string(p.literal()); return;
    case PatKind::Fold:
    case PatKind::VMin:
    case PatKind::VMax:
    case PatKind::NoOverflow:
    case PatKind::IsConst: {
      static constexpr const char* kNames[] = {"", "", "", "", "fold", "vmin", "vmax", "no_overflow", "is_const"};
      out += kNames[static_cast<int>(p.kind())];
      out += "(";
      print(out, p.src(0), 0, guard);
      out += ")";
      return;
    }
    case PatKind::Node: break;
  }
  if (const Infix op = infix(p.op(), guard); op.text && p.src().size() == 2) {
    const bool parens = op.precedence < outer;
    if (parens) out += "(";
    print(out, p.src(0), op.precedence, guard);
    out += op.text;
    print(out, p.src(1), op.precedence + 1, guard);  // left-associative: a right operand of equal rank needs parens
    if (parens) out += ")";
    return;
  }
  const char* fn = func_name(p.op());
  out += fn ? std::string(fn) : "alu<" + std::string(op_name(p.op())) + ">";
  out += "(";
  for (size_t i = 0; i < p.src().size(); ++i) {
    if (i) out += ", ";
    print(out, p.src(i), 0, guard);
  }
  if (p.op() == Op::CAST) out += ", " + name(p.cast_to());
  out += ")";
}

}  // namespace

Pat::Pat(int value) : Pat(static_cast<int64_t>(value)) {}
Pat::Pat(int64_t value) {
  auto n = std::make_shared<PatNode>();
  n->kind = PatKind::Literal;
  n->literal = value;
  node_ = std::move(n);
}

Pat Pat::wild(int slot, std::string name) {
  ANVIL_CHECK(slot >= 0 && slot < kFirstConstSlot) << "wildcard slot " << slot;
  Pat p;
  auto n = std::make_shared<PatNode>();
  n->kind = PatKind::Wild;
  n->slot = slot;
  n->name = std::move(name);
  p.node_ = std::move(n);
  return p;
}

Pat Pat::const_wild(int slot, std::string name) {
  ANVIL_CHECK(slot >= kFirstConstSlot && slot < kPatSlots) << "constant wildcard slot " << slot;
  Pat p = wild(0, std::move(name));
  auto n = std::make_shared<PatNode>(*p.node_);
  n->kind = PatKind::ConstWild;
  n->slot = slot;
  p.node_ = std::move(n);
  return p;
}

Pat Pat::node(Op op, std::vector<Pat> src, DType cast_to) {
  const int arity = op_arity(op);
  ANVIL_CHECK(arity < 0 || static_cast<int>(src.size()) == arity) << op_name(op) << " pattern arity";
  for (const Pat& s : src) ANVIL_CHECK(static_cast<bool>(s)) << op_name(op) << " pattern has an empty source";
  Pat p;
  auto n = std::make_shared<PatNode>();
  n->kind = PatKind::Node;
  n->op = op;
  n->cast_to = cast_to;
  n->src = std::move(src);
  p.node_ = std::move(n);
  return p;
}

Pat Pat::unary(PatKind kind, Pat inner) {
  ANVIL_CHECK(static_cast<bool>(inner)) << "empty pattern";
  Pat p;
  auto n = std::make_shared<PatNode>();
  n->kind = kind;
  n->src = {std::move(inner)};
  p.node_ = std::move(n);
  return p;
}

PatKind Pat::kind() const { return node_->kind; }
Op Pat::op() const { return node_->op; }
DType Pat::cast_to() const { return node_->cast_to; }
int Pat::slot() const { return node_->slot; }
const std::string& Pat::name() const { return node_->name; }
int64_t Pat::literal() const { return node_->literal; }
const std::vector<Pat>& Pat::src() const { return node_->src; }

uint32_t Pat::slots_used() const {
  uint32_t mask = (kind() == PatKind::Wild || kind() == PatKind::ConstWild) ? (1u << slot()) : 0u;
  for (const Pat& s : src()) mask |= s.slots_used();
  return mask;
}

std::string to_string(const Pat& p) {
  std::string out;
  if (p) print(out, p, 0, false);
  return out;
}

std::string guard_to_string(const Pat& p) {
  std::string out;
  if (p) print(out, p, 0, true);
  return out;
}

PatternVars pattern_vars() {
  return {Pat::wild(0, "x"),        Pat::wild(1, "y"),        Pat::wild(2, "z"),         Pat::wild(3, "w"),
          Pat::const_wild(8, "c0"), Pat::const_wild(9, "c1"), Pat::const_wild(10, "c2"), Pat::const_wild(11, "c3")};
}

Pat alu(Op op, std::vector<Pat> src) { return Pat::node(op, std::move(src)); }
Pat operator+(const Pat& a, const Pat& b) { return alu(Op::ADD, {a, b}); }
Pat operator-(const Pat& a, const Pat& b) { return alu(Op::SUB, {a, b}); }
Pat operator*(const Pat& a, const Pat& b) { return alu(Op::MUL, {a, b}); }
Pat operator-(const Pat& a) { return alu(Op::NEG, {a}); }
Pat operator<(const Pat& a, const Pat& b) { return alu(Op::CMPLT, {a, b}); }
Pat operator<=(const Pat& a, const Pat& b) { return alu(Op::CMPLE, {a, b}); }
Pat operator>(const Pat& a, const Pat& b) { return alu(Op::CMPLT, {b, a}); }
Pat operator>=(const Pat& a, const Pat& b) { return alu(Op::CMPLE, {b, a}); }
Pat operator==(const Pat& a, const Pat& b) { return alu(Op::CMPEQ, {a, b}); }
Pat operator!=(const Pat& a, const Pat& b) { return alu(Op::CMPNE, {a, b}); }
Pat operator&&(const Pat& a, const Pat& b) { return alu(Op::AND, {a, b}); }
Pat operator||(const Pat& a, const Pat& b) { return alu(Op::OR, {a, b}); }

Pat floordiv(const Pat& a, const Pat& b) { return alu(Op::FLOORDIV, {a, b}); }
Pat floormod(const Pat& a, const Pat& b) { return alu(Op::FLOORMOD, {a, b}); }
Pat truncdiv(const Pat& a, const Pat& b) { return alu(Op::TRUNCDIV, {a, b}); }
Pat truncmod(const Pat& a, const Pat& b) { return alu(Op::TRUNCMOD, {a, b}); }
Pat max_(const Pat& a, const Pat& b) { return alu(Op::MAX, {a, b}); }
Pat min_(const Pat& a, const Pat& b) { return alu(Op::MIN, {a, b}); }
Pat lt(const Pat& a, const Pat& b) { return alu(Op::CMPLT, {a, b}); }
Pat le(const Pat& a, const Pat& b) { return alu(Op::CMPLE, {a, b}); }
Pat eq(const Pat& a, const Pat& b) { return alu(Op::CMPEQ, {a, b}); }
Pat ne(const Pat& a, const Pat& b) { return alu(Op::CMPNE, {a, b}); }
Pat and_(const Pat& a, const Pat& b) { return alu(Op::AND, {a, b}); }
Pat or_(const Pat& a, const Pat& b) { return alu(Op::OR, {a, b}); }
Pat xor_(const Pat& a, const Pat& b) { return alu(Op::XOR, {a, b}); }
Pat not_(const Pat& a) { return alu(Op::NOT, {a}); }
Pat neg(const Pat& a) { return alu(Op::NEG, {a}); }
Pat where_(const Pat& c, const Pat& a, const Pat& b) { return alu(Op::WHERE, {c, a, b}); }
Pat cast(const Pat& a, DType to) { return Pat::node(Op::CAST, {a}, to); }

Pat fold(const Pat& e) { return Pat::unary(PatKind::Fold, e); }
Pat vmin(const Pat& x) { return Pat::unary(PatKind::VMin, x); }
Pat vmax(const Pat& x) { return Pat::unary(PatKind::VMax, x); }
Pat no_overflow(const Pat& e) { return Pat::unary(PatKind::NoOverflow, e); }
Pat is_const(const Pat& x) { return Pat::unary(PatKind::IsConst, x); }

}  // namespace anvil
