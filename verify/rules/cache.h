#pragma once
// Verdicts of declarative rules, kept in a text file between runs: one line per key (set, rule
// text with its guard, proof dtype, encoding revision, Z3 version), so a rerun proves only what
// changed. Code rules are never cached: their code can change under the same name. Unknown verdicts
// are kept too: a budgeted run (cli/prove_budget.h) retries them after the proofs never tried.
#include <map>
#include <optional>
#include <string>

#include "verify/rules/prove_rule.h"

namespace anvil::verify {

class VerdictCache {
 public:
  explicit VerdictCache(std::string path);  // empty: a cache that keeps nothing
  std::optional<ProofResult> find(const std::string& key) const;
  void put(const std::string& key, const ProofResult& r);
  void save() const;  // no-op when empty path or unchanged

  static std::string key(const std::string& set, const Rule& r, Scalar s, const std::string& z3_version);

 private:
  std::string path_;
  std::map<std::string, ProofResult> entries_;
  bool dirty_ = false;
};

}  // namespace anvil::verify
