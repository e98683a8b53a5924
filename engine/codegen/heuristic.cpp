// The default actions (engine/codegen/opt.h). A GPU target gets gpu_opts (below): tc for contractions whose
// sum steps by 16, group for reductions with few outputs, a register tile for other contractions. A host: cut the
// outermost loop into one chunk per thread when there is enough work, give transposing copies blocks, dot products
// (both operands read along the reduce loop) accumulators along it, other contractions a register tile (cache-blocked
// when an operand is streamed whole per tile row), and reductions several accumulators so the compiler can vectorize
// them. ANVIL_SEARCH tries more (engine/runtime/search).
#include <algorithm>
#include <optional>
#include <unordered_map>

#include "engine/codegen/opt.h"
#include "engine/support/error.h"
#include "engine/symbolic/terms.h"

namespace anvil {
namespace {

constexpr int64_t kThreadWork = int64_t{1} << 15;  // loop iterations below which threads cost more than they give
constexpr size_t kMaxTileNodes = 6000;             // keeps compile time of a tiled kernel small
constexpr int64_t kCacheBytes = int64_t{8} << 20;  // an operand streamed past this is blocked (a 2048 matmul's 16 MB B)
constexpr int64_t kGpuFewOutputs = int64_t{1} << 15;   // fewer outputs than this leave an H100's 270K threads idle
constexpr int64_t kGpuTileThreads = int64_t{1} << 16;  // threads a larger register tile must still leave
constexpr int64_t kGpuTcWarps = 1024;                  // warps a larger tc tile must still leave (8 an H100 SM)

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

int64_t first_divisor(int64_t n, const std::vector<int64_t>& wanted) {
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

// Per node: whether it depends on loop `id`.
std::unordered_map<UOp, bool, UOpHash> depends_on(const UOp& ast, int64_t id) {
  std::unordered_map<UOp, bool, UOpHash> uses;
  for (const UOp& u : ast.toposort()) {
    bool d = u.op() == Op::RANGE && u.arg_int() == id;
    for (const UOp& s : u.src()) d = d || uses.at(s);
    uses.emplace(u, d);
  }
  return uses;
}

// The work that copies made by upcasting loop `id` share: value nodes (not index arithmetic) of the
// reductions' bodies that change with the reduce loops but not with loop `id` (a matmul's A element
// for a column copy; a convolution's gate, input load and activation for an output-channel copy).
// 0: no load is shared, no tile.
size_t shared_work(const UOp& ast, int64_t id) {
  const auto uses = depends_on(ast, id);
  size_t shared = 0;
  bool a_load = false;
  for (const UOp& u : ast.toposort()) {
    if (u.op() != Op::REDUCE) continue;
    std::unordered_map<UOp, bool, UOpHash> varies;  // changes with this reduce's loops
    for (const UOp& n : u.src(0).toposort()) {
      bool v = std::find(u.src().begin() + 1, u.src().end(), n) != u.src().end();
      for (const UOp& s : n.src()) v = v || varies.at(s);
      varies.emplace(n, v);
      if (!v || uses.at(n) || n.dtype() == dtypes::index || n.op() == Op::INDEX || n.op() == Op::CONST) continue;
      ++shared;
      a_load = a_load || n.op() == Op::LOAD;
    }
  }
  return a_load ? shared : 0;
}

// The most bytes one load of the reductions reads while loop `id` stays fixed: a matmul's B
// matrix for the row loop. Each load counts its loops' iterations, at most its buffer.
int64_t streamed_bytes(const UOp& ast, int64_t id) {
  const auto uses = depends_on(ast, id);
  int64_t most = 0;
  for (const UOp& u : ast.toposort()) {
    if (u.op() != Op::REDUCE) continue;
    for (const UOp& n : u.src(0).toposort()) {
      if (n.op() != Op::LOAD || uses.at(n) || n.src(0).op() != Op::INDEX) continue;
      const UOp& buf = n.src(0).src(0);
      if (buf.op() != Op::DEFINE_GLOBAL) continue;
      const int64_t item = itemsize(buf.dtype().elem());
      int64_t elems = 1;
      for (const UOp& r : n.toposort())
        if (r.op() == Op::RANGE && r.src(0).is_const())
          elems = r.src(0).arg_int() > (int64_t{1} << 30) / elems ? int64_t{1} << 30 : elems * r.src(0).arg_int();
      most = std::max(most, std::min(elems, buf.dtype().ptr_size) * item);
    }
  }
  return most;
}

// The stride of loop `id` in a load's index: 0 when the load does not use it, -1 when the index is
// not a sum of loops times constants.
int64_t stride_in(const UOp& load, int64_t id) {
  const std::optional<Sum> sum = decompose(load.src(0).src(1));
  if (!sum) return -1;
  int64_t stride = 0;
  for (const Term& t : sum->terms) {
    if (t.base.op() == Op::RANGE && t.base.arg_int() == id) {
      stride = static_cast<int64_t>(t.coeff);
      continue;
    }
    for (const UOp& n : t.base.toposort())
      if (n.op() == Op::RANGE && n.arg_int() == id) return -1;
  }
  return stride;
}

// A dot-product contraction: every load of the reductions that changes with reduce loop `red` reads
// consecutive elements along it, at least two loads do, and some load that changes with output loop
// `last` reads it with a stride (x @ W^T with both operands row-major). Its accumulators, not a tile
// over `last`, give the vector lanes.
bool dot_product(const UOp& ast, int64_t red, int64_t last) {
  size_t unit = 0;
  bool strided_last = false;
  for (const UOp& u : ast.toposort()) {
    if (u.op() != Op::LOAD || u.src(0).op() != Op::INDEX || u.src(0).src().size() < 2) continue;
    const int64_t r = stride_in(u, red), l = stride_in(u, last);
    if (r < 0 || l < 0) return false;
    if (r > 1) return false;
    unit += r == 1;
    strided_last = strided_last || l > 1;
  }
  return unit >= 2 && strided_last;
}

const KernelAxis* axis_with_id(const std::vector<KernelAxis>& axes, int64_t id) {
  for (const KernelAxis& a : axes)
    if (a.id == id) return &a;
  return nullptr;
}

// Some load or store of the kernel has an index that steps by 1 with loop `id`.
bool steps_by_one(const UOp& ast, int64_t id) {
  for (const UOp& u : ast.toposort()) {
    if (u.op() != Op::INDEX) continue;
    const std::optional<Sum> sum = decompose(u.src(1));
    if (!sum) continue;
    for (const Term& t : sum->terms)
      if (t.base.op() == Op::RANGE && t.base.arg_int() == id && t.coeff == 1) return true;
  }
  return false;
}

// A GPU's renderer makes every iteration of the output loops a thread, so no thread or unroll
// actions. A reduction with too few outputs to fill the device (a full sum, softmax's row maxima)
// groups its innermost reduce loop over the lanes of a block: adjacent lanes read adjacent
// elements. A contraction with outputs to spare gets a register tile over its last two output
// loops (each thread's loads then serve 4 or 8 outputs each); one whose sum steps by 16 goes to the
// tensor cores (tc) instead. An elementwise kernel vectorizes its
// innermost output loop by 4 (each thread moves 16 bytes of float32 at once).
std::vector<Opt> gpu_opts(const UOp& ast) {
  std::vector<Opt> opts;
  UOp cur = simplify_gated_indices(ast);
  const std::vector<KernelAxis> axes = kernel_axes(cur);
  int64_t outputs = 1;
  std::vector<const KernelAxis*> outs, reds;
  for (const KernelAxis& a : axes) {
    if (a.size < 0) return opts;  // symbolic kernels run as they are
    if (!a.reduce)
      outputs = outputs > (int64_t{1} << 40) / std::max<int64_t>(a.size, 1) ? int64_t{1} << 40 : outputs * a.size;
    (a.reduce ? reds : outs).push_back(&a);
  }
  if (reds.empty()) {
    // 4 lanes a thread: 16-byte loads and stores (float4) where an access steps by 1 with the loop.
    if (!outs.empty() && outs.back()->size % 4 == 0 && steps_by_one(cur, outs.back()->id))
      try_apply(cur, opts, {OptKind::Vectorize, outs.back()->id, 4});
    return opts;
  }
  // A float32 sum of products of float16, bfloat16 or float32 loads: the tensor cores (tc refuses
  // anything else). 32 x 32 warp tiles where they pair up along every output loop they fit, staged
  // through shared memory by blocks of 2 x 2 warps (render_c_family.h), else 16 x 16. On an H200,
  // float32 at 1024^2 / 2048^2 / 4096^2: 24.3 / 32.3 / 33.4 TFLOPS, against 5.1 / 19.2 / 16.2 for
  // 64 x 64 and 14.3 / 17.1 / 17.2 for 16 x 16; float16: 35.8 / 66.4 / 76.5, against 15.5 / 77.4 /
  // 68.3 and 29.9 / 40.6 / 39.3.
  if (reds.size() == 1) {
    bool pairs = true;
    for (const KernelAxis* a : outs)
      pairs = pairs && (a->size % (2 * kTileSize) != 0 || a->size % (4 * kTileSize) == 0);
    for (int64_t w : {2 * kTileSize, kTileSize})
      if ((w == kTileSize || pairs) && try_apply(cur, opts, {OptKind::Tc, reds[0]->id, w})) return opts;
  }
  if (outputs < kGpuFewOutputs) {
    // About as many lanes as elements per lane (thread 0 folds the lanes in order), at least 32.
    const KernelAxis& r = *reds.back();
    for (int64_t k : {256, 128, 64, 32})
      if (r.size % k == 0 && (k * k <= r.size || k == 32)) {
        try_apply(cur, opts, {OptKind::Group, r.id, k});
        break;
      }
    return opts;
  }
  if (outs.size() >= 2) {
    // 8 x 8 where that still leaves 2^16 threads (a 2048^2 matmul: 9.4 -> 13.4 TFLOPS on an H100),
    // else 4 x 4 (8 x 8 at 1024^2 left too few threads: 8.4 -> 4.5 TFLOPS).
    const int64_t tile = outputs >= kGpuTileThreads * 64 ? 8 : 4;
    const int64_t last = outs.back()->id, second = outs[outs.size() - 2]->id;
    for (int64_t t : {tile, int64_t{4}})
      if (outs.back()->size % t == 0 && try_apply(cur, opts, {OptKind::Upcast, last, t})) break;
    for (int64_t t : {tile, int64_t{4}})
      if (outs[outs.size() - 2]->size % t == 0 && try_apply(cur, opts, {OptKind::Upcast, second, t})) break;
  }
  return opts;
}

}  // namespace

OptTarget host_opt_target(size_t threads) { return {threads, wide_vectors()}; }

std::vector<Opt> choose_opts(const UOp& ast, const OptTarget& target) {
  if (target.gpu) return gpu_opts(ast);
  const size_t threads = target.threads;
  std::vector<Opt> opts;
  UOp cur = simplify_gated_indices(ast);  // as apply_opts does first
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
  // Transposes: a load that reads along an outer output loop and strides along the last gets copies
  // of that outer loop, so each pass over the last loop reads runs of consecutive elements.
  if (!reduces && outs.size() >= 2) {
    const int64_t last = outs.back();
    for (size_t i = outs.size() - 1; i-- > 0;) {
      const KernelAxis* a = axis_with_id(axes, outs[i]);
      bool along = false;
      for (const UOp& u : cur.toposort())
        if (u.op() == Op::LOAD && u.src(0).op() == Op::INDEX && u.src(0).src().size() >= 2)
          along = along || (stride_in(u, outs[i]) == 1 && stride_in(u, last) > 1);
      if (!along || !a) continue;
      // 16 x 4 blocks: each pass reads 16 elements in a row and writes 4 in a row (0.078 -> 0.037 ms for a
      // 256 x 784 float32 transpose here).
      if (const int64_t k = first_divisor(a->size, {16, 8, 4});
          k && try_apply(cur, opts, {OptKind::Upcast, a->id, k})) {
        axes = kernel_axes(cur);  // `a` points into the old list
        if (const KernelAxis* l = axis_with_id(axes, last); l && l->size % 4 == 0)
          try_apply(cur, opts, {OptKind::Upcast, last, 4});
      }
      break;
    }
    return opts;
  }
  // Dot products: the innermost reduce loop gets the accumulators; a tile would read strided.
  if (reduces && !outs.empty() && !reds.empty()) {
    const KernelAxis* r = axis_with_id(axes, reds.back());
    const int64_t k = r && r->size >= 32 ? first_divisor(r->size, target.wide_vectors ? std::vector<int64_t>{16, 8}
                                                                                      : std::vector<int64_t>{8})
                                         : 0;
    if (k && dot_product(cur, r->id, outs.back()) && try_apply(cur, opts, {OptKind::Unroll, r->id, k})) return opts;
  }
  // Contractions: a register tile over the last output loop (the contiguous one of a row-major
  // output: its copies store side by side) and the output loop whose copies share the most work.
  // The loop with far more shared work gets the long side: a convolution's output channels share
  // the gated input, a matmul's rows and columns share one load each.
  if (reduces && !outs.empty()) {
    const int64_t last = outs.back();
    int64_t second = -1;
    size_t best = 0;
    for (size_t i = 0; i + 1 < outs.size(); ++i)
      if (const size_t w = shared_work(cur, outs[i]); w > 0 && w >= best) best = w, second = outs[i];
    const size_t last_work = shared_work(cur, last);
    const bool long_second = second >= 0 && best > last_work;
    const bool wide = target.wide_vectors;
    auto sizes = [&](bool long_side) {  // a long side of 32 (AVX-512) or 16 floats, a short side of 8 or 4
      if (long_side) return wide ? std::vector<int64_t>{32, 16, 8, 4} : std::vector<int64_t>{16, 8, 4};
      return wide ? std::vector<int64_t>{8, 4, 2} : std::vector<int64_t>{4, 2};
    };
    const int64_t streamed = second >= 0 ? streamed_bytes(cur, second) : 0;
    // The second loop first: the copies of the loop upcast last are adjacent stores, which the
    // compilers vectorize when they are contiguous (a convolution ran 4 vs 29 GFLOPS by the order).
    // A last loop that takes less than its long side (784 columns: 16, not 32) leaves registers for
    // more copies of the second: the tile keeps its number of accumulators (16 x 16 ran 181 vs 137
    // GFLOPS for 8 x 16 on a 256 x 784 weight gradient here).
    const KernelAxis* la = axis_with_id(axes, last);
    const int64_t k_last = la && last_work > 0 ? first_divisor(la->size, sizes(!long_second)) : 0;
    std::vector<int64_t> second_sizes = sizes(long_second);
    if (!long_second && k_last > 0 && k_last < sizes(true).front())
      second_sizes.insert(second_sizes.begin(), second_sizes.front() * (sizes(true).front() / k_last));
    bool tiled_last = false, tiled_second = false;
    if (const KernelAxis* a = axis_with_id(axes, second); a)
      if (const int64_t k = first_divisor(a->size, second_sizes); k)
        tiled_second = try_apply(cur, opts, {OptKind::Upcast, second, k});
    if (k_last) tiled_last = try_apply(cur, opts, {OptKind::Upcast, last, k_last});
    tiled = tiled_last || tiled_second;
    // Cache blocking: when what the second loop's copies share (a matmul's B panels) is more than
    // the caches keep, an inner part of the second loop runs inside the last, so a panel read once
    // serves several row tiles.
    axes = kernel_axes(cur);
    if (const KernelAxis* a = axis_with_id(axes, second); a && tiled_last && tiled_second && streamed > kCacheBytes)
      for (int64_t k : {32, 16, 8})
        if (a->size > k && a->size % k == 0 && try_apply(cur, opts, {OptKind::Split, second, k})) break;
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
