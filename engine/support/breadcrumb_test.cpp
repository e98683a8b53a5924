#include "engine/support/breadcrumb.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "engine/support/check.h"

namespace anvil::breadcrumb {
namespace {

std::string slot_text() {
  auto field = [](const std::atomic<const char*>& f) {
    const char* s = f.load();
    return std::string(s ? s : "-");
  };
  return field(g_slot.stage) + " " + field(g_slot.op) + " " + field(g_slot.backend);
}

TEST(Breadcrumb, ScopesNestAndRestore) {
  EXPECT_EQ(slot_text(), "- - -");
  {
    Scope outer("schedule", "ADD", "-");
    EXPECT_EQ(slot_text(), "schedule ADD -");
    {
      Scope inner("interp", "LOAD", "interp");
      set_op("STORE");
      EXPECT_EQ(slot_text(), "interp STORE interp");
    }
    EXPECT_EQ(slot_text(), "schedule ADD -");
  }
  EXPECT_EQ(slot_text(), "- - -");
}

TEST(Breadcrumb, ScopeRestoresWhenUnwinding) {
  try {
    Scope s("ref", "MUL", "ref");
    throw 1;
  } catch (int) {
  }
  EXPECT_EQ(slot_text(), "- - -");
}

// No handlers installed: the check itself reports (a unit test, a plain user's binary).
TEST(BreadcrumbDeathTest, FailedCheckNamesTheOp) {
  EXPECT_DEATH(
      {
        Scope s("interp", "REDUCE_AXIS", "interp");
        ANVIL_CHECK(false) << "on purpose";
      },
      "ANVIL_CHECK\\(false\\) failed: on purpose\n=== anvil crash: interp REDUCE_AXIS interp\n$");
}

// Under ASan its SEGV handler, chained after ours, reports and exits 1; without, the signal kills.
TEST(BreadcrumbDeathTest, SegfaultNamesTheOp) {
  EXPECT_DEATH(
      {
        install_crash_handlers(true);
        Scope s("schedule", "PAD", "-");
        raise(SIGSEGV);
      },
      "^=== anvil crash: schedule PAD -\n");
}

TEST(BreadcrumbDeathTest, FloatingPointTrapChainsToThePreviousHandler) {
  EXPECT_EXIT(
      {
        struct sigaction prev {};
        prev.sa_handler = [](int) {
          const char msg[] = "previous handler ran\n";
          (void)!write(2, msg, sizeof msg - 1);
          _exit(7);
        };
        sigaction(SIGFPE, &prev, nullptr);
        install_crash_handlers(false);
        Scope s("lower", "IDIV", "interp");
        raise(SIGFPE);
      },
      testing::ExitedWithCode(7), "=== anvil crash: lower IDIV interp\nprevious handler ran\n");
}

TEST(BreadcrumbDeathTest, ReportsOnce) {
  EXPECT_DEATH(
      {
        install_crash_handlers(true);
        report("crash");
        Scope s("ref", "SUB", "ref");
        report("crash");
        std::abort();
      },
      "^=== anvil crash: - - -\n$");
}

TEST(BreadcrumbDeathTest, MutedAbortPrintsNothing) {
  EXPECT_DEATH(
      {
        install_crash_handlers(true);
        mute();
        std::abort();
      },
      "^$");
}

// A real process that crashes inside a scope, for cli/regress_isolation_test.sh: triage must sign
// its crash with the op. Skipped unless ANVIL_BREADCRUMB_CRASH is set.
TEST(BreadcrumbCrash, CrashesInsideAScopeWhenAsked) {
  if (!std::getenv("ANVIL_BREADCRUMB_CRASH")) GTEST_SKIP() << "set ANVIL_BREADCRUMB_CRASH to crash";
  install_crash_handlers(true);
  Scope s("interp", "REDUCE_AXIS", "interp");
  raise(SIGSEGV);
}

}  // namespace
}  // namespace anvil::breadcrumb
