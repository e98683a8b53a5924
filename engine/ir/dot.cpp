#include "engine/ir/dot.h"

#include <unordered_map>

#include "engine/ir/text.h"

namespace anvil {
namespace {

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Fill colours by group, so loads, stores, control and arithmetic stand apart at a glance.
const char* color(Op op) {
  if (op == Op::CONST || op == Op::DEFINE_VAR) return "#e8e8e8";
  if (in_group(op, opgroup::Memory)) return "#ffe0b0";
  if (in_group(op, opgroup::Control)) return "#d0e0ff";
  if (in_group(op, opgroup::Movement)) return "#d8f0d0";
  if (in_group(op, opgroup::Reduce)) return "#f0d0f0";
  return "#ffffff";
}

}  // namespace

std::string to_dot(const UOp& root) {
  std::vector<UOp> order = root.toposort();
  std::unordered_map<UOp, size_t, UOpHash> ids;  // every key is held by `order`
  for (size_t i = 0; i < order.size(); ++i) ids.emplace(order[i], i);
  std::string out = "digraph uop {\n  node [shape=box, style=filled, fontname=\"monospace\"];\n";
  for (size_t i = 0; i < order.size(); ++i) {
    const UOp& u = order[i];
    std::string label = std::string(op_name(u.op())) + "\\n" + escape(name(u.dtype()));
    if (std::string a = arg_text(u); !a.empty()) label += "\\n" + escape(a);
    out += "  n" + std::to_string(i) + " [label=\"" + label + "\", fillcolor=\"" + color(u.op()) + "\"];\n";
  }
  for (size_t i = 0; i < order.size(); ++i)
    for (size_t k = 0; k < order[i].src().size(); ++k)
      out += "  n" + std::to_string(ids.at(order[i].src(k))) + " -> n" + std::to_string(i) + " [label=\"" +
             std::to_string(k) + "\"];\n";
  return out + "}\n";
}

}  // namespace anvil
