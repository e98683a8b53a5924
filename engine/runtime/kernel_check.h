#pragma once
// A hook that sees every kernel AST realize runs, before it runs. The engine never depends on
// what is installed: verify/oob installs a Z3 bounds prover (ANVIL_CHECK_OOB=1) from outside.
#include "engine/ir/uop.h"

namespace anvil {

// Called with the kernel's SINK; aborts (ANVIL_CHECK) on a finding. nullptr removes the hook.
using KernelChecker = void (*)(const UOp& kernel_ast);

void set_kernel_checker(KernelChecker checker);
KernelChecker kernel_checker();

}  // namespace anvil
