// The llvm backend: renders LLVM 15 IR (render.cpp), then parses, verifies, optimizes (new pass
// manager, O2, host CPU) and compiles it in process with ORC LLJIT. One LLJIT serves the process;
// each kernel gets its own JITDylib, removed when its last Program goes.
#include <llvm/AsmParser/Parser.h>
#include <llvm/Config/llvm-config.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <atomic>
#include <mutex>

#include "engine/runtime/backend.h"
#include "engine/runtime/llvm/render.h"
#include "engine/support/check.h"

namespace anvil {
namespace {

std::string error_text(llvm::Error e) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << e;
  return os.str();
}

template <class T>
T checked(llvm::Expected<T> v, const char* what) {
  if (!v) {
    const std::string why = error_text(v.takeError());
    ANVIL_CHECK(false) << "llvm: " << what << ": " << why;
  }
  return std::move(*v);
}

// Floating-point contraction off (DESIGN.md, Numerics): a*b+c is never fused into an fma.
llvm::orc::JITTargetMachineBuilder host_machine() {
  llvm::orc::JITTargetMachineBuilder b = checked(llvm::orc::JITTargetMachineBuilder::detectHost(), "detect host");
  b.getOptions().AllowFPOpFusion = llvm::FPOpFusion::Strict;
  b.setCodeGenOptLevel(llvm::CodeGenOpt::Default);
  return b;
}

// The process's one JIT, made on first use (after the native target is initialized) and never
// destroyed: Programs in static caches may outlive any destructor order.
struct Session {
  std::unique_ptr<llvm::orc::LLJIT> jit;
  llvm::orc::JITTargetMachineBuilder machine{llvm::Triple()};
  std::atomic<uint64_t> next_dylib{0};
};

Session& session() {
  static Session* s = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
    auto* out = new Session;
    out->machine = host_machine();
    out->jit = checked(
        llvm::orc::LLJITBuilder()
            .setJITTargetMachineBuilder(out->machine)
            // A target machine per compile, so two threads may compile at once.
            .setCompileFunctionCreator([](llvm::orc::JITTargetMachineBuilder jtmb)
                                           -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
              return std::make_unique<llvm::orc::ConcurrentIRCompiler>(std::move(jtmb));
            })
            .create(),
        "create LLJIT");
    // libm (sin, exp2, log2) and libc (calloc, free) come from the running process.
    const char prefix = out->jit->getDataLayout().getGlobalPrefix();
    out->jit->getMainJITDylib().addGenerator(
        checked(llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(prefix), "process symbols"));
    return out;
  }();
  return *s;
}

void optimize(llvm::Module& m, llvm::TargetMachine& tm) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder pb(&tm, tuning);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(m, mam);
}

std::string available() { return ""; }

std::string render(std::span<const UOp> program, const std::string& fn_name) {
  return llvmbe::render(program, fn_name);
}

std::shared_ptr<Program> compile(std::span<const UOp> program, const std::string& source, const std::string& fn_name) {
  Session& s = session();
  auto context = std::make_unique<llvm::LLVMContext>();
  llvm::SMDiagnostic diag;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(source, diag, *context);
  if (!module) {
    std::string why;
    llvm::raw_string_ostream os(why);
    diag.print("kernel", os);
    ANVIL_CHECK(false) << "llvm: rendered IR does not parse: " << os.str() << "\n" << source;
  }
  std::string broken;
  llvm::raw_string_ostream bos(broken);
  ANVIL_CHECK(!llvm::verifyModule(*module, &bos)) << "llvm: rendered IR fails the verifier: " << bos.str() << "\n"
                                                  << source;
  std::unique_ptr<llvm::TargetMachine> tm = checked(s.machine.createTargetMachine(), "target machine");
  module->setDataLayout(tm->createDataLayout());
  module->setTargetTriple(tm->getTargetTriple().str());
  optimize(*module, *tm);

  llvm::orc::ExecutionSession& es = s.jit->getExecutionSession();
  llvm::Expected<llvm::orc::JITDylib&> made =
      es.createJITDylib("anvil.kernel." + std::to_string(s.next_dylib.fetch_add(1)));
  if (!made) ANVIL_CHECK(false) << "llvm: JITDylib: " << error_text(made.takeError());
  llvm::orc::JITDylib& dylib = *made;
  dylib.addToLinkOrder(s.jit->getMainJITDylib());
  if (llvm::Error e = s.jit->addIRModule(dylib, llvm::orc::ThreadSafeModule(std::move(module), std::move(context))))
    ANVIL_CHECK(false) << "llvm: add module: " << error_text(std::move(e));
  const auto fn = checked(s.jit->lookup(dylib, fn_name), "look up the kernel").toPtr<HostKernelFn>();
  // The code lives as long as the JITDylib: removed with the last Program that runs it.
  std::shared_ptr<void> keep(&dylib, [](void* d) {
    Session& s = session();
    if (llvm::Error e = s.jit->getExecutionSession().removeJITDylib(*static_cast<llvm::orc::JITDylib*>(d)))
      ANVIL_CHECK(false) << "llvm: remove JITDylib: " << error_text(std::move(e));
  });
  return host_program(fn, var_names(program), std::move(keep));
}

std::string compiler_id() {
  static const std::string id = [] {
    llvm::StringMap<bool> features;
    llvm::sys::getHostCPUFeatures(features);
    std::vector<std::string> on;
    for (const auto& f : features)
      if (f.getValue()) on.push_back(f.getKey().str());
    std::sort(on.begin(), on.end());
    uint64_t h = 1469598103934665603ULL;  // FNV-1a over the enabled features
    for (const std::string& f : on)
      for (char c : f + ",") h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    return "llvm " LLVM_VERSION_STRING " " + llvm::sys::getHostCPUName().str() + " features:" + std::to_string(h) +
           " O2 fp-contract=off";
  }();
  return id;
}

}  // namespace

const Backend& llvm_backend() {
  static const Backend backend{"llvm", &available, &render, &compile, &compiler_id};
  return backend;
}

}  // namespace anvil
