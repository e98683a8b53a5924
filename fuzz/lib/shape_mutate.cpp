// The shape target's structure-aware mutator and its reducer: both edit the movement sequence as
// data (MoveChain), repair it so every step applies again, and print it back as `.uop` text.
#include <numeric>
#include <tuple>

#include "engine/ir/text.h"
#include "fuzz/lib/reduce.h"
#include "fuzz/lib/shape_target.h"

namespace anvil::fuzz {
namespace {

constexpr int64_t kMutateElements = 4096;

std::string text_of(const MoveChain& chain) { return to_text(chain_graph(chain)); }

// One edit: insert, delete or replace a step, nudge one arg, or switch the leaf's dtype.
std::optional<MoveChain> mutate_once(Source& src, MoveChain c) {
  const std::vector<Shape> shapes = chain_shapes(c);
  const size_t n = c.steps.size();
  switch (src.choose(5)) {
    case 0: {
      const size_t at = src.choose(n + 1);
      std::optional<MoveStep> s = gen_move_step(src, shapes[at], kMutateElements);
      if (!s) return std::nullopt;
      c.steps.insert(c.steps.begin() + static_cast<std::ptrdiff_t>(at), *s);
      break;
    }
    case 1:
      if (n == 0) return std::nullopt;
      c.steps.erase(c.steps.begin() + static_cast<std::ptrdiff_t>(src.choose(n)));
      break;
    case 2: {
      if (n == 0) return std::nullopt;
      const size_t at = src.choose(n);
      std::optional<MoveStep> s = gen_move_step(src, shapes[at], kMutateElements);
      if (!s) return std::nullopt;
      c.steps[at] = *s;
      break;
    }
    case 3: {
      if (n == 0) return std::nullopt;
      MoveStep& s = c.steps[src.choose(n)];
      if (s.arg.empty() || s.op == Op::PERMUTE || s.op == Op::FLIP) return std::nullopt;
      int64_t& a = s.arg[src.choose(s.arg.size())];
      a = std::max<int64_t>(0, a + (src.chance(50) ? 1 : -1));
      break;
    }
    default: c.dtype = c.dtype == dtypes::int32 ? dtypes::int64 : dtypes::int32;
  }
  return repair_chain(c);
}

// Smaller means fewer steps, then a smaller leaf, then smaller args: the reducer always terminates.
std::tuple<size_t, int64_t, int64_t> size_of(const MoveChain& c) {
  int64_t args = 0;
  for (const MoveStep& s : c.steps) args = std::accumulate(s.arg.begin(), s.arg.end(), args);
  return {c.steps.size(), c.count, args};
}

// Candidates, biggest cuts first: drop a step; shrink the leaf (an axis of its first shape);
// lower one arg of a step.
std::vector<MoveChain> smaller(const MoveChain& c) {
  std::vector<MoveChain> out;
  for (size_t i = 0; i < c.steps.size(); ++i) {
    MoveChain d = c;
    d.steps.erase(d.steps.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(repair_chain(d));
  }
  const bool reshaped = !c.steps.empty() && c.steps[0].op == Op::RESHAPE;
  const Shape first = reshaped ? c.steps[0].arg : Shape{c.count};
  for (size_t ax = 0; ax < first.size(); ++ax)
    for (int64_t to : {int64_t{0}, int64_t{1}, first[ax] / 2, first[ax] - 1}) {
      if (to < 0 || to >= first[ax]) continue;
      MoveChain d = c;
      Shape s = first;
      s[ax] = to;
      d.count = shape_numel(s);
      if (reshaped) d.steps[0].arg = s;
      out.push_back(repair_chain(d));
    }
  for (size_t i = 0; i < c.steps.size(); ++i) {
    if (c.steps[i].op == Op::PERMUTE || c.steps[i].op == Op::FLIP || c.steps[i].op == Op::RESHAPE) continue;
    for (size_t k = 0; k < c.steps[i].arg.size(); ++k) {
      if (c.steps[i].arg[k] == 0) continue;
      MoveChain d = c;
      d.steps[i].arg[k] = c.steps[i].op == Op::EXPAND ? 1 : 0;
      out.push_back(repair_chain(d));
    }
  }
  return out;
}

}  // namespace

std::string mutate_shape(std::string_view input, uint64_t seed, size_t max_size) {
  SeededSource src(seed);
  std::optional<MoveChain> chain = parse_chain(input);
  if (!chain || src.chance(3)) return kShapeTarget.generate(src);
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::optional<MoveChain> m = mutate_once(src, *chain);
    if (!m) continue;
    std::string out = text_of(*m);
    if (out != input && out.size() <= max_size) return out;
  }
  return input.size() <= max_size ? std::string(input) : std::string();
}

// Greedy: take the first smaller candidate that still fails, until none does. Deterministic;
// bounded in checks.
MoveChain reduce_chain_with(const MoveChain& chain, const ChainPredicate& fails, int budget) {
  MoveChain c = repair_chain(chain);
  for (bool progress = true; progress && budget > 0;) {
    progress = false;
    for (const MoveChain& d : smaller(c)) {
      if (--budget <= 0) break;
      if (!(size_of(d) < size_of(c)) || !fails(d)) continue;
      c = d;
      progress = true;
      break;
    }
  }
  return c;
}

// The failure must keep its stage and kind.
std::string reduce_shape(std::string_view input, const Signature& signature) {
  std::optional<MoveChain> chain = parse_chain(input);
  if (!chain) return std::string(input);
  auto fails = [&](const MoveChain& d) {
    const Outcome o = check_chain(d);
    return o.kind == Outcome::Found && o.finding.signature.stage == signature.stage &&
           o.finding.signature.kind == signature.kind;
  };
  return text_of(reduce_chain_with(*chain, fails));
}

}  // namespace anvil::fuzz
