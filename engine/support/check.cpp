#include "engine/support/check.h"

#include <cstdio>
#include <cstdlib>

namespace anvil::detail {

CheckFailure::~CheckFailure() {
  std::string msg = message_.str();
  std::fprintf(stderr, "%s:%d: ANVIL_CHECK(%s) failed%s%s\n", file_, line_, cond_, msg.empty() ? "" : ": ",
               msg.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace anvil::detail
