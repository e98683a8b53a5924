// The c dialect of the C-family renderer (render_c_family.h): a host function of the ABI of
// engine/runtime/backend.h, restrict pointers where one node names a slot, large scratch on the heap,
// loops run in order, and the helpers of c_prelude_for in front.
#include "engine/runtime/c/render_c.h"

#include "engine/runtime/c/render_c_family.h"

namespace anvil {
namespace {

constexpr int64_t kStackScratchBytes = 64 * 1024;  // larger DEFINE_LOCAL/DEFINE_REG go to the heap

class CDialect final : public CFamilyDialect {
 public:
  std::string_view backend() const override { return "c"; }

  std::string signature(const std::string& entry, int64_t num_slots) const override {
    return "__attribute__((visibility(\"default\"))) void " + entry +
           "(void* const* restrict buffers, const int64_t* restrict vars) {\n";
  }

  // A buffer may be restrict only if one node names its slot (realize passes distinct outputs).
  std::string buffer_line(const std::string& name, const std::string& elem, int64_t slot, bool sole) const override {
    return "  " + elem + (sole ? "* restrict " : "* ") + name + " = (" + elem + "*)buffers[" + std::to_string(slot) +
           "];\n";
  }

  std::string scratch_lines(const std::string& name, const std::string& elem, int64_t n, int64_t bytes,
                            std::vector<std::string>& cleanup) const override {
    if (bytes <= kStackScratchBytes) return CFamilyDialect::scratch_lines(name, elem, n, bytes, cleanup);
    cleanup.push_back("  free(" + name + ");\n");
    return "  " + elem + "* " + name + " = (" + elem + "*)calloc(" + std::to_string(n) + ", sizeof(" + elem +
           "));\n  if (!" + name + ") abort();\n";
  }

  std::string barrier() const override { return "/* barrier: one thread */\n"; }

  std::string finish(const std::string& function, const std::string& entry) const override {
    return c_prelude_for(function, entry) + function;  // only the helpers it calls: less for cc to parse
  }
};

}  // namespace

std::string render_c(std::span<const UOp> program, const std::string& fn_name) {
  return render_c_family(program, fn_name, CDialect());
}

}  // namespace anvil
