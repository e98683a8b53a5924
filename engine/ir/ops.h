#pragma once
// Op enum and groups, all derived from ops.def.
#include <cstdint>
#include <optional>
#include <string_view>

namespace anvil {

enum class Op : uint8_t {
#define OP(name, arity, groups) name,
#include "engine/ir/ops.def"
#undef OP
};

namespace opgroup {
enum : uint32_t {
  Leaf = 1u << 0,
  Tensor = 1u << 1,
  Kernel = 1u << 2,
  Movement = 1u << 3,
  Reduce = 1u << 4,
  Memory = 1u << 5,
  Control = 1u << 6,
  Alu = 1u << 7,
  Unary = 1u << 8,
  Binary = 1u << 9,
  Ternary = 1u << 10,
  Commutative = 1u << 11,
  Compare = 1u << 12,
  Vector = 1u << 13,
};
}  // namespace opgroup

inline constexpr int kOpCount = 0
#define OP(name, arity, groups) +1
#include "engine/ir/ops.def"
#undef OP
    ;

std::string_view op_name(Op op);
std::optional<Op> parse_op(std::string_view name);
int op_arity(Op op);  // -1: variadic
uint32_t op_groups(Op op);
inline bool in_group(Op op, uint32_t group) { return (op_groups(op) & group) != 0; }

}  // namespace anvil
