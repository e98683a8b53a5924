// The llvm backend: renders LLVM 15 IR (render.cpp), then parses, verifies, optimizes (new pass
// manager, O2, host CPU) and compiles it to an object file, cached on disk, that ORC LLJIT links in
// process. One LLJIT serves the process; each kernel gets its own JITDylib, removed when its last
// Program goes.
#include "engine/runtime/llvm/llvm_backend.h"

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
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/SourceMgr.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

#include <atomic>
#include <mutex>

#include "engine/runtime/kernel_cache.h"
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

std::atomic<uint64_t> cache_hits{0}, cache_misses{0}, cache_corrupt{0};

std::string compiler_id();

// The object code for `source`: parsed, verified, optimized and compiled for the host.
std::string compile_to_object(const std::string& source) {
  Session& s = session();
  llvm::LLVMContext context;
  llvm::SMDiagnostic diag;
  std::unique_ptr<llvm::Module> module = llvm::parseAssemblyString(source, diag, context);
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
  llvm::orc::SimpleCompiler codegen(*tm);
  std::unique_ptr<llvm::MemoryBuffer> obj = checked(codegen(*module), "code generation");
  return obj->getBuffer().str();
}

// The object for `source` from the disk cache, else compiled and stored there. The key holds
// compiler_id(): the LLVM version, the host CPU and its features, and the pipeline's settings.
std::string cached_object(const std::string& source) {
  const std::optional<std::filesystem::path> dir = try_kernel_cache_dir();
  if (!dir) {  // no writable cache folder: compile every time rather than fail
    cache_misses.fetch_add(1);
    return compile_to_object(source);
  }
  const std::filesystem::path path = *dir / ("llvm-" + kernel_cache_key(source + '\0' + compiler_id()) + ".o");
  if (std::optional<std::string> file = kernel_cache_read(path)) {
    if (std::optional<std::string> obj = kernel_cache_unseal(*file)) {
      cache_hits.fetch_add(1);
      return std::move(*obj);
    }
    cache_corrupt.fetch_add(1);  // truncated or damaged: compiled again and replaced below
  }
  cache_misses.fetch_add(1);
  std::string obj = compile_to_object(source);
  kernel_cache_write_atomic(path, kernel_cache_seal(obj));
  kernel_cache_write_atomic(std::filesystem::path(path).replace_extension(".ll"), source);  // for people
  return obj;
}

std::string available() { return ""; }

std::string render(std::span<const UOp> program, const std::string& fn_name) {
  return llvmbe::render(program, fn_name);
}

std::shared_ptr<Program> compile(std::span<const UOp> program, const std::string& source, const std::string& fn_name) {
  Session& s = session();
  const std::string obj = cached_object(source);
  llvm::orc::ExecutionSession& es = s.jit->getExecutionSession();
  llvm::Expected<llvm::orc::JITDylib&> made =
      es.createJITDylib("anvil.kernel." + std::to_string(s.next_dylib.fetch_add(1)));
  if (!made) ANVIL_CHECK(false) << "llvm: JITDylib: " << error_text(made.takeError());
  llvm::orc::JITDylib& dylib = *made;
  dylib.addToLinkOrder(s.jit->getMainJITDylib());
  if (llvm::Error e = s.jit->addObjectFile(dylib, llvm::MemoryBuffer::getMemBufferCopy(obj, fn_name)))
    ANVIL_CHECK(false) << "llvm: add object: " << error_text(std::move(e));
  const auto fn = checked(s.jit->lookup(dylib, fn_name), "look up the kernel").toPtr<HostKernelFn>();
  // The code lives as long as the JITDylib: removed with the last Program that runs it.
  std::shared_ptr<void> keep(&dylib, [](void* d) {
    Session& s = session();
    if (llvm::Error e = s.jit->getExecutionSession().removeJITDylib(*static_cast<llvm::orc::JITDylib*>(d)))
      ANVIL_CHECK(false) << "llvm: remove JITDylib: " << error_text(std::move(e));
  });
  return alias_checked("llvm", "noalias", program, host_program(fn, var_names(program), std::move(keep)));
}

// Everything the object code depends on besides the IR (it keys the disk cache). Bump "pipeline"
// whenever optimize() or the target machine's options change.
std::string compiler_id() {
  static const std::string id = [] {
    llvm::StringMap<bool> features;
    llvm::sys::getHostCPUFeatures(features);
    std::vector<std::string> on;
    for (const auto& f : features)
      if (f.getValue()) on.push_back(f.getKey().str());
    std::sort(on.begin(), on.end());
    std::string s = "llvm " LLVM_VERSION_STRING " cpu=" + llvm::sys::getHostCPUName().str() + " features=";
    for (const std::string& f : on) s += "+" + f + ",";
    return s + " O2 fp-contract=off pipeline=1";
  }();
  return id;
}

}  // namespace

LlvmCacheStats llvm_cache_stats() { return {cache_hits.load(), cache_misses.load(), cache_corrupt.load()}; }

const Backend& llvm_backend() {
  static const Backend backend{"llvm", &available, &render, &compile, &compiler_id, false};
  return backend;
}

}  // namespace anvil
