#pragma once
// Stage validators, as tinygrad's spec: per stage, which ops may appear and what each must look
// like. They never crash on any graph: fuzz targets parse text, validate, and skip what fails.
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engine/ir/uop.h"

namespace anvil {

enum class Stage {
  IntExpr,  // a scalar integer/bool expression: what the symbolic simplifier handles
  Kernel,   // a linearized kernel program, as the interpreter runs it
  Tensor,   // the lazy tensor graph (basic typing for now)
};
std::string_view stage_name(Stage stage);

// The first problem found, naming the node (op, dtype) and the rule; nullopt when valid.
// Stage::Kernel on a graph checks each node; validate_program also checks order and nesting.
std::optional<std::string> validate(const UOp& root, Stage stage);
std::optional<std::string> validate_program(std::span<const UOp> program);

// With ANVIL_VALIDATE (debug and sanitizer builds): ANVIL_CHECK-aborts with the problem and the
// graph's text. A no-op otherwise.
void check_after_pass(const UOp& root, Stage stage, std::string_view pass);

}  // namespace anvil
