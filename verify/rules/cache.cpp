#include "verify/rules/cache.h"

#include <fstream>
#include <sstream>

namespace anvil::verify {
namespace {

// Bumped whenever the encoding's meaning changes, so old verdicts are not reused.
constexpr const char* kEncodingRevision = "enc1";

std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return s;
}

std::optional<Verdict> parse_verdict(const std::string& s) {
  for (Verdict v : {Verdict::Proved, Verdict::Refuted, Verdict::Unknown, Verdict::Checked, Verdict::NotEncoded})
    if (s == verdict_name(v)) return v;
  return std::nullopt;
}

}  // namespace

VerdictCache::VerdictCache(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key, verdict, rlimit, detail;
    if (!std::getline(fields, key, '\t') || !std::getline(fields, verdict, '\t') || !std::getline(fields, rlimit, '\t'))
      continue;
    std::getline(fields, detail);
    const std::optional<Verdict> v = parse_verdict(verdict);
    if (!v) continue;
    entries_[key] = ProofResult{*v, detail, std::strtoull(rlimit.c_str(), nullptr, 10)};
  }
}

std::optional<ProofResult> VerdictCache::find(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void VerdictCache::put(const std::string& key, const ProofResult& r) {
  // An unknown is kept too, so a budgeted run retries it only after the proofs never tried (cli/prove_budget.h).
  entries_[key] = r;
  dirty_ = true;
}

void VerdictCache::save() const {
  if (path_.empty() || !dirty_) return;
  std::ofstream out(path_, std::ios::trunc);
  for (const auto& [key, r] : entries_)
    out << key << '\t' << verdict_name(r.verdict) << '\t' << r.rlimit_used << '\t' << one_line(r.detail) << '\n';
}

std::string VerdictCache::key(const std::string& set, const Rule& r, Scalar s, const std::string& z3_version) {
  const std::string text = to_string(r.lhs) + " => " + to_string(r.rhs) + " when " + guard_to_string(r.guard);
  return one_line(set + " | " + r.name + " | " + text + " | " + name(s) + " | " + kEncodingRevision + " | z3 " +
                  z3_version);
}

}  // namespace anvil::verify
