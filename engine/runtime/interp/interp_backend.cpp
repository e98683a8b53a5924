// interp as a Backend: the "source" is the program's .uop text and "compiling" keeps the UOps.
#include <sstream>

#include "engine/ir/text.h"
#include "engine/runtime/backend.h"
#include "engine/runtime/interp/program.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

// Kernels are finite by construction; the interpreter's default limit guards fuzzed programs.
constexpr uint64_t kMaxSteps = uint64_t{1} << 44;

class InterpProgram final : public Program {
 public:
  explicit InterpProgram(std::vector<UOp> program) : program_(std::move(program)) {}

  void run(std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars) override {
    const interp::RunResult r = interp::run_program(program_, buffers, vars, kMaxSteps);
    if (r.ok()) return;
    std::ostringstream os;
    os << r.event_count << " interpreter event(s):";
    for (const interp::Event& e : r.events)
      os << "\n  " << interp::event_kind_name(e.kind) << " at " << e.at.brief() << ": " << e.detail;
    ANVIL_CHECK(false) << "interp: kernel misbehaved: " << os.str() << "\n" << to_text(program_);
  }

 private:
  std::vector<UOp> program_;
};

std::string available() { return ""; }
std::string render(std::span<const UOp> program, const std::string&) {
  return to_text(std::vector<UOp>(program.begin(), program.end()));
}
std::shared_ptr<Program> compile(std::span<const UOp> program, const std::string&, const std::string&) {
  return std::make_shared<InterpProgram>(std::vector<UOp>(program.begin(), program.end()));
}
std::string compiler_id() { return "interp"; }

}  // namespace

const Backend& interp_backend() {
  static const Backend backend{"interp", &available, &render, &compile, &compiler_id, false};
  return backend;
}

}  // namespace anvil
