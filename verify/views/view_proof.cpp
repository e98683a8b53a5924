// View proofs: the unsimplified meaning of a movement sequence, a generator of sequences, and the
// proof that the scheduler's kernel loads (index and gate) and stores what the sequence means.
#include "verify/views/view_proof.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "engine/ir/text.h"
#include "engine/schedule/schedule.h"
#include "engine/support/check.h"
#include "verify/oob/prove_kernel.h"

namespace anvil::verify {
namespace {

using Idx = std::vector<UOp>;

UOp iconst(int64_t v) { return UOp::constant(dtypes::index, v); }

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

UOp linear(const Idx& idx, const Shape& s) {
  const std::vector<int64_t> st = strides_of(s);
  UOp lin = iconst(0);
  for (size_t i = 0; i < s.size(); ++i) lin = lin + idx[i] * st[i];
  return lin;
}

// The index into the base BUFFER and its validity, straight from the movement ops' definitions
// and never simplified: the meaning the scheduler's simplified index must keep.
struct RefView {
  UOp index;
  UOp valid;
};

RefView reference(UOp n, Idx idx) {
  UOp valid = UOp::constant(dtypes::bool_, 1);
  while (n.op() != Op::BUFFER) {
    const Shape& in = *n.src(0).shape();
    const Shape& out = *n.shape();
    const std::vector<int64_t>& a = n.arg_ints();
    Idx s(in.size());
    switch (n.op()) {
      case Op::RESHAPE: {
        const UOp lin = linear(idx, out);
        const std::vector<int64_t> st = strides_of(in);
        for (size_t i = 0; i < in.size(); ++i) s[i] = lin.floordiv(st[i]).floormod(in[i]);
        break;
      }
      case Op::PERMUTE:
        for (size_t i = 0; i < a.size(); ++i) s[static_cast<size_t>(a[i])] = idx[i];
        break;
      case Op::EXPAND:
        for (size_t i = 0; i < in.size(); ++i) s[i] = in[i] == 1 ? iconst(0) : idx[i];
        break;
      case Op::SHRINK:
        for (size_t i = 0; i < in.size(); ++i) s[i] = idx[i] + a[2 * i];
        break;
      case Op::FLIP:
        s = idx;
        for (int64_t ax : a)
          s[static_cast<size_t>(ax)] = iconst(in[static_cast<size_t>(ax)] - 1) - idx[static_cast<size_t>(ax)];
        break;
      case Op::PAD:
        for (size_t i = 0; i < in.size(); ++i) {
          s[i] = idx[i] - a[2 * i];
          valid = valid.alu(Op::AND, iconst(a[2 * i]).le(idx[i])).alu(Op::AND, idx[i].lt(a[2 * i] + in[i]));
        }
        break;
      default: ANVIL_CHECK(false) << "view proof: not a movement op: " << n.brief();
    }
    idx = s;
    n = n.src(0);
  }
  return {linear(idx, {n.arg_ints()[1]}), valid};
}

// A random movement op applied to t; every dimension stays in 1..8.
Tensor random_move(std::mt19937_64& rng, const Tensor& t) {
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  Shape s = t.shape();
  const auto r = static_cast<int64_t>(s.size());
  switch (pick(0, 5)) {
    case 0: {  // RESHAPE: split a dimension by a divisor, merge two, or add a unit dimension
      const auto i = static_cast<size_t>(pick(0, r - 1));
      std::vector<int64_t> divs;
      for (int64_t d = 2; d < s[i]; ++d)
        if (s[i] % d == 0) divs.push_back(d);
      if (!divs.empty() && r < 5) {
        const int64_t d = divs[static_cast<size_t>(pick(0, static_cast<int64_t>(divs.size()) - 1))];
        s[i] /= d;
        s.insert(s.begin() + static_cast<int64_t>(i), d);
      } else if (i + 1 < s.size() && s[i] * s[i + 1] <= 8) {
        s[i] *= s[i + 1];
        s.erase(s.begin() + static_cast<int64_t>(i) + 1);
      } else if (r < 5) {
        s.insert(s.begin() + static_cast<int64_t>(i), 1);
      }
      return t.reshape(s);
    }
    case 1: {
      std::vector<int64_t> p(s.size());
      std::iota(p.begin(), p.end(), 0);
      std::shuffle(p.begin(), p.end(), rng);
      return t.permute(p);
    }
    case 2: {  // EXPAND every unit dimension, or a new leading one
      if (std::find(s.begin(), s.end(), 1) == s.end()) {
        if (r >= 5) return t;
        s.insert(s.begin(), 1);
        return t.reshape(s).expand([&] {
          s[0] = pick(2, 3);
          return s;
        }());
      }
      for (int64_t& d : s)
        if (d == 1) d = pick(1, 4);
      return t.expand(s);
    }
    case 3: {
      std::vector<Range> pads;
      for (int64_t d : s) pads.push_back({pick(0, std::min<int64_t>(2, 8 - d)), 0});
      for (size_t i = 0; i < s.size(); ++i) pads[i].second = pick(0, std::min<int64_t>(2, 8 - s[i] - pads[i].first));
      return t.pad(pads);
    }
    case 4: {
      std::vector<Range> ranges;
      for (int64_t d : s) {
        const int64_t b = pick(0, d - 1);
        ranges.push_back({b, pick(b + 1, d)});
      }
      return t.shrink(ranges);
    }
    default: {
      std::vector<int64_t> axes;
      for (int64_t i = 0; i < r; ++i)
        if (pick(0, 1)) axes.push_back(i);
      return axes.empty() ? t : t.flip(axes);
    }
  }
}

}  // namespace

const char* view_verdict_name(ViewVerdict v) {
  switch (v) {
    case ViewVerdict::Proved: return "proved";
    case ViewVerdict::Refuted: return "REFUTED";
    case ViewVerdict::Unknown: return "unknown";
  }
  return "?";
}

Tensor random_movement_sequence(std::mt19937_64& rng) {
  Shape base;
  const int rank = std::uniform_int_distribution<int>(1, 3)(rng);
  for (int i = 0; i < rank; ++i) base.push_back(std::uniform_int_distribution<int64_t>(1, 6)(rng));
  Tensor t = Tensor::from(std::vector<float>(static_cast<size_t>(shape_numel(base)), 1.0f), base);
  const int steps = std::uniform_int_distribution<int>(1, 6)(rng);
  for (int i = 0; i < steps; ++i) t = random_move(rng, t);
  return t;
}

ViewProof prove_view(const Tensor& t) {
  ViewProof res;
  const std::vector<Kernel> kernels = schedule({t.contiguous().uop()});
  ANVIL_CHECK(kernels.size() == 1) << "view proof: " << kernels.size() << " kernels for\n" << to_text(t.uop());
  const UOp& ast = kernels[0].ast;
  // The output's loop variables, numbered as the scheduler numbers them (unit dimensions have none).
  Idx out;
  int64_t axis = 0;
  for (int64_t d : t.shape())
    out.push_back(d == 1 ? iconst(0) : UOp::make(Op::RANGE, dtypes::index, {iconst(d)}, axis++));
  const RefView ref = reference(t.uop(), out);
  UOp load;
  for (const UOp& u : ast.toposort())
    if (u.op() == Op::INDEX && u.src(0).op() == Op::DEFINE_GLOBAL && u.src(0).arg_int() != 0) load = u;
  UOp claim;
  if (!load) {  // the scheduler found every element padded away
    claim = ref.valid.alu(Op::NOT);
    res.padded_away = true;
  } else {
    const UOp gate = load.src().size() > 2 ? load.src(2) : UOp::constant(dtypes::bool_, 1);
    claim = gate.eq(ref.valid).alu(Op::AND, ref.valid.alu(Op::NOT).alu(Op::OR, load.src(1).eq(ref.index)));
  }
  std::string why = prove_index_claim(claim);
  if (!why.empty()) why = "load: " + why;
  // The contiguous store: in bounds, injective and covering (and the load in bounds).
  for (const std::string& f : prove_kernel_bounds(ast)) why += (why.empty() ? "" : "\n") + f;
  if (why.empty()) return res;
  res.verdict = why.find("unknown") != std::string::npos && why.find("refuted") == std::string::npos &&
                        why.find("collide") == std::string::npos && why.find("missed") == std::string::npos
                    ? ViewVerdict::Unknown
                    : ViewVerdict::Refuted;
  res.detail = why + "\nview:\n" + to_text(t.uop()) + "\nkernel:\n" + to_text(ast);
  return res;
}

ViewReport prove_random_views(int cases, uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  std::mt19937_64 rng(seed);
  ViewReport r;
  for (int c = 0; c < cases; ++c) {
    const ViewProof p = prove_view(random_movement_sequence(rng));
    ++r.cases;
    r.padded_away += p.padded_away;
    switch (p.verdict) {
      case ViewVerdict::Proved: ++r.proved; break;
      case ViewVerdict::Refuted: ++r.refuted; break;
      case ViewVerdict::Unknown: ++r.unknown; break;
    }
    if (p.verdict != ViewVerdict::Proved)
      r.failures.push_back("case " + std::to_string(c) + " (" + view_verdict_name(p.verdict) + "): " + p.detail);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace anvil::verify
