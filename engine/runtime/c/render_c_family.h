#pragma once
// The walk over a linear program (engine/codegen/linearize.h) that the C-family renderers share: c,
// opencl and cuda differ only in a few places, which a dialect supplies (the function's signature,
// how a buffer pointer is declared, scratch arrays, which loop becomes the thread index, what a
// barrier is, and the text around the function: headers and the helpers of c_prelude_for adapted).
// Everything else is one code path: values as variables per lane ("v12", "v12_0".."v12_3"),
// constants inlined, RANGE ... END as a for loop, IF ... ENDIF as an if block, expressions from the
// c pieces (c_alu, c_cast, c_literal: render_c.h), so the three give interp's values the same way.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/uop.h"
#include "engine/runtime/c/vector_memory.h"

namespace anvil {

// The GPU dialects' launch rule (find_thread_loop), in two modes.
//
// Threads: the program is a nest of output loops with constant extents, each the only block of the
// one around it (nothing with an effect beside it), every global store inside indexed by every loop
// of the nest (so iterations write disjoint places), and its scratch is small. The nest is flattened:
// iteration i of the product of its extents is one thread, the innermost loop varying fastest (so
// adjacent threads touch adjacent elements). The nest may be empty: the program runs in one thread.
//
// Blocks: the program has lane loops (a group action's, opt.h), none inside another. Each iteration
// of the nest (as above, possibly empty) is one block of `lanes` threads; a lane loop's iterations
// are spread over the block's threads, local memory (DEFINE_LOCAL) is the block's shared memory and
// BARRIER synchronizes the block. Code outside lane loops runs in every thread of the block (its
// values are the same in each); its global stores are made by thread 0 only (no kernel loads a
// buffer it stores, or Blocks is not used). A combine loop (one that folds local memory into
// accumulators after a barrier) runs in thread 0 alone, in lane order, and its accumulators reach
// the other threads through shared copies after a barrier: the fold is not repeated in every
// thread. A loop holding a lane loop ends each iteration with a barrier, so the next iteration does
// not overwrite local memory that a thread still reads.
//
// Warps (a dialect with tensor cores: cuda): the program holds a tc action's tile (opt.h) as lowering
// makes it: tile loops m, n (output) and k (reduce, under an outer reduce loop unless it is all of
// it) directly inside the nest, a float32 accumulator that starts at 0 and adds products of two
// ungated float16 (or bfloat16) loads, one free of n, the other free of m, and after the sum one global
// store indexed by m and n, whose value is any scalar expression of the sum, loads and the loops.
// Each nest iteration (the one run of an empty nest) is one warp: its tile (16, 32 or 64 square) goes
// to mma.sync, two m16n8k16 per 16 x 16 block and step of 16 (a fallback loop in interp's order
// where the device has none), and each thread stores its 8 elements of each block. Anything else
// with tile loops renders them as ordinary loops.
struct MmaTile {
  size_t m = 0, n = 0, k = 0;  // the tile loops' RANGE positions
  size_t k_outer = 0;          // the outer reduce loop's RANGE, or 0 when k is the whole sum
  size_t acc_store = 0;        // the accumulation (inside k)
  size_t out_store = 0;        // the global store after the sum
  bool swapped = false;        // the product's second operand is the one free of n (the A matrix)
  int64_t wm = 1, wn = 1;      // the warp's tile in 16 x 16 blocks (m and n tile loops of 16 wm, 16 wn)
  // Staged: the 4 warps of a block are 2 x 2 tiles that share their operands through shared
  // memory. share_m and share_n index the nest: a loop of even size that the A operand reads and B
  // does not (the block's two tile rows), and one that B reads and A does not (its two tile
  // columns). Each step of 16 along the sum, the block loads its rows of A and columns of B once,
  // coalesced (splitting each float32 element into its tf32 parts once), and every warp reads its
  // fragments from there.
  bool staged = false;
  size_t share_m = 0, share_n = 0;
};
struct ThreadLoop {
  int64_t num_slots = 0;              // buffer arguments: 1 + the highest DEFINE_GLOBAL slot
  bool parallel = false;              // the nest is not empty
  std::vector<size_t> nest;           // the nest's RANGE positions, outermost first
  std::vector<int64_t> sizes;         // their extents
  int64_t extent = 1;                 // their product: threads (Threads) or blocks (Blocks); 0: nothing runs
  bool blocks = false;                // Blocks mode
  int64_t lanes = 1;                  // threads of a block (Blocks): the most lanes of a lane loop
  std::vector<size_t> lane_loops;     // lane loop positions (Blocks)
  std::vector<size_t> combine_loops;  // combine loop positions (Blocks)
  bool warps = false;                 // Warps mode: `extent` warps, each one `tile`
  MmaTile tile;
};
// `tensor_cores`: the dialect renders Warps mode (cuda); else tile loops are ordinary loops.
ThreadLoop find_thread_loop(std::span<const UOp> program, bool tensor_cores = false);

// What a C-family backend renders differently. Each hook returns whole lines ("\n"-terminated).
class CFamilyDialect {
 public:
  virtual ~CFamilyDialect() = default;
  // The backend's name, the prefix of the renderer's error messages ("c", "opencl", "cuda").
  virtual std::string_view backend() const = 0;
  // The function's first line, through "{": `entry` is the function's name, `num_slots` the buffer slots.
  virtual std::string signature(const std::string& entry, int64_t num_slots) const = 0;
  // Declares `name`, a pointer to buffer slot `slot` with elements of C type `elem`. `sole`: no other
  // DEFINE_GLOBAL names that slot (so a restrict pointer is sound).
  virtual std::string buffer_line(const std::string& name, const std::string& elem, int64_t slot, bool sole) const = 0;
  // Declares zeroed scratch `name[n]` of `bytes` bytes (DEFINE_REG, DEFINE_LOCAL: private to a thread
  // in every dialect today); lines for the end of the function go to `cleanup`. By default an array
  // on the stack.
  virtual std::string scratch_lines(const std::string& name, const std::string& elem, int64_t n, int64_t bytes,
                                    std::vector<std::string>& cleanup) const;
  // How the program maps to threads (threaded dialects; nullptr: one thread, plain loops).
  virtual const ThreadLoop* mapping() const { return nullptr; }
  virtual const struct ThreadedSpelling* threaded() const { return nullptr; }
  // A BARRIER's line (after `indent`) outside Blocks mode: one thread orders nothing, so a comment.
  virtual std::string barrier() const = 0;
  // The whole text: what comes before `function` (headers, helpers) and `function` itself.
  virtual std::string finish(const std::string& function, const std::string& entry) const = 0;
};

// A dialect whose kernels run on many threads (opencl, cuda), given as data: a kernel taking one byte
// pointer per buffer slot and then the vars pointer, each buffer cast to its element type inside, and
// the mapping of find_thread_loop. Index expressions are of type `index_type`; an empty stride means
// the launch gives every iteration its own thread or block (one pass, no loop).
struct ThreadedSpelling {
  std::string_view backend;                   // "opencl"
  std::string_view kernel;                    // the signature up to the name: "__kernel void "
  std::string_view bytes;                     // a buffer argument's type: "__global uchar*"
  std::string_view vars;                      // the vars argument's type: "__global const long*"
  std::string_view address_space;             // before a buffer pointer's element type: "__global "
  std::string_view barrier;                   // CFamilyDialect::barrier (outside Blocks mode)
  std::string_view index_type;                // "long long"
  std::string_view global_id, global_stride;  // Threads: this thread's iteration, and the step to its next
  std::string_view group_id, group_stride;    // Blocks: this block's iteration, and the step
  std::string_view local_id, local_size;      // Blocks: the thread in its block, and the block's size
  std::string_view sync;                      // Blocks: a BARRIER ("__syncthreads();")
  std::string_view shared;                    // Blocks: before a DEFINE_LOCAL's declaration ("__shared__ ")
  std::string (*finish)(const std::string& function, const std::string& entry);  // CFamilyDialect::finish
  VectorMemory vector_memory = VectorMemory::None;  // how an ungated K-lane access of consecutive elements is spelled
  bool tensor_cores = false;  // Warps mode (find_thread_loop): mma.sync through inline PTX, CUDA only
};

class ThreadedDialect final : public CFamilyDialect {
 public:
  ThreadedDialect(std::span<const UOp> program, const ThreadedSpelling& spelling);
  std::string_view backend() const override { return s_.backend; }
  std::string signature(const std::string& entry, int64_t num_slots) const override;
  std::string buffer_line(const std::string& name, const std::string& elem, int64_t slot, bool sole) const override;
  const ThreadLoop* mapping() const override { return &loop_; }
  const ThreadedSpelling* threaded() const override { return &s_; }
  std::string barrier() const override { return std::string(s_.barrier); }
  std::string finish(const std::string& function, const std::string& entry) const override {
    return s_.finish(function, entry);
  }

 private:
  ThreadLoop loop_;
  const ThreadedSpelling& s_;
};

// The <stdint.h> names the c pieces use, for a kernel language without the header: typedefs of
// int8_t .. int64_t and uint8_t .. uint64_t to `types` (in that order) and the limit macros, 64-bit
// literals with `suffix64` ("L" where long is 64 bits, "LL").
std::string stdint_names(const std::array<std::string_view, 8>& types, std::string_view suffix64);

// A kernel's name for entry point `fn_name`: prefixed with "anvil_" unless it already is, so no name
// is a keyword or builtin of the kernel language ("kernel", "global", "sin").
std::string prefixed_entry_name(const std::string& fn_name);

// The program as one function named `entry` in `dialect`.
std::string render_c_family(std::span<const UOp> program, const std::string& entry, const CFamilyDialect& dialect);

}  // namespace anvil
