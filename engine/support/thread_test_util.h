#pragma once
// Test helpers shared by the tests of threads (deep_stack_test, thread_pool_test).
#include <gtest/gtest.h>

#include <string>

namespace anvil::testing_threads {

#if defined(__has_feature)
inline constexpr bool kThreadSanitizer = __has_feature(thread_sanitizer);
#else
inline constexpr bool kThreadSanitizer = false;
#endif

// Sets gtest's death-test style for one test and restores the previous one after it.
class DeathTestStyle {
 public:
  explicit DeathTestStyle(const char* style) : saved_(GTEST_FLAG_GET(death_test_style)) {
    GTEST_FLAG_SET(death_test_style, style);
  }
  ~DeathTestStyle() { GTEST_FLAG_SET(death_test_style, saved_); }

 private:
  std::string saved_;
};

}  // namespace anvil::testing_threads
