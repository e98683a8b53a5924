// A unified diff of two texts, line by line: the longest common subsequence of the lines between
// the common prefix and suffix, then hunks with 3 lines of context, as `diff -u` prints them.
#include <algorithm>
#include <cstdint>
#include <sstream>

#include "verify/golden/golden.h"

namespace anvil::golden {
namespace {

constexpr size_t kContext = 3;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

struct Edit {
  char kind;    // ' ' kept, '-' only in want, '+' only in got
  size_t a, b;  // line numbers (0-based) in want and got
};

// The edit script from a to b: LCS by dynamic programming over the middle, where they differ.
std::vector<Edit> edits(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  size_t pre = 0;
  while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) ++pre;
  size_t suf = 0;
  while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) ++suf;
  const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
  // lcs[i][j]: LCS length of a[pre+i..] and b[pre+j..] within the middle.
  std::vector<uint32_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = a[pre + i] == b[pre + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  std::vector<Edit> out;
  for (size_t k = 0; k < pre; ++k) out.push_back({' ', k, k});
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[pre + i] == b[pre + j]) {
      out.push_back({' ', pre + i++, pre + j++});
    } else if (i < n && (j == m || at(i + 1, j) >= at(i, j + 1))) {
      out.push_back({'-', pre + i++, pre + j});  // deletions first, as diff -u prints a change
    } else {
      out.push_back({'+', pre + i, pre + j++});
    }
  }
  for (size_t k = 0; k < suf; ++k) out.push_back({' ', a.size() - suf + k, b.size() - suf + k});
  return out;
}

}  // namespace

std::string unified_diff(std::string_view want, std::string_view got, const std::string& want_label,
                         const std::string& got_label) {
  if (want == got) return "";
  const std::vector<std::string_view> a = lines_of(want), b = lines_of(got);
  const std::vector<Edit> script = edits(a, b);
  std::ostringstream os;
  os << "--- " << want_label << "\n+++ " << got_label << "\n";
  size_t k = 0;
  while (k < script.size()) {
    if (script[k].kind == ' ') {
      ++k;
      continue;
    }
    // A hunk: from kContext lines before this change to kContext lines after the last change
    // that is within 2 * kContext kept lines of the previous one.
    const size_t begin = k >= kContext ? k - kContext : 0;
    size_t end = k;
    for (size_t kept = 0; end < script.size() && kept <= 2 * kContext; ++end)
      kept = script[end].kind == ' ' ? kept + 1 : 0;
    // `end` is now past the run of kept lines that closed the hunk; keep only kContext of them.
    size_t last_change = end;
    while (last_change > k && script[last_change - 1].kind == ' ') --last_change;
    end = std::min(script.size(), last_change + kContext);
    size_t a_len = 0, b_len = 0;
    for (size_t x = begin; x < end; ++x) {
      a_len += script[x].kind != '+';
      b_len += script[x].kind != '-';
    }
    // As diff -u: a range of zero lines names the line before it.
    const size_t a_start = a_len ? script[begin].a + 1 : script[begin].a;
    const size_t b_start = b_len ? script[begin].b + 1 : script[begin].b;
    os << "@@ -" << a_start << "," << a_len << " +" << b_start << "," << b_len << " @@\n";
    for (size_t x = begin; x < end; ++x) {
      const Edit& e = script[x];
      os << e.kind << (e.kind == '+' ? b[e.b] : a[e.a]) << "\n";
    }
    k = end;
  }
  return os.str();
}

}  // namespace anvil::golden
