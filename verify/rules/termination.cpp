#include "verify/rules/termination.h"

#include <array>
#include <functional>
#include <sstream>

namespace anvil::verify {
namespace {

// A candidate order: a weight and a precedence rank per op.
struct Order {
  std::string name;
  std::array<int, kOpCount> weight{};
  std::array<int, kOpCount> prec{};
};

// Wildcards (by slot) counted where they stay variables: not inside fold/vmin/vmax, which build constants.
void count_vars(const Pat& p, std::array<int, kPatSlots>& n) {
  switch (p.kind()) {
    case PatKind::Wild:
    case PatKind::ConstWild: ++n[static_cast<size_t>(p.slot())]; return;
    case PatKind::Node:
      for (const Pat& s : p.src()) count_vars(s, n);
      return;
    default: return;  // literals, folds and bounds are constants
  }
}

long weight(const Pat& p, const Order& o) {
  if (p.kind() != PatKind::Node) return 1;  // a wildcard, a literal, or a constant built by fold/vmin/vmax
  long w = o.weight[static_cast<size_t>(p.op())];
  for (const Pat& s : p.src()) w += weight(s, o);
  return w;
}

// The KBO comparison without its lexicographic case (commutative matching may reorder operands).
bool decreases(const Rule& r, const Order& o) {
  std::array<int, kPatSlots> l{}, rh{};
  count_vars(r.lhs, l);
  count_vars(r.rhs, rh);
  for (int i = 0; i < kPatSlots; ++i)
    if (rh[static_cast<size_t>(i)] > l[static_cast<size_t>(i)]) return false;
  const long wl = weight(r.lhs, o), wr = weight(r.rhs, o);
  if (wl != wr) return wl > wr;
  if (r.lhs.kind() != PatKind::Node) return false;
  if (r.rhs.kind() != PatKind::Node) return true;  // equal weight: a constant or variable is below any op
  return o.prec[static_cast<size_t>(r.lhs.op())] > o.prec[static_cast<size_t>(r.rhs.op())];
}

std::vector<Order> candidates() {
  std::vector<Order> out;
  auto make = [](std::string name, const std::function<int(Op)>& w, const std::function<int(Op)>& p) {
    Order o{std::move(name), {}, {}};
    for (int i = 0; i < kOpCount; ++i)
      o.weight[static_cast<size_t>(i)] = w(static_cast<Op>(i)), o.prec[static_cast<size_t>(i)] = p(static_cast<Op>(i));
    return o;
  };
  const auto heavy = [](Op op) {  // division, modulo and multiplication above additive and logic ops
    switch (op) {
      case Op::FDIV:
      case Op::TRUNCDIV:
      case Op::TRUNCMOD:
      case Op::FLOORDIV:
      case Op::FLOORMOD: return 3;
      case Op::MUL: return 2;
      default: return 1;
    }
  };
  out.push_back(make(
      "every op 1, precedence by op order", [](Op) { return 1; }, [](Op op) { return static_cast<int>(op); }));
  out.push_back(make(
      "every op 1, precedence by reverse op order", [](Op) { return 1; }, [](Op op) { return -static_cast<int>(op); }));
  out.push_back(make("div/mod 3, mul 2, other ops 1, precedence by weight", heavy, heavy));
  out.push_back(
      make("div/mod 3, mul 2, other ops 1, precedence by op order", heavy, [](Op op) { return static_cast<int>(op); }));
  return out;
}

}  // namespace

OrderResult find_reduction_order(const RuleSet& set) {
  OrderResult best;
  for (const Rule& r : set.rules())
    if (r.is_code()) best.code_rules.push_back(r.name);
  bool first = true;
  for (const Order& o : candidates()) {
    std::vector<std::string> bad;
    for (const Rule& r : set.rules())
      if (!r.is_code() && !decreases(r, o)) bad.push_back(r.name);
    if (first || bad.size() < best.not_decreasing.size()) {
      best.order = o.name;
      best.not_decreasing = std::move(bad);
      first = false;
    }
    if (best.not_decreasing.empty()) break;
  }
  best.ordered = best.not_decreasing.empty() && best.code_rules.empty();
  return best;
}

std::string order_text(const OrderResult& r) {
  if (r.ordered) return "terminates: reduction order (weights " + r.order + ")";
  std::ostringstream os;
  const size_t k = r.not_decreasing.size() + r.code_rules.size();
  os << "bounded check only (" << k << " rules not decreasing under weights " << r.order << ": ";
  bool sep = false;
  for (const std::string& n : r.not_decreasing) os << (sep ? "; " : "") << n, sep = true;
  for (const std::string& n : r.code_rules) os << (sep ? "; " : "") << n << " [code]", sep = true;
  os << ")";
  return os.str();
}

}  // namespace anvil::verify
