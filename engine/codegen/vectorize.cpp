// The vectorize action (engine/codegen/opt.h): the k iterations outer * k + 0 .. k - 1 of one output
// loop as k-lane values. What does not depend on the loop stays scalar (a VECTORIZE broadcasts it
// where a vector needs it); a load or store whose index steps by 1 with the loop and whose gate does
// not depend on it moves k consecutive elements at once; any other access goes lane by lane.
#include "engine/codegen/vectorize.h"

#include <unordered_map>
#include <vector>

#include "engine/symbolic/terms.h"

namespace anvil::codegen {
namespace {

class Vectorizer {
 public:
  // `outer` is a constant (0) when the loop has only k iterations.
  Vectorizer(const UOp& loop, const UOp& outer, int64_t k)
      : loop_(loop), base_(outer.is_const() ? outer : outer * k), k_(k), lanes_(k) {}

  std::vector<UOp> store(const UOp& s) {
    if (!depends(s)) return {s};
    const UOp& at = s.src(0);
    if (contiguous(at)) return {UOp::make(Op::STORE, s.dtype(), {lane(at, 0), broadcast(vec(s.src(1)))}, s.arg())};
    const UOp v = vec(s.src(1));
    std::vector<UOp> out;
    for (int64_t c = 0; c < k_; ++c) {
      const UOp value = v.dtype().count == 1      ? v
                        : v.op() == Op::VECTORIZE ? v.src(static_cast<size_t>(c))
                                                  : UOp::make(Op::GEP, v.dtype().scalar_type(), {v}, c);
      out.push_back(UOp::make(Op::STORE, s.dtype(), {lane(at, c), value}, s.arg()));
    }
    return out;
  }

 private:
  bool depends(const UOp& u) {
    if (auto it = depends_.find(u); it != depends_.end()) return it->second;
    bool d = u == loop_;
    for (const UOp& s : u.src()) d = d || depends(s);
    depends_.emplace(u, d);
    return d;
  }

  // u at iteration outer * k + c of the loop, as scalars (what upcast computes for copy c).
  UOp lane(const UOp& u, int64_t c) {
    if (!depends(u)) return u;
    auto& memo = lanes_[static_cast<size_t>(c)];
    if (auto it = memo.find(u); it != memo.end()) return it->second;
    UOp v;
    if (u == loop_) {
      v = c == 0 ? base_ : base_.is_const() ? UOp::constant(dtypes::index, c) : base_ + c;
    } else {
      std::vector<UOp> src;
      for (const UOp& s : u.src()) src.push_back(lane(s, c));
      v = UOp::make(u.op(), u.dtype(), std::move(src), u.arg());
    }
    memo.emplace(u, v);
    return v;
  }

  // An INDEX whose lanes are k consecutive elements under one gate: its index is the loop plus
  // terms that do not depend on it.
  bool contiguous(const UOp& index) {
    if (index.op() != Op::INDEX || (index.src().size() == 3 && depends(index.src(2)))) return false;
    const std::optional<Sum> sum = decompose(index.src(1));
    if (!sum) return false;
    bool once = false;
    for (const Term& t : sum->terms) {
      if (t.base == loop_ && t.coeff == 1 && !once) {
        once = true;
      } else if (depends(t.base)) {
        return false;
      }
    }
    return once;
  }

  UOp broadcast(const UOp& u) {
    if (u.dtype().count > 1) return u;
    return UOp::make(Op::VECTORIZE, u.dtype().vec(static_cast<int>(k_)), std::vector<UOp>(static_cast<size_t>(k_), u));
  }

  UOp gather(const UOp& u) {
    std::vector<UOp> src;
    for (int64_t c = 0; c < k_; ++c) src.push_back(lane(u, c));
    return UOp::make(Op::VECTORIZE, u.dtype().vec(static_cast<int>(k_)), std::move(src));
  }

  // u's k lanes: u itself when it does not depend on the loop.
  UOp vec(const UOp& u) {
    if (!depends(u)) return u;
    if (auto it = vec_.find(u); it != vec_.end()) return it->second;
    const DType dt = u.dtype().vec(static_cast<int>(k_));
    UOp v;
    if (u.op() == Op::LOAD && u.src().size() <= 2 && contiguous(u.src(0))) {
      std::vector<UOp> src = {lane(u.src(0), 0)};
      if (u.src().size() == 2) src.push_back(broadcast(vec(u.src(1))));  // the alternative where gated off
      v = UOp::make(Op::LOAD, dt, std::move(src), u.arg());
    } else if ((in_group(u.op(), opgroup::Alu) || u.op() == Op::BITCAST) && u.dtype().scalar != Scalar::Index) {
      std::vector<UOp> src;
      for (const UOp& s : u.src()) src.push_back(broadcast(vec(s)));
      v = UOp::make(u.op(), dt, std::move(src), u.arg());
    } else {  // index arithmetic, strided or gated loads: lane by lane
      v = gather(u);
    }
    vec_.emplace(u, v);
    return v;
  }

  UOp loop_, base_;
  int64_t k_;
  std::unordered_map<UOp, bool, UOpHash> depends_;
  std::vector<std::unordered_map<UOp, UOp, UOpHash>> lanes_;
  std::unordered_map<UOp, UOp, UOpHash> vec_;
};

}  // namespace

UOp vectorize_loop(const UOp& ast, const UOp& loop, const UOp& outer, int64_t k, std::string& why) {
  for (const UOp& u : ast.toposort()) {
    if (u.op() == Op::REDUCE) why = "the kernel reduces; use upcast";
    if (!u.dtype().is_ptr && u.dtype().count > 1) why = "the kernel is already vectorized";
    if (!why.empty()) return UOp();
  }
  for (const UOp& s : ast.src())
    if (s.op() != Op::STORE) {
      why = "the kernel does more than store (" + s.brief() + ")";
      return UOp();
    }
  Vectorizer v(loop, outer, k);
  std::vector<UOp> stores;
  for (const UOp& s : ast.src())
    for (UOp& t : v.store(s)) stores.push_back(std::move(t));
  return UOp::make(Op::SINK, ast.dtype(), std::move(stores), ast.arg());
}

}  // namespace anvil::codegen
