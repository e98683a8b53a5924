#include "engine/runtime/interp/eval.h"

#include <algorithm>
#include <array>

#include "engine/support/error.h"

namespace anvil::interp {
namespace {

bool is_bound_leaf(Op op) { return op == Op::DEFINE_VAR || op == Op::RANGE || op == Op::SPECIAL; }

void check_expression_node(const UOp& u) {
  const Op op = u.op();
  if (op != Op::CONST && !is_bound_leaf(op) && !in_group(op, opgroup::Alu) && op != Op::BITCAST)
    (ErrorBuilder("interp") << op_name(op) << " is not an expression op: " << u.brief()).raise();
  if (u.dtype().is_ptr || u.dtype().count != 1 || u.dtype().scalar == Scalar::Void)
    (ErrorBuilder("interp") << "eval takes scalar values, not " << name(u.dtype()) << ": " << u.brief()).raise();
  if (op == Op::CONST && !std::holds_alternative<int64_t>(u.arg()) && !std::holds_alternative<double>(u.arg()))
    (ErrorBuilder("interp") << "a constant's arg is not a number: " << u.brief()).raise();
}

// A bound value brought into the leaf's dtype, as a CAST to the same type does.
Value fit_to(Scalar s, const Value& v) {
  const Scalar types[] = {s};
  return exec_alu(Op::CAST, s, types, std::span<const Value>(&v, 1));
}

// The value of one node from its sources' values (already checked by check_expression_node).
Value node_value(const UOp& u, std::span<const Value> in, const Env& env) {
  const Scalar s = u.dtype().scalar;
  if (u.op() == Op::CONST) return const_value(u);
  if (is_bound_leaf(u.op())) {
    auto it = env.find(u);
    if (it == env.end()) (ErrorBuilder("interp") << "unbound leaf " << u.brief()).raise();
    return fit_to(s, it->second);
  }
  std::array<Scalar, 3> types{};
  for (size_t i = 0; i < u.src().size() && i < types.size(); ++i) {
    const DType d = u.src(i).dtype();
    if (d.is_ptr || d.count != 1) (ErrorBuilder("interp") << "eval takes scalar sources: " << u.brief()).raise();
    types[i] = d.scalar;
  }
  try {
    return exec_alu(u.op(), s, std::span<const Scalar>(types.data(), std::min(u.src().size(), types.size())), in);
  } catch (const Error& e) {
    (ErrorBuilder("interp") << u.brief() << ": " << e.message()).raise();
  }
}

// Node -> value for one call: open addressing over handles the expression holds (valid for the
// call only), emptied in O(1) by bumping a generation, so a steady state allocates nothing.
class Memo {
 public:
  void reset() {
    if (slots_.size() > kKeep) slots_ = {};  // one huge expression should not pin its table forever
    if (++gen_ == 0) {
      for (Entry& e : slots_) e.gen = 0;
      gen_ = 1;
    }
    size_ = 0;
  }

  const Value* find(const UOp& u) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    const uint64_t h = u.hash();
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Entry& e = slots_[i];
      if (e.gen != gen_) return nullptr;
      if (e.hash == h && *e.key == u) return &e.value;
    }
  }

  void insert(const UOp& u, const Value& v) {  // u must be absent, and held for the whole call
    if ((size_ + 1) * 2 > slots_.size()) grow();
    place(&u, u.hash(), v);
    ++size_;
  }

 private:
  struct Entry {
    const UOp* key = nullptr;
    uint64_t hash = 0;  // the key's, so a probe rarely touches another node
    uint32_t gen = 0;
    Value value;
  };
  static constexpr size_t kKeep = size_t{1} << 16;

  void place(const UOp* key, uint64_t hash, const Value& v) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i].gen == gen_) i = (i + 1) & mask;
    slots_[i] = Entry{key, hash, gen_, v};
  }

  void grow() {
    std::vector<Entry> old = std::move(slots_);
    slots_.assign(std::max<size_t>(64, old.size() * 2), Entry{});
    for (const Entry& e : old)
      if (e.gen == gen_) place(e.key, e.hash, e.value);
  }

  std::vector<Entry> slots_;  // a power of two in size
  uint32_t gen_ = 0;
  size_t size_ = 0;
};

// Per-thread scratch, reused across calls: the symbolic fuzzer evaluates thousands of small
// expressions a second.
struct Scratch {
  Memo memo;
  std::vector<std::pair<const UOp*, size_t>> stack;
  std::vector<Value> in;
  bool busy = false;
};

Scratch& thread_scratch() {
  thread_local Scratch scratch;
  return scratch;
}

class ScratchLease {
 public:
  explicit ScratchLease(Scratch& s) : s_(s) {
    if (s_.busy) (ErrorBuilder("interp") << "eval re-entered on one thread").raise();
    s_.busy = true;
    s_.memo.reset();
    s_.stack.clear();
  }
  ~ScratchLease() {
    if (s_.stack.capacity() > (size_t{1} << 16)) s_.stack = {};
    s_.busy = false;
  }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;

 private:
  Scratch& s_;
};

}  // namespace

Value eval(const UOp& expr, const Env& env) {
  if (!expr) (ErrorBuilder("interp") << "eval of a null UOp").raise();
  Scratch& scratch = thread_scratch();
  ScratchLease lease(scratch);
  Memo& memo = scratch.memo;
  auto& stack = scratch.stack;
  auto& in = scratch.in;
  // Depth-first, children before parents. Every node stays held by expr, so the handles in
  // source lists (the memo's keys) stay valid for the whole call.
  stack.emplace_back(&expr, 0);
  while (!stack.empty()) {
    auto& [u, next] = stack.back();
    if (next == 0) {
      if (memo.find(*u)) {
        stack.pop_back();
        continue;
      }
      check_expression_node(*u);
    }
    const bool leaf = u->op() == Op::CONST || is_bound_leaf(u->op());
    if (!leaf && next < u->src().size()) {
      const UOp* child = &u->src()[next++];
      if (!memo.find(*child)) stack.emplace_back(child, 0);
      continue;
    }
    in.clear();
    if (!leaf)
      for (const UOp& s : u->src()) in.push_back(*memo.find(s));
    const UOp* done = u;
    memo.insert(*done, node_value(*done, in, env));
    stack.pop_back();
  }
  return *memo.find(expr);
}

std::vector<Value> eval_all(std::span<const UOp> topo, const Env& env) {
  Scratch& scratch = thread_scratch();
  ScratchLease lease(scratch);
  std::vector<Value> values;
  values.reserve(topo.size());
  for (const UOp& u : topo) {
    if (!u) (ErrorBuilder("interp") << "eval_all of a null UOp").raise();
    if (const Value* seen = scratch.memo.find(u)) {  // listed twice: one value
      values.push_back(*seen);
      continue;
    }
    check_expression_node(u);
    scratch.in.clear();
    if (u.op() != Op::CONST && !is_bound_leaf(u.op()))
      for (const UOp& s : u.src()) {
        const Value* v = scratch.memo.find(s);
        if (!v) (ErrorBuilder("interp") << "a source of " << u.brief() << " is not before it").raise();
        scratch.in.push_back(*v);
      }
    values.push_back(node_value(u, scratch.in, env));
    scratch.memo.insert(u, values.back());
  }
  return values;
}

Env bind_by_name(const UOp& expr, const std::map<std::string, int64_t>& values) {
  Env env;
  for (const UOp& u : expr.toposort()) {
    if (u.op() != Op::DEFINE_VAR) continue;
    auto it = values.find(u.arg_var().name);
    if (it == values.end()) (ErrorBuilder("interp") << "no value for variable " << u.arg_var().name).raise();
    const bool fl = is_float(u.dtype().scalar);
    env.emplace(u, fl ? Value::of_float(static_cast<double>(it->second)) : Value::of_int(it->second));
  }
  return env;
}

}  // namespace anvil::interp
