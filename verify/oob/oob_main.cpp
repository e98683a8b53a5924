// The GoogleTest main of the engine's test binaries when Z3 is built: with ANVIL_CHECK_OOB=1 every
// kernel a test realizes is proved in bounds first (verify/oob/prove_kernel.h), and the counts
// and the time spent proving are printed at the end.
#include <gtest/gtest.h>

#include <cstdio>

#include "verify/oob/prove_kernel.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  const bool checking = anvil::verify::install_oob_checker(/*from_env=*/true);
  const int rc = RUN_ALL_TESTS();
  if (checking) std::fprintf(stderr, "%s\n", anvil::verify::oob_stats_text().c_str());
  return rc;
}
