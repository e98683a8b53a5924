// The default actions (engine/codegen/opt.h): cut the outermost loop into one chunk per thread
// when there is enough work, give contractions a register tile, and give reductions several
// accumulators so the compiler can vectorize them. ANVIL_SEARCH tries more (engine/runtime/search).
#include <algorithm>
#include <unordered_map>

#include "engine/codegen/opt.h"
#include "engine/support/error.h"

namespace anvil {
namespace {

constexpr int64_t kThreadWork = int64_t{1} << 15;  // loop iterations below which threads cost more than they give
constexpr size_t kMaxTileNodes = 6000;             // keeps compile time of a tiled kernel small

// A register tile as large as the vector registers hold: 8 x 32 accumulators fill AVX-512's 32
// registers of 16 floats; 4 x 16 fill AVX2's 16 registers of 8.
bool wide_vectors() {
#if defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  return avx512;
#else
  return false;
#endif
}

bool has_reduce(const UOp& ast) {
  for (const UOp& u : ast.toposort())
    if (u.op() == Op::REDUCE) return true;
  return false;
}

int64_t first_divisor(int64_t n, std::initializer_list<int64_t> wanted) {
  for (int64_t k : wanted)
    if (k > 1 && n % k == 0 && n >= k) return k;
  return 0;
}

// Applies `opt` when it keeps the kernel small enough; reports whether it did.
bool try_apply(UOp& ast, std::vector<Opt>& opts, const Opt& opt) {
  try {
    UOp next = apply_opt(ast, opt);
    if (next.toposort().size() > kMaxTileNodes) return false;
    ast = next;
    opts.push_back(opt);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Whether some load in a reduction reads the same element for every value of loop `id`: copies
// made by upcasting that loop then share the load (a register tile), instead of each streaming its own.
bool shares_a_load(const UOp& ast, int64_t id) {
  std::unordered_map<UOp, bool, UOpHash> uses;  // node -> depends on loop id
  bool in_reduce_load = false;
  for (const UOp& u : ast.toposort()) {
    bool d = u.op() == Op::RANGE && u.arg_int() == id;
    for (const UOp& s : u.src()) d = d || uses.at(s);
    uses.emplace(u, d);
  }
  for (const UOp& u : ast.toposort())
    if (u.op() == Op::REDUCE)
      for (const UOp& n : u.src(0).toposort())
        if (n.op() == Op::LOAD && !uses.at(n)) in_reduce_load = true;
  return in_reduce_load;
}

const KernelAxis* axis_with_id(const std::vector<KernelAxis>& axes, int64_t id) {
  for (const KernelAxis& a : axes)
    if (a.id == id) return &a;
  return nullptr;
}

}  // namespace

std::vector<Opt> choose_opts(const UOp& ast, size_t threads) {
  std::vector<Opt> opts;
  UOp cur = ast;
  std::vector<KernelAxis> axes = kernel_axes(cur);
  int64_t work = 1;
  std::vector<int64_t> outs, reds;
  for (const KernelAxis& a : axes) {
    if (a.size < 0) return opts;  // symbolic kernels run as they are
    work = work > (int64_t{1} << 40) / std::max<int64_t>(a.size, 1) ? int64_t{1} << 40 : work * a.size;
    (a.reduce ? reds : outs).push_back(a.id);
  }
  // Threads: the outermost output loop, cut evenly.
  if (threads > 1 && work >= kThreadWork && !outs.empty()) {
    const int64_t n = axis_with_id(axes, outs[0])->size;
    for (auto t = static_cast<int64_t>(threads); t >= 2; --t)
      if (n % t == 0 && try_apply(cur, opts, {OptKind::Thread, outs[0], t})) break;
  }
  axes = kernel_axes(cur);
  const bool reduces = has_reduce(cur);
  bool tiled = false;
  // Contractions: a register tile over the last two output loops (the last is the contiguous one
  // of a row-major output: its copies store side by side).
  if (reduces && !outs.empty()) {
    const int64_t last = outs.back();
    if (const KernelAxis* a = axis_with_id(axes, last); a && shares_a_load(cur, last))
      if (const int64_t k =
              wide_vectors() ? first_divisor(a->size, {32, 16, 8, 4}) : first_divisor(a->size, {16, 8, 4});
          k)
        tiled = try_apply(cur, opts, {OptKind::Upcast, last, k});
    axes = kernel_axes(cur);
    if (outs.size() >= 2)
      if (const KernelAxis* a = axis_with_id(axes, outs[outs.size() - 2]); a && shares_a_load(cur, a->id))
        if (const int64_t k = wide_vectors() ? first_divisor(a->size, {8, 4, 2}) : first_divisor(a->size, {4, 2}); k)
          tiled = try_apply(cur, opts, {OptKind::Upcast, a->id, k}) || tiled;
  }
  // Reductions without a tile: several accumulators on the innermost reduce loop.
  if (reduces && !tiled && !reds.empty()) {
    axes = kernel_axes(cur);
    if (const KernelAxis* a = axis_with_id(axes, reds.back()); a && a->size >= 32)
      if (const int64_t k = first_divisor(a->size, {8, 4}); k) try_apply(cur, opts, {OptKind::Unroll, a->id, k});
  }
  return opts;
}

}  // namespace anvil
