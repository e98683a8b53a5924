#pragma once
// Kernel optimizations as recorded actions. An action rewrites a kernel AST (SINK of STOREs over
// RANGEs and REDUCEs, engine/schedule/kernel_ast.h) into another kernel AST that computes the same
// values; a kernel plus its list of actions replays exactly, prints as one line and parses back.
//
//   upcast A K   output loop A (size N, K divides N) runs N/K times; the body is copied K times
//                (K outputs per iteration: a register tile, contiguous stores the compiler vectorizes)
//   unroll A K   reduce loop A runs N/K times with K accumulators combined at the end (floats are
//                then summed in another order: within the tolerance table, not bit-equal to no action)
//   split A K    loop A becomes two nested loops, N/K outer (id A) and K inner (a new id, innermost)
//   swap A B     output loops A and B trade places in the nest (loop order for locality)
//   thread A T   output loop A is cut into T chunks; chunk t runs where DEFINE_VAR "anvil.thread" = t,
//                and realize runs the T chunks on the thread pool
//   group A K    reduce loop A (size N, K divides N) is reduced by K lanes: lane l reduces the elements
//                l, l+K, l+2K... in order (loop A keeps its id, N/K iterations), then the K partial
//                results are combined in lane order. The lanes are a loop of their own (id
//                lane_axis(A)) that lowering gives a local buffer: a GPU backend runs each lane on a
//                thread of one block and combines after a barrier, a host backend runs them in turn;
//                both in the same order, so they agree bit for bit (floats reassociate as with unroll)
//   tc A W       the contraction over reduce loop A runs on a GPU's matrix units (tensor cores), a
//                W x W output tile per warp (W 16, 32 or 64) in steps of 16 along A: the kernel stores
//                one value per output element, a function of one float32 sum over A of products of two
//                float16, two bfloat16 or two float32 loads (tc_operand), one free of output loop N, the other of
//                output loop M (the tile's rows and columns; W divides both, 16 divides A). M and N become outer loops
//                (ids kept) over tile loops of W, A over a tile loop of 16 (ids tile_axis_m/n/k), so a host backend
//                runs the same sum in the same order, bit for bit; cuda gives each tile to one warp and its sum to
//                mma.sync: m16n8k16 for halves (products exact), for float32 m16n8k8 on tf32 parts, three products per
//                pair (3xTF32: each factor a tf32 high part plus a tf32 low part, the low x low product dropped: about
//                2^-20 of each product). The float32 sums run in the unit's order: within the tolerance table, as
//                unroll
//   vectorize A K  upcast's values, bit for bit, as K-lane vectors (K 2, 4 or 8): a load or store whose
//                index steps by 1 with A (under a gate that does not depend on A) moves K consecutive
//                elements at once, one not depending on A stays scalar, any other goes lane by lane.
//                Refused for a kernel that reduces (use upcast) and for one already vectorized
//
// Axis ids are the RANGE args of the kernel the action applies to. Every action but unroll (and tc on
// a GPU) keeps each value bit for bit; all are checked by the metamorphic oracle (ANVIL_NOOPT=1 runs none).
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

enum class OptKind : uint8_t { Upcast, Unroll, Split, Swap, Thread, Group, Tc, Vectorize };

struct Opt {
  OptKind kind = OptKind::Upcast;
  int64_t axis = 0;
  int64_t amount = 0;  // the factor; for swap, the other axis
  bool operator==(const Opt&) const = default;
};

std::string to_string(const Opt& opt);               // "upcast 1 4"
std::string to_string(std::span<const Opt> opts);    // "thread 0 2, upcast 1 4" ("" when none)
std::vector<Opt> parse_opts(std::string_view text);  // anvil::Error("opt") on bad text

// The loops of a kernel: output loops in nesting order, then reduce loops. size is -1 when the
// loop ends at a DEFINE_VAR (symbolic: no action applies to it).
struct KernelAxis {
  int64_t id = 0;
  int64_t size = 0;
  bool reduce = false;
};
std::vector<KernelAxis> kernel_axes(const UOp& ast);

// anvil::Error("opt") naming the action and the loop when it does not apply to this kernel.
UOp apply_opt(const UOp& ast, const Opt& opt);
// simplify_gated_indices, then each action in turn.
UOp apply_opts(const UOp& ast, std::span<const Opt> opts);

// The index of each gated load simplified under its gate (a padded window's div/mod dropped): the
// same values wherever the gate holds, which is the only place a gated load reads.
UOp simplify_gated_indices(const UOp& ast);

// The lane loop of a group action on reduce loop A has id lane_axis(A): ids in [kLaneAxisBase,
// kTileAxisBase) are lane loops (lowering and the GPU renderers look for them). A tc action's tile
// loops have the three ids from kTileAxisBase (a kernel has at most one tc). Ids below kLaneAxisBase
// are ordinary loops; a new ordinary loop takes the next id above them.
inline constexpr int64_t kLaneAxisBase = int64_t{1} << 32;
inline constexpr int64_t kTileAxisBase = int64_t{1} << 40;
inline int64_t lane_axis(int64_t axis) { return kLaneAxisBase + axis; }
inline bool is_lane_axis(int64_t id) { return id >= kLaneAxisBase && id < kTileAxisBase; }
inline constexpr int64_t tile_axis_m = kTileAxisBase, tile_axis_n = kTileAxisBase + 1, tile_axis_k = kTileAxisBase + 2;
inline bool is_tile_axis(int64_t id) { return id >= kTileAxisBase; }
inline bool is_ordinary_axis(int64_t id) { return id < kLaneAxisBase; }
// A tc operand (a factor of the contraction's products): an ungated load of a global buffer of float32,
// or of float16 / bfloat16 widened to float32. Its element type (Void: not an operand) and its INDEX.
Scalar tc_operand(const UOp& factor);
const UOp& tc_operand_index(const UOp& factor);
inline constexpr int64_t kTileSize = 16;  // a tc action's step along the sum, and its smallest warp tile

// The DEFINE_VAR a thread action adds; realize runs the kernel once per value 0..chunks-1.
inline constexpr std::string_view kThreadVar = "anvil.thread";
int64_t thread_chunks(const UOp& ast);  // 1 when the kernel has no thread action

// What the heuristic tailors actions to: worker threads, and 32 vector registers of 16 floats (AVX-512)
// rather than 16 of 8 (AVX2).
// A GPU (`gpu`) gets no thread or unroll actions: its renderer maps output loops to threads itself;
// reductions with few outputs are grouped, contractions get a small register tile, elementwise kernels
// vectorize their innermost loop by 4.
struct OptTarget {
  size_t threads = 1;
  bool wide_vectors = false;
  bool gpu = false;
};
OptTarget host_opt_target(size_t threads);  // this CPU's vector width
// The default actions for a kernel on `target` (engine/codegen/heuristic.cpp).
std::vector<Opt> choose_opts(const UOp& ast, const OptTarget& target);
inline std::vector<Opt> choose_opts(const UOp& ast, size_t threads) {
  return choose_opts(ast, host_opt_target(threads));
}

}  // namespace anvil
