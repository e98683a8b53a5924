// REDUCE(value, RANGE...) -> STORE(acc, identity); loops { acc = acc op value }; LOAD(acc, after END).
// A REDUCE over a group's lane loop (opt.h) goes through local memory instead:
//   lanes { local[lane] = value }; BARRIER; STORE(acc, identity); combine { acc = acc op local[j] };
// LOAD(acc, after END): the lanes may run as the threads of one block, the combine then runs in
// each of them, in lane order, after the barrier.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "engine/codegen/lowered.h"
#include "engine/codegen/opt.h"
#include "engine/schedule/kernel_ast.h"
#include "engine/support/check.h"
#include "engine/support/mutant.h"

namespace anvil::codegen {

const Scope& Scopes::of(const UOp& u) {
  auto it = memo_.find(u);
  if (it != memo_.end()) return it->second;
  Scope s;
  if (auto p = pins_.find(u); p != pins_.end()) s = p->second;
  for (const UOp& src : u.src()) {
    const Scope& ss = of(src);
    s.insert(s.end(), ss.begin(), ss.end());
  }
  if (u.op() == Op::RANGE) s.push_back(u.arg_int());
  if (u.op() == Op::END) s.erase(std::remove(s.begin(), s.end(), u.src(0).arg_int()), s.end());
  std::sort(s.begin(), s.end());
  s.erase(std::unique(s.begin(), s.end()), s.end());
  return memo_.emplace(u, std::move(s)).first->second;
}

void Scopes::pin(const UOp& u, Scope s) {
  ANVIL_CHECK(!memo_.count(u)) << "codegen: pinned after its scope was computed: " << u.brief();
  pins_[u] = std::move(s);
}

namespace {

// REDUCEs over the same list of loops share those loops (an upcast kernel has one per output
// element of its register tile): one END per loop closes every accumulator of the group.
using Group = std::vector<UOp>;  // the REDUCEs of one loop list, in first-visit order
struct LoopsHash {
  size_t operator()(const std::vector<UOp>& loops) const {
    size_t h = loops.size();
    for (const UOp& l : loops) h = h * 1000003u ^ UOpHash {}(l);
    return h;
  }
};

class Lowerer {
 public:
  explicit Lowerer(LoweredKernel& out, const UOp& ast) : out_(out) {
    std::unordered_map<std::vector<UOp>, size_t, LoopsHash> by_loops;
    for (const UOp& u : ast.toposort()) {
      if (u.op() == Op::RANGE && is_ordinary_axis(u.arg_int())) next_axis_ = std::max(next_axis_, u.arg_int() + 1);
      if (u.op() != Op::REDUCE) continue;
      std::vector<UOp> loops(u.src().begin() + 1, u.src().end());
      auto [it, fresh] = by_loops.emplace(std::move(loops), groups_.size());
      if (fresh) groups_.emplace_back();
      groups_[it->second].push_back(u);
      group_of_.emplace(u, it->second);
    }
  }

  UOp rebuild(const UOp& u) {
    auto it = memo_.find(u);
    if (it != memo_.end()) return it->second;
    if (u.op() == Op::REDUCE) {
      const size_t g = group_of_.at(u);
      ANVIL_CHECK(!busy_.count(g)) << "codegen: a REDUCE depends on another over the same loops: " << u.brief();
      busy_.insert(g);
      accumulate(groups_[g]);
      return memo_.at(u);
    }
    std::vector<UOp> src;
    for (const UOp& s : u.src()) src.push_back(rebuild(s));
    UOp v = src == u.src() ? u : UOp::make(u.op(), u.dtype(), std::move(src), u.arg());
    memo_.emplace(u, v);
    return v;
  }

 private:
  void accumulate(const Group& group) {
    std::vector<UOp> values;
    for (const UOp& red : group) values.push_back(rebuild(red.src(0)));
    const UOp& first = group.front();
    Scope loops, outer;
    for (size_t i = 1; i < first.src().size(); ++i) loops.push_back(first.src(i).arg_int());
    const bool lanes = std::any_of(loops.begin(), loops.end(), is_lane_axis);
    ANVIL_CHECK(!lanes || loops.size() == 1) << "codegen: a REDUCE over lanes and other loops: " << first.brief();
    for (const UOp& value : values)
      for (int64_t a : out_.scopes.of(value))
        if (std::find(loops.begin(), loops.end(), a) == loops.end()) outer.push_back(a);
    std::sort(outer.begin(), outer.end());
    outer.erase(std::unique(outer.begin(), outer.end()), outer.end());
    Scope inner = outer;
    inner.insert(inner.end(), loops.begin(), loops.end());
    std::sort(inner.begin(), inner.end());
    if (lanes) return through_local(group, values, outer);

    std::vector<UOp> at, done;
    for (size_t m = 0; m < group.size(); ++m) {
      const Accumulator a = accumulator(group[m], ANVIL_MUTANT(14) ? inner : outer, inner);
      at.push_back(a.at);
      done.push_back(UOp::make(Op::STORE, dtypes::void_, {a.at, a.cur.alu(group[m].arg_reduce().op, values[m])}));
    }
    std::vector<UOp> inside = done;
    for (size_t i = first.src().size(); i-- > 1;) {
      inside.insert(inside.begin(), first.src(i));
      inside = {UOp::make(Op::END, dtypes::void_, std::move(inside))};
    }
    out_.reduce_outer[loops[0]] = outer;
    for (size_t i = 1; i < loops.size(); ++i) out_.reduce_outer[loops[i]] = Scope{loops[i - 1]};
    for (size_t m = 0; m < group.size(); ++m)
      memo_.emplace(group[m], UOp::make(Op::LOAD, group[m].dtype(), {at[m], inside[0]}));
  }

  // A register accumulator for `red`: its address, set to the identity in scope `init_scope` (the
  // loops outside, once per their element), and its value read in scope `inner` (every iteration).
  struct Accumulator {
    UOp at, cur;
  };
  Accumulator accumulator(const UOp& red, const Scope& init_scope, const Scope& inner) {
    const DType dt = red.dtype();
    const UOp acc = UOp::make(Op::DEFINE_REG, dt.ptr(AddrSpace::Reg, 1), {}, next_reg_++);
    const UOp at = UOp::make(Op::INDEX, acc.dtype(), {acc, UOp::constant(dtypes::index, 0)});
    const UOp init = UOp::make(Op::STORE, dtypes::void_, {at, reduce_identity(red.arg_reduce().op, dt)});
    out_.scopes.pin(init, init_scope);
    const UOp cur = UOp::make(Op::LOAD, dt, {at, init});
    out_.scopes.pin(cur, inner);  // read on every iteration, even when the value is loop-invariant
    return {at, cur};
  }

  // The lanes store their values to local memory; after a barrier, a loop of its own combines them.
  void through_local(const Group& group, const std::vector<UOp>& values, const Scope& outer) {
    const UOp& lane = group.front().src(1);
    const int64_t k = lane.src(0).const_int();
    std::vector<UOp> local, stores{lane};
    for (size_t m = 0; m < group.size(); ++m) {
      const DType dt = group[m].dtype();
      local.push_back(UOp::make(Op::DEFINE_LOCAL, dt.ptr(AddrSpace::Local, k), {}, next_local_++));
      stores.push_back(
          UOp::make(Op::STORE, dtypes::void_, {UOp::make(Op::INDEX, local[m].dtype(), {local[m], lane}), values[m]}));
    }
    const UOp lanes_done = UOp::make(Op::END, dtypes::void_, std::move(stores));
    const UOp barrier = UOp::make(Op::BARRIER, dtypes::void_, {lanes_done});
    const UOp j = UOp::make(Op::RANGE, dtypes::index, {lane.src(0)}, next_axis_++);
    Scope inner = outer;
    inner.push_back(j.arg_int());
    std::sort(inner.begin(), inner.end());
    std::vector<UOp> at, combine{j};
    for (size_t m = 0; m < group.size(); ++m) {
      const DType dt = group[m].dtype();
      const Accumulator a = accumulator(group[m], outer, inner);
      at.push_back(a.at);
      const UOp part = UOp::make(Op::LOAD, dt, {UOp::make(Op::INDEX, local[m].dtype(), {local[m], j}), barrier});
      combine.push_back(UOp::make(Op::STORE, dtypes::void_, {a.at, a.cur.alu(group[m].arg_reduce().op, part)}));
    }
    const UOp combined = UOp::make(Op::END, dtypes::void_, std::move(combine));
    out_.reduce_outer[lane.arg_int()] = outer;
    out_.reduce_outer[j.arg_int()] = outer;
    for (size_t m = 0; m < group.size(); ++m)
      memo_.emplace(group[m], UOp::make(Op::LOAD, group[m].dtype(), {at[m], combined}));
  }

  LoweredKernel& out_;
  std::vector<Group> groups_;
  std::unordered_map<UOp, size_t, UOpHash> group_of_;
  std::unordered_set<size_t> busy_;
  std::unordered_map<UOp, UOp, UOpHash> memo_;
  int64_t next_reg_ = 0;
  int64_t next_local_ = 0;
  int64_t next_axis_ = 0;  // for the combine loops of groups
};

}  // namespace

LoweredKernel lower_kernel(const UOp& ast) {
  LoweredKernel out;
  out.sink = Lowerer(out, ast).rebuild(ast);
  return out;
}

}  // namespace anvil::codegen
