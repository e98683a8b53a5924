#include "engine/support/check.h"

#include <cstdio>
#include <cstdlib>

#include "engine/support/breadcrumb.h"

namespace anvil::detail {

CheckFailure::~CheckFailure() {
  std::string msg = message_.str();
  std::fprintf(stderr, "%s:%d: ANVIL_CHECK(%s) failed%s%s\n", file_, line_, cond_, msg.empty() ? "" : ": ",
               msg.c_str());
  std::fflush(stderr);
  breadcrumb::report("crash");  // names the stage and op; the SIGABRT that follows adds nothing
  std::abort();
}

}  // namespace anvil::detail
