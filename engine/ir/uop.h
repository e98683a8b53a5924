#pragma once
// UOp: the one node type, at every level (tensor graph, kernel AST, linear program).
// Immutable and hash-consed: structurally equal nodes are the same node, so `a == b` compares
// identity. Interning is thread-safe; a node is freed when the last handle goes.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/ir/dtype.h"
#include "engine/ir/ops.h"

namespace anvil {

struct VarArg {  // DEFINE_VAR: a named integer in [lo, hi]
  std::string name;
  int64_t lo = 0, hi = 0;
  bool operator==(const VarArg&) const = default;
};

struct ReduceArg {  // REDUCE_AXIS / REDUCE: the combining op (ADD, MUL, MAX, ...) and the axes
  Op op = Op::ADD;
  std::vector<int64_t> axes;
  bool operator==(const ReduceArg&) const = default;
};

// The arg of a node. Doubles compare and hash by bits: -0.0 and 0.0 differ, a NaN equals itself.
using Arg = std::variant<std::monostate, int64_t, double, std::string, std::vector<int64_t>, VarArg, ReduceArg>;
bool arg_equal(const Arg& a, const Arg& b);
uint64_t arg_hash(const Arg& a);

class UOp;
namespace detail {
struct Node;
}

class UOp {
 public:
  UOp() = default;
  UOp(const UOp& other);
  UOp(UOp&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
  UOp& operator=(const UOp& other);
  UOp& operator=(UOp&& other) noexcept;
  ~UOp();

  // The one constructor: interns (op, dtype, src, arg) and returns the unique node for it.
  static UOp make(Op op, DType dtype, std::vector<UOp> src = {}, Arg arg = {});

  // Leaves. A constant is rounded/wrapped to its dtype, so equal values share a node.
  static UOp constant(DType dtype, int64_t value);  // integers, bool, index (and floats, converted)
  static UOp constant_float(DType dtype, double value);
  static UOp var(std::string name, int64_t lo, int64_t hi, DType dtype = dtypes::index);

  explicit operator bool() const { return node_ != nullptr; }
  bool operator==(const UOp& other) const { return node_ == other.node_; }  // identity == structure

  Op op() const;
  DType dtype() const;
  const std::vector<UOp>& src() const;
  const UOp& src(size_t i) const;
  const Arg& arg() const;
  uint64_t hash() const;  // structural, deterministic across runs

  // Range analysis, computed when the node is made: exact for every integer and bool scalar
  // (wide, saturating at the dtype's limits). Other dtypes answer their type's limits, or 0/0.
  __int128 vmin() const;
  __int128 vmax() const;

  // The shape of a tensor-graph node (engine/ir/shape.h), inferred when the node is made; none
  // for kernel-level nodes and malformed tensor nodes.
  const std::optional<std::vector<int64_t>>& shape() const;

  // Typed views of arg; ANVIL_CHECK the kind.
  int64_t arg_int() const;
  double arg_float() const;
  const std::string& arg_str() const;
  const std::vector<int64_t>& arg_ints() const;
  const VarArg& arg_var() const;
  const ReduceArg& arg_reduce() const;

  bool is_const() const { return op() == Op::CONST; }
  // For integer/bool constants: the value as a wide integer.
  __int128 const_int() const;

  // Builders. Binary builders with a plain number make a constant of this node's dtype.
  UOp alu(Op op, const UOp& other) const;
  UOp alu(Op op) const;
  UOp where(const UOp& a, const UOp& b) const;  // this is the condition
  UOp cast(DType to) const;
  UOp bitcast(DType to) const;
  UOp const_like(int64_t value) const;
  UOp truncdiv(const UOp& d) const { return alu(Op::TRUNCDIV, d); }
  UOp truncmod(const UOp& d) const { return alu(Op::TRUNCMOD, d); }
  UOp floordiv(const UOp& d) const { return alu(Op::FLOORDIV, d); }
  UOp floormod(const UOp& d) const { return alu(Op::FLOORMOD, d); }
  UOp floordiv(int64_t d) const { return floordiv(const_like(d)); }
  UOp floormod(int64_t d) const { return floormod(const_like(d)); }
  UOp max(const UOp& o) const { return alu(Op::MAX, o); }
  UOp min(const UOp& o) const { return alu(Op::MIN, o); }
  UOp lt(const UOp& o) const { return alu(Op::CMPLT, o); }
  UOp le(const UOp& o) const { return alu(Op::CMPLE, o); }
  UOp eq(const UOp& o) const { return alu(Op::CMPEQ, o); }
  UOp ne(const UOp& o) const { return alu(Op::CMPNE, o); }
  UOp lt(int64_t o) const { return lt(const_like(o)); }

  // Every node reachable from this one, children before parents, each once; deterministic order.
  std::vector<UOp> toposort() const;

  // A short one-line description, for messages: "ADD index (%a, %b)".
  std::string brief() const;

  // The number of live interned nodes (for tests of freeing).
  static size_t live_count();

 private:
  explicit UOp(detail::Node* node) : node_(node) {}
  detail::Node* node_ = nullptr;
  friend struct UOpAccess;
};

UOp operator+(const UOp& a, const UOp& b);
UOp operator-(const UOp& a, const UOp& b);
UOp operator*(const UOp& a, const UOp& b);
UOp operator-(const UOp& a);
UOp operator+(const UOp& a, int64_t b);
UOp operator-(const UOp& a, int64_t b);
UOp operator*(const UOp& a, int64_t b);
UOp operator+(int64_t a, const UOp& b);
UOp operator*(int64_t a, const UOp& b);

// Strict weak order by structure (hash first), for deterministic sorting. Never by address.
bool structural_less(const UOp& a, const UOp& b);

struct UOpHash {
  size_t operator()(const UOp& u) const { return u.hash(); }
};

std::string to_string(__int128 v);

}  // namespace anvil
