#include "fuzz/lib/graph_leaves.h"

#include <array>
#include <cmath>

#include "engine/ir/buffer.h"
#include "engine/support/hash.h"
#include "engine/tensor/storage.h"
#include "fuzz/lib/graph_edit.h"

namespace anvil::fuzz {
namespace {

constexpr uint64_t kEdgeEvery = 24;  // one element in 24 is an edge value

uint64_t mix(uint64_t x) {  // splitmix64's finalizer: every input bit reaches every output bit
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Bit patterns of the float edges per dtype: NaN, +max finite, +smallest denormal.
struct FloatBits {
  uint64_t nan, max, denorm;
};
FloatBits float_bits(Scalar s) {
  switch (s) {
    case Scalar::Float16: return {0x7e00, 0x7bff, 1};
    case Scalar::BFloat16: return {0x7fc0, 0x7f7f, 1};
    case Scalar::Float32: return {0x7fc00000, 0x7f7fffff, 1};
    default: return {0x7ff8000000000000ULL, 0x7fefffffffffffffULL, 1};
  }
}

Value float_edge(Scalar s, uint64_t pick) {
  const FloatBits b = float_bits(s);
  const uint64_t sign = uint64_t{1} << (bits(s) - 1);
  switch (pick % 10) {
    case 0: return Value::of_float(0.0);
    case 1: return Value::of_float(-0.0);
    case 2: return Value::of_float(HUGE_VAL);
    case 3: return Value::of_float(-HUGE_VAL);
    case 4: return value_from_bits(s, b.nan);
    case 5: return value_from_bits(s, b.denorm);
    case 6: return value_from_bits(s, b.denorm | sign);
    case 7: return Value::of_float(1.0);
    case 8: return Value::of_float(-1.0);
    default: return value_from_bits(s, b.max | (pick & 16 ? sign : 0));
  }
}

Value int_edge(Scalar s, uint64_t pick) {
  const __int128 lo = int_min(s), hi = int_max(s);
  const std::array<__int128, 7> edges = {0, 1, -1, lo, hi, lo + 1, hi - 1};
  return Value::of_int(wrap_int(s, edges[pick % edges.size()]));
}

}  // namespace

Value leaf_value(int64_t uid, int64_t i, Scalar s) {
  const uint64_t h = mix(hash_combine(hash_combine(static_cast<uint64_t>(uid), static_cast<uint64_t>(i)),
                                      static_cast<uint64_t>(s) + 0x9e37));
  const uint64_t pick = h >> 8;
  if (s == Scalar::Bool) return Value::of_int(pick & 1);
  const bool edge = h % kEdgeEvery == 0;
  if (is_float(s)) return edge ? float_edge(s, pick) : Value::of_float(static_cast<double>(pick % 33) / 4 - 4);
  if (edge) return int_edge(s, pick);
  const int64_t small = static_cast<int64_t>(pick % 17);  // unsigned: 0..16, signed: -8..8
  return Value::of_int(is_unsigned(s) ? small : small - 8);
}

BoundGraph::BoundGraph(const UOp& text_root) {
  Substitution subs;
  for (const UOp& u : text_root.toposort()) {
    if (u.op() != Op::BUFFER) continue;
    const int64_t text_uid = u.arg_ints()[0], count = u.arg_ints()[1];
    auto storage = std::make_shared<Buffer>(u.dtype(), static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) storage->set(static_cast<size_t>(i), leaf_value(text_uid, i, u.dtype().scalar));
    const int64_t uid = new_buffer_uid();
    register_storage(uid, std::move(storage));
    uids_.push_back(uid);
    subs.emplace(u, UOp::make(Op::BUFFER, u.dtype(), {}, std::vector<int64_t>{uid, count}));
  }
  root_ = substitute(text_root, subs);
}

BoundGraph::~BoundGraph() {
  root_ = UOp();
  for (int64_t uid : uids_) (void)claim_storage(uid);  // the registry then holds it weakly: freed here
}

UOp renumber_buffers(const UOp& root, int64_t first) {
  Substitution subs;
  int64_t next = first;
  for (const UOp& u : root.toposort())
    if (u.op() == Op::BUFFER)
      subs.emplace(u, UOp::make(Op::BUFFER, u.dtype(), {}, std::vector<int64_t>{next++, u.arg_ints()[1]}));
  return substitute(root, subs);
}

}  // namespace anvil::fuzz
