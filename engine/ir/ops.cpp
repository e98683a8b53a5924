#include "engine/ir/ops.h"

#include <array>

namespace anvil {
namespace {

using namespace opgroup;  // NOLINT(google-build-using-namespace): the table reads as ops.def

struct OpInfo {
  std::string_view name;
  int arity;
  uint32_t groups;
};

constexpr std::array<OpInfo, kOpCount> kOps = {{
#define OP(name, arity, groups) {#name, arity, groups},
#include "engine/ir/ops.def"
#undef OP
}};

}  // namespace

std::string_view op_name(Op op) { return kOps[static_cast<int>(op)].name; }
int op_arity(Op op) { return kOps[static_cast<int>(op)].arity; }
uint32_t op_groups(Op op) { return kOps[static_cast<int>(op)].groups; }

std::optional<Op> parse_op(std::string_view name) {
  for (int i = 0; i < kOpCount; ++i)
    if (kOps[i].name == name) return static_cast<Op>(i);
  return std::nullopt;
}

}  // namespace anvil
