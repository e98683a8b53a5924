#include "verify/rules/nan_payloads.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace anvil::verify {
namespace {

// The rules known to change a NaN's payload or sign (set: rule [dtype]). The list is explicit so
// a new rule that does so, or a fix, fails this test until the list (and the report) is updated.
const std::set<std::string> kKnownPayloadChanges = {};

TEST(NanPayloads, KnownRulesOnly) {
  const PayloadReport r = check_nan_payloads({Scalar::Float16, Scalar::BFloat16, Scalar::Float32, Scalar::Float64});
  EXPECT_GT(r.rules, 0);
  EXPECT_GT(r.instances, 0);
  std::set<std::string> seen;
  for (const PayloadChange& c : r.changes) {
    const std::string key = c.set + ": " + c.rule + " [" + name(c.dtype) + "]";
    seen.insert(key);
    if (!kKnownPayloadChanges.count(key))
      ADD_FAILURE() << "new NaN payload change: " << key << " with " << c.instance << ": lhs 0x" << std::hex
                    << c.lhs_bits << ", rhs 0x" << c.rhs_bits;
  }
  for (const std::string& k : kKnownPayloadChanges)
    EXPECT_TRUE(seen.count(k)) << "no longer changes a NaN payload (update the list): " << k;
  std::printf("%d Float-domain rules, %d NaN instances, %zu payload changes\n", r.rules, r.instances, r.changes.size());
}

}  // namespace
}  // namespace anvil::verify
