#include "engine/ir/uop.h"

#include <array>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "engine/ir/range.h"
#include "engine/ir/shape.h"
#include "engine/support/check.h"
#include "engine/support/hash.h"

namespace anvil {

namespace detail {
struct Node {
  std::atomic<int64_t> refs{1};
  uint64_t hash = 0;
  Op op;
  DType dtype;
  std::vector<UOp> src;
  Arg arg;
  __int128 vmin = 0, vmax = 0;
  std::optional<Shape> shape;
};
}  // namespace detail

using detail::Node;

struct UOpAccess {
  static Node* node(const UOp& u) { return u.node_; }
  static UOp adopt(Node* n) { return UOp(n); }  // takes over one reference
  static Node* release(UOp& u) {
    Node* n = u.node_;
    u.node_ = nullptr;
    return n;
  }
};

namespace {

bool double_equal(double a, double b) { return double_bits(a) == double_bits(b); }

struct ArgEq {
  bool operator()(double a, double b) const { return double_equal(a, b); }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    if constexpr (std::is_same_v<A, B>) return a == b;
    return false;
  }
};

// The intern table: sharded by hash, each shard a multimap so a dying node (count zero, not yet
// unregistered) can sit beside its fresh replacement.
struct Shard {
  std::mutex mu;
  std::unordered_multimap<uint64_t, Node*> nodes;
};
constexpr size_t kShards = 64;
std::array<Shard, kShards>& shards() {
  static auto* table = new std::array<Shard, kShards>();  // never destroyed: nodes may outlive statics
  return *table;
}
std::atomic<size_t> g_live{0};

uint64_t structural_hash(Op op, const DType& dt, const std::vector<UOp>& src, const Arg& arg) {
  uint64_t h = hash_combine(static_cast<uint64_t>(op), static_cast<uint64_t>(dt.scalar));
  h = hash_combine(
      h, (static_cast<uint64_t>(dt.count) << 8) | (dt.is_ptr ? 2u : 0u) | static_cast<uint64_t>(dt.space) << 4);
  h = hash_combine(h, static_cast<uint64_t>(dt.ptr_size));
  h = hash_combine(h, arg_hash(arg));
  for (const UOp& s : src) h = hash_combine(h, s.hash());
  return h;
}

bool same_key(const Node* n, Op op, const DType& dt, const std::vector<UOp>& src, const Arg& arg) {
  if (n->op != op || !(n->dtype == dt) || n->src.size() != src.size() || !arg_equal(n->arg, arg)) return false;
  for (size_t i = 0; i < src.size(); ++i)
    if (!(n->src[i] == src[i])) return false;
  return true;
}

// Takes a reference on a live node; refuses one whose count already reached zero (it is being
// destroyed, and a lookup must never resurrect it).
bool try_acquire(Node* n) {
  int64_t c = n->refs.load(std::memory_order_relaxed);
  while (c > 0)
    if (n->refs.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) return true;
  return false;
}

void unregister(Node* n) {
  Shard& shard = shards()[n->hash % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto [lo, hi] = shard.nodes.equal_range(n->hash);
  for (auto it = lo; it != hi; ++it)
    if (it->second == n) {
      shard.nodes.erase(it);
      return;
    }
  ANVIL_UNREACHABLE() << "freed node missing from the intern table";
}

// Drops one reference; frees iteratively (a million-node chain must not recurse), with no lock
// held while children are released.
void drop(Node* n) {
  if (n->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  std::vector<Node*> work{n};
  while (!work.empty()) {
    Node* m = work.back();
    work.pop_back();
    unregister(m);
    for (UOp& child : m->src) {
      Node* c = UOpAccess::release(child);
      if (c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) work.push_back(c);
    }
    delete m;
    g_live.fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace

bool arg_equal(const Arg& a, const Arg& b) {
  if (a.index() != b.index()) return false;
  return std::visit(ArgEq{}, a, b);
}

uint64_t arg_hash(const Arg& a) {
  uint64_t h = a.index();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>)
          h = hash_combine(h, static_cast<uint64_t>(v));
        else if constexpr (std::is_same_v<T, double>)
          h = hash_combine(h, double_bits(v));
        else if constexpr (std::is_same_v<T, std::string>)
          h = hash_combine(h, hash_bytes(v));
        else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          for (int64_t x : v) h = hash_combine(h, static_cast<uint64_t>(x));
        } else if constexpr (std::is_same_v<T, VarArg>) {
          h = hash_combine(hash_combine(hash_combine(h, hash_bytes(v.name)), v.lo), v.hi);
        } else if constexpr (std::is_same_v<T, ReduceArg>) {
          h = hash_combine(h, static_cast<uint64_t>(v.op));
          for (int64_t x : v.axes) h = hash_combine(h, static_cast<uint64_t>(x));
        }
      },
      a);
  return h;
}

UOp::UOp(const UOp& other) : node_(other.node_) {
  if (node_) node_->refs.fetch_add(1, std::memory_order_relaxed);
}

UOp& UOp::operator=(const UOp& other) {
  if (other.node_) other.node_->refs.fetch_add(1, std::memory_order_relaxed);
  if (node_) drop(node_);
  node_ = other.node_;
  return *this;
}

UOp& UOp::operator=(UOp&& other) noexcept {
  if (this == &other) return *this;
  if (node_) drop(node_);
  node_ = other.node_;
  other.node_ = nullptr;
  return *this;
}

UOp::~UOp() {
  if (node_) drop(node_);
}

UOp UOp::make(Op op, DType dtype, std::vector<UOp> src, Arg arg) {
  const int arity = op_arity(op);
  ANVIL_CHECK(arity < 0 || static_cast<int>(src.size()) == arity)
      << op_name(op) << " takes " << arity << " sources, got " << src.size();
  for (const UOp& s : src) ANVIL_CHECK(s) << op_name(op) << " has a null source";
  const uint64_t h = structural_hash(op, dtype, src, arg);
  Shard& shard = shards()[h % kShards];
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto [lo, hi] = shard.nodes.equal_range(h);
    for (auto it = lo; it != hi; ++it)
      if (same_key(it->second, op, dtype, src, arg) && try_acquire(it->second)) return UOpAccess::adopt(it->second);
  }
  // Not found: build outside the lock (range analysis reads only the children), then insert
  // unless another thread won the race meanwhile.
  auto* n = new Node();
  n->hash = h;
  n->op = op;
  n->dtype = dtype;
  n->src = std::move(src);
  n->arg = std::move(arg);
  Interval r = node_range(n->op, n->dtype, n->src, n->arg);
  n->vmin = r.lo;
  n->vmax = r.hi;
  n->shape = node_shape(n->op, n->src, n->arg);
  Node* winner = nullptr;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto [lo, hi] = shard.nodes.equal_range(h);
    for (auto it = lo; it != hi && !winner; ++it)
      if (same_key(it->second, n->op, n->dtype, n->src, n->arg) && try_acquire(it->second)) winner = it->second;
    if (!winner) shard.nodes.emplace(h, n);
  }
  if (winner) {
    delete n;  // never registered; its children's references drop outside the lock
    return UOpAccess::adopt(winner);
  }
  g_live.fetch_add(1, std::memory_order_relaxed);
  return UOpAccess::adopt(n);
}

size_t UOp::live_count() { return g_live.load(); }

Op UOp::op() const { return node_->op; }
DType UOp::dtype() const { return node_->dtype; }
const std::vector<UOp>& UOp::src() const { return node_->src; }
const UOp& UOp::src(size_t i) const {
  ANVIL_CHECK(i < node_->src.size()) << op_name(node_->op) << " has no source " << i;
  return node_->src[i];
}
const Arg& UOp::arg() const { return node_->arg; }
uint64_t UOp::hash() const { return node_ ? node_->hash : 0; }
__int128 UOp::vmin() const { return node_->vmin; }
__int128 UOp::vmax() const { return node_->vmax; }
const std::optional<std::vector<int64_t>>& UOp::shape() const { return node_->shape; }

template <class T>
static const T& arg_as(const UOp& u, const char* kind) {
  const T* v = std::get_if<T>(&u.arg());
  ANVIL_CHECK(v) << op_name(u.op()) << " arg is not " << kind;
  return *v;
}
int64_t UOp::arg_int() const { return arg_as<int64_t>(*this, "an int"); }
double UOp::arg_float() const { return arg_as<double>(*this, "a float"); }
const std::string& UOp::arg_str() const { return arg_as<std::string>(*this, "a string"); }
const std::vector<int64_t>& UOp::arg_ints() const { return arg_as<std::vector<int64_t>>(*this, "an int list"); }
const VarArg& UOp::arg_var() const { return arg_as<VarArg>(*this, "a variable"); }
const ReduceArg& UOp::arg_reduce() const { return arg_as<ReduceArg>(*this, "a reduce arg"); }

__int128 UOp::const_int() const {
  ANVIL_CHECK(op() == Op::CONST && is_intlike(dtype())) << "const_int of " << brief();
  int64_t v = arg_int();
  if (dtype().scalar == Scalar::UInt64) return static_cast<__int128>(static_cast<uint64_t>(v));
  return v;
}

UOp UOp::constant(DType dtype, int64_t value) {
  if (is_float(dtype.scalar)) return constant_float(dtype, static_cast<double>(value));
  ANVIL_CHECK(!dtype.is_ptr && (is_int(dtype.scalar) || dtype.scalar == Scalar::Bool))
      << "integer constant of dtype " << name(dtype);
  auto wrapped = static_cast<int64_t>(wrap_int(dtype.scalar, value));
  return make(Op::CONST, dtype, {}, wrapped);
}

UOp UOp::constant_float(DType dtype, double value) {
  if (!is_float(dtype.scalar)) {
    ANVIL_CHECK(value == value) << "NaN constant of integer dtype " << name(dtype);
    return constant(dtype, static_cast<int64_t>(value));
  }
  return make(Op::CONST, dtype, {}, round_to(dtype.scalar, value));
}

UOp UOp::var(std::string name, int64_t lo, int64_t hi, DType dtype) {
  return make(Op::DEFINE_VAR, dtype, {}, VarArg{std::move(name), lo, hi});
}

UOp UOp::const_like(int64_t value) const { return constant(dtype().scalar_type(), value); }

UOp UOp::alu(Op op, const UOp& other) const {
  DType out = in_group(op, opgroup::Compare) ? DType(dtypes::bool_).vec(dtype().count) : dtype();
  return make(op, out, {*this, other});
}
UOp UOp::alu(Op op) const { return make(op, dtype(), {*this}); }
UOp UOp::where(const UOp& a, const UOp& b) const { return make(Op::WHERE, a.dtype(), {*this, a, b}); }
UOp UOp::cast(DType to) const { return make(Op::CAST, to, {*this}); }
UOp UOp::bitcast(DType to) const { return make(Op::BITCAST, to, {*this}); }

UOp operator+(const UOp& a, const UOp& b) { return a.alu(Op::ADD, b); }
UOp operator-(const UOp& a, const UOp& b) { return a.alu(Op::SUB, b); }
UOp operator*(const UOp& a, const UOp& b) { return a.alu(Op::MUL, b); }
UOp operator-(const UOp& a) { return a.alu(Op::NEG); }
UOp operator+(const UOp& a, int64_t b) { return a + a.const_like(b); }
UOp operator-(const UOp& a, int64_t b) { return a - a.const_like(b); }
UOp operator*(const UOp& a, int64_t b) { return a * a.const_like(b); }
UOp operator+(int64_t a, const UOp& b) { return b.const_like(a) + b; }
UOp operator*(int64_t a, const UOp& b) { return b.const_like(a) * b; }

std::vector<UOp> UOp::toposort() const {
  std::vector<UOp> out;
  if (!node_) return out;
  // Pointers are fine as visited marks here: every node is held by *this for the whole call.
  std::unordered_set<const Node*> seen;
  std::vector<std::pair<const UOp*, size_t>> stack{{this, 0}};
  seen.insert(node_);
  while (!stack.empty()) {
    auto& [u, next] = stack.back();
    if (next < u->src().size()) {
      const UOp* child = &u->src()[next++];
      if (seen.insert(child->node_).second) stack.emplace_back(child, 0);
      continue;
    }
    out.push_back(*u);
    stack.pop_back();
  }
  return out;
}

std::string to_string(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
  std::string digits;
  while (u) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return neg ? "-" + digits : digits;
}

std::string UOp::brief() const {
  if (!node_) return "<null>";
  std::string out = std::string(op_name(op())) + " " + name(dtype());
  if (const auto* d = std::get_if<double>(&arg()))
    out += " " + std::to_string(*d);
  else if (const auto* i = std::get_if<int64_t>(&arg()))
    out += " " + std::to_string(*i);
  else if (const auto* v = std::get_if<VarArg>(&arg()))
    out += " " + v->name + "[" + std::to_string(v->lo) + "," + std::to_string(v->hi) + "]";
  if (!src().empty()) out += " (" + std::to_string(src().size()) + " src)";
  return out;
}

bool structural_less(const UOp& a, const UOp& b) {
  if (a == b) return false;
  if (a.hash() != b.hash()) return a.hash() < b.hash();
  // Equal hashes of different nodes: compare fields, then sources in order.
  if (a.op() != b.op()) return a.op() < b.op();
  if (a.dtype().scalar != b.dtype().scalar) return a.dtype().scalar < b.dtype().scalar;
  if (a.src().size() != b.src().size()) return a.src().size() < b.src().size();
  for (size_t i = 0; i < a.src().size(); ++i)
    if (!(a.src(i) == b.src(i))) return structural_less(a.src(i), b.src(i));
  if (a.arg().index() != b.arg().index()) return a.arg().index() < b.arg().index();
  return arg_hash(a.arg()) < arg_hash(b.arg());
}

}  // namespace anvil
