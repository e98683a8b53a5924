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

namespace anvil {

// The GPU dialects' launch rule. When the program is one top-level loop with a constant extent whose
// every global store is indexed by that loop (so iterations write disjoint places) and its scratch is
// small, that loop's iterations become threads; otherwise the whole program runs in one thread.
struct ThreadLoop {
  int64_t num_slots = 0;  // buffer arguments: 1 + the highest DEFINE_GLOBAL slot
  bool parallel = false;  // the outer loop becomes the thread index
  size_t loop_pos = 0;    // that RANGE's position (when parallel)
  int64_t extent = 1;     // threads: the loop's extent when parallel (0: nothing runs), else 1
};
ThreadLoop find_thread_loop(std::span<const UOp> program);

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
  // The RANGE (a position in the program) whose iterations become threads, if any.
  virtual std::optional<size_t> thread_loop() const { return std::nullopt; }
  // Opens that loop's block (one "{"), declaring `var` of C type `type` as this thread's iteration of
  // `extent` (a C expression). Called only when thread_loop() is set.
  virtual std::string thread_loop_open(const std::string& type, const std::string& var, const std::string& extent,
                                       const std::string& indent) const;
  // A BARRIER's line (after `indent`): threads share no memory yet, so a comment.
  virtual std::string barrier() const = 0;
  // The whole text: what comes before `function` (headers, helpers) and `function` itself.
  virtual std::string finish(const std::string& function, const std::string& entry) const = 0;
};

// A dialect whose kernels run on many threads (opencl, cuda), given as data: a kernel taking one byte
// pointer per buffer slot and then the vars pointer, each buffer cast to its element type inside, and
// the loop of find_thread_loop (when there is one) as the thread index.
struct ThreadedSpelling {
  std::string_view backend;        // "opencl"
  std::string_view kernel;         // the signature up to the name: "__kernel void "
  std::string_view bytes;          // a buffer argument's type: "__global uchar*"
  std::string_view vars;           // the vars argument's type: "__global const long*"
  std::string_view address_space;  // before a buffer pointer's element type: "__global "
  std::string_view barrier;        // CFamilyDialect::barrier
  // CFamilyDialect::thread_loop_open and finish.
  std::string (*thread_loop_open)(const std::string& type, const std::string& var, const std::string& extent,
                                  const std::string& indent);
  std::string (*finish)(const std::string& function, const std::string& entry);
};

class ThreadedDialect final : public CFamilyDialect {
 public:
  ThreadedDialect(std::span<const UOp> program, const ThreadedSpelling& spelling);
  std::string_view backend() const override { return s_.backend; }
  std::string signature(const std::string& entry, int64_t num_slots) const override;
  std::string buffer_line(const std::string& name, const std::string& elem, int64_t slot, bool sole) const override;
  std::optional<size_t> thread_loop() const override;
  std::string thread_loop_open(const std::string& type, const std::string& var, const std::string& extent,
                               const std::string& indent) const override {
    return s_.thread_loop_open(type, var, extent, indent);
  }
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
