// REDUCE(value, RANGE...) -> STORE(acc, identity); loops { acc = acc op value }; LOAD(acc, after END).
#include <algorithm>

#include "engine/codegen/lowered.h"
#include "engine/schedule/kernel_ast.h"
#include "engine/support/check.h"

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

class Lowerer {
 public:
  explicit Lowerer(LoweredKernel& out) : out_(out) {}

  UOp rebuild(const UOp& u) {
    auto it = memo_.find(u);
    if (it != memo_.end()) return it->second;
    std::vector<UOp> src;
    for (const UOp& s : u.src()) src.push_back(rebuild(s));
    UOp v = u.op() == Op::REDUCE ? accumulate(u, src)
            : src == u.src()     ? u
                                 : UOp::make(u.op(), u.dtype(), std::move(src), u.arg());
    memo_.emplace(u, v);
    return v;
  }

 private:
  UOp accumulate(const UOp& red, const std::vector<UOp>& src) {
    const DType dt = red.dtype();
    const Op op = red.arg_reduce().op;
    const UOp& value = src[0];
    Scope loops, outer;
    for (size_t i = 1; i < src.size(); ++i) loops.push_back(src[i].arg_int());
    for (int64_t a : out_.scopes.of(value))
      if (std::find(loops.begin(), loops.end(), a) == loops.end()) outer.push_back(a);
    Scope inner = outer;
    inner.insert(inner.end(), loops.begin(), loops.end());
    std::sort(inner.begin(), inner.end());

    const UOp acc = UOp::make(Op::DEFINE_REG, dt.ptr(AddrSpace::Reg, 1), {}, next_reg_++);
    const UOp at = UOp::make(Op::INDEX, acc.dtype(), {acc, UOp::constant(dtypes::index, 0)});
    const UOp init = UOp::make(Op::STORE, dtypes::void_, {at, reduce_identity(op, dt)});
    out_.scopes.pin(init, outer);  // re-initialized for every output element of the loops outside
    const UOp cur = UOp::make(Op::LOAD, dt, {at, init});
    out_.scopes.pin(cur, inner);  // read on every iteration, even when the value is loop-invariant
    UOp done = UOp::make(Op::STORE, dtypes::void_, {at, cur.alu(op, value)});
    for (size_t i = src.size(); i-- > 1;) done = UOp::make(Op::END, dtypes::void_, {src[i], done});
    out_.reduce_outer[loops[0]] = outer;
    for (size_t i = 1; i < loops.size(); ++i) out_.reduce_outer[loops[i]] = Scope{loops[i - 1]};
    return UOp::make(Op::LOAD, dt, {at, done});
  }

  LoweredKernel& out_;
  std::unordered_map<UOp, UOp, UOpHash> memo_;
  int64_t next_reg_ = 0;
};

}  // namespace

LoweredKernel lower_kernel(const UOp& ast) {
  LoweredKernel out;
  out.sink = Lowerer(out).rebuild(ast);
  return out;
}

}  // namespace anvil::codegen
