#include "engine/schedule/split_reduce.h"

#include <algorithm>
#include <unordered_map>

#include "engine/ir/shape.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

constexpr int64_t kMaxOutputs = 16;          // "a few outputs": more have output loops to thread
constexpr int64_t kMinReduced = 1 << 16;     // smaller reduces finish before threads would pay off
constexpr int64_t kMinPerPartial = 1 << 12;  // each partial sums a run long enough to vectorize

UOp split(const UOp& r, const UOp& in) {
  const Shape& shape = *in.shape();
  const std::vector<int64_t>& axes = r.arg_reduce().axes;
  std::vector<int64_t> perm;
  Shape kept;
  int64_t reduced = 1;
  for (int64_t a = 0; a < static_cast<int64_t>(shape.size()); ++a)
    if (std::find(axes.begin(), axes.end(), a) == axes.end()) perm.push_back(a), kept.push_back(shape[a]);
  for (int64_t a : axes) perm.push_back(a), reduced *= shape[a];
  const int64_t parts = reduce_split_factor(shape_numel(kept), reduced);
  const DType dt = r.dtype();
  UOp x = in;
  bool identity = true;
  for (size_t i = 0; i < perm.size(); ++i) identity = identity && perm[i] == static_cast<int64_t>(i);
  if (!identity) x = UOp::make(Op::PERMUTE, dt, {x}, perm);
  Shape blocked = kept;  // [kept..., parts, reduced / parts]
  blocked.push_back(parts);
  blocked.push_back(reduced / parts);
  x = UOp::make(Op::RESHAPE, dt, {x}, blocked);
  const int64_t k = static_cast<int64_t>(kept.size());
  const Op op = r.arg_reduce().op;
  // The partials are a realization point of their own: fused into the second reduce they would run
  // inside its loop, on one thread again.
  const UOp partial = UOp::make(Op::CONTIGUOUS, dt, {UOp::make(Op::REDUCE_AXIS, dt, {x}, ReduceArg{op, {k + 1}})});
  const UOp total = UOp::make(Op::REDUCE_AXIS, dt, {partial}, ReduceArg{op, {k}});
  return UOp::make(Op::RESHAPE, dt, {total}, *r.shape());
}

bool splittable(const UOp& n) {
  if (n.op() != Op::REDUCE_AXIS || n.src().size() != 1 || !n.src(0).shape() || !n.shape()) return false;
  const Shape& in = *n.src(0).shape();
  int64_t reduced = 1;
  for (int64_t a : n.arg_reduce().axes) reduced *= in[static_cast<size_t>(a)];
  return reduce_split_factor(shape_numel(*n.shape()), reduced) > 1;
}

}  // namespace

int64_t reduce_split_factor(int64_t outputs, int64_t reduced) {
  if (outputs < 1 || outputs > kMaxOutputs || reduced < kMinReduced) return 1;
  for (int64_t parts = 1024; parts >= 16; parts /= 2)
    if (reduced % parts == 0 && reduced / parts >= kMinPerPartial) return parts;
  return 1;
}

std::vector<UOp> split_large_reduces(const std::vector<UOp>& roots) {
  if (roots.empty()) return roots;
  const std::vector<UOp> topo = UOp::make(Op::SINK, dtypes::void_, roots).toposort();
  bool any = false;
  for (const UOp& n : topo) {
    // Symbolic shapes size buffers for their upper bounds: leave those graphs as they are.
    if (n.op() == Op::BIND || n.op() == Op::DEFINE_VAR) return roots;
    any = any || splittable(n);
  }
  if (!any) return roots;
  std::unordered_map<UOp, UOp, UOpHash> now;
  for (const UOp& n : topo) {
    std::vector<UOp> src;
    bool same = true;
    for (const UOp& s : n.src()) {
      src.push_back(now.at(s));
      same = same && src.back() == s;
    }
    UOp u = same ? n : UOp::make(n.op(), n.dtype(), std::move(src), n.arg());
    if (splittable(u)) u = split(u, UOp(u.src(0)));
    now.emplace(n, u);
  }
  std::vector<UOp> out;
  for (const UOp& r : roots) out.push_back(now.at(r));
  return out;
}

}  // namespace anvil
