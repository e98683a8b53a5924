#pragma once
// Test helpers: expect an anvil::Error from `op` whose message mentions each given fragment.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/support/error.h"

namespace anvil::testing {

inline void expect_error(const std::function<void()>& f, const std::string& op,
                         const std::vector<std::string>& fragments = {}) {
  try {
    f();
    ADD_FAILURE() << "expected an anvil::Error from " << op;
  } catch (const Error& e) {
    EXPECT_EQ(e.op(), op) << e.what();
    for (const std::string& s : fragments) EXPECT_NE(e.message().find(s), std::string::npos) << e.what();
  }
}

}  // namespace anvil::testing
