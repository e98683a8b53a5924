#include "engine/runtime/c/c_backend.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/runtime/c/render_c.h"
#include "engine/runtime/kernel_cache.h"
#include "engine/support/check.h"
#include "engine/support/hash.h"

extern char** environ;

namespace anvil {
namespace {

namespace fs = std::filesystem;

// The flags, and why:
//   -O2 -march=native   plain loops the compiler vectorizes for this CPU (the cpu's flags join the cache key)
//   -ffp-contract=off   a*b+c rounds twice, as interp (gcc contracts to fma by default outside ISO mode)
//   -fwrapv             defence in depth: the renderer already wraps through unsigned types
//   -fno-math-errno     lets sqrt/trunc inline; no value changes (never -ffast-math: NaN, -0 and Inf matter)
//   -fPIC -fvisibility=hidden   for a shared object exporting only the kernel (linked by link_argv)
//   (not -fno-trapping-math: with it gcc 12 -O2 -march=native miscompiled an int64 sum of float->int32
//   casts over 8 accumulators, 9 instead of -1 for one row: SplitReduce.FullReduceIsTwoKernels.../c)
//   (not -fvect-cost-model=cheap: gcc 12 then vectorized a gated load into a read past the end of
//   its buffer, a SEGV against the test allocator's guard page in BackendMatrix.ProgramStructures/c)
const std::vector<std::string>& flags() {
  static const std::vector<std::string> f = {
      "-std=c11",        "-O2",   "-march=native",      "-ffp-contract=off", "-fwrapv",
      "-fno-math-errno", "-fPIC", "-fvisibility=hidden"};
  return f;
}

std::string compiler() {
  const char* cc = std::getenv("ANVIL_CC");
  return cc && *cc ? cc : "cc";
}

// Runs argv with stdout and stderr into `log`; the exit status, or -1 if it could not start.
int run_process(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The first line of `cc --version`, or "" when there is no compiler.
const std::string& compiler_version() {
  static const std::string version = [] {
    const fs::path log = fs::temp_directory_path() / ("anvil-cc-version-" + kernel_cache_unique_suffix());
    const int rc = run_process({compiler(), "--version"}, log);
    const std::string text = read_file(log);
    std::error_code ec;
    fs::remove(log, ec);
    if (rc != 0) return std::string();
    return text.substr(0, text.find('\n'));
  }();
  return version;
}

// The linker the compiler's driver runs (`cc -print-prog-name=ld`), or "" when it does not say.
const std::string& linker() {
  static const std::string ld = [] {
    const fs::path log = fs::temp_directory_path() / ("anvil-cc-ld-" + kernel_cache_unique_suffix());
    const int rc = run_process({compiler(), "-print-prog-name=ld"}, log);
    std::string text = read_file(log);
    std::error_code ec;
    fs::remove(log, ec);
    text = text.substr(0, text.find('\n'));
    return rc == 0 && !text.empty() && text.find(' ') == std::string::npos ? text : std::string();
  }();
  return ld;
}

// Links the kernel's object: the linker run directly takes a third of the time the driver does (no
// collect2, no start files, no libc/libgcc scripts: the kernel has no constructors, and what it calls
// outside libm -- memcpy, free, libgcc helpers -- is bound at dlopen from the process, which has them).
std::vector<std::string> link_argv(const fs::path& obj, const fs::path& so) {
  if (linker().empty()) return {compiler(), "-shared", "-o", so.string(), obj.string(), "-lm"};
  return {linker(), "-shared", "--eh-frame-hdr", "-o", so.string(), obj.string(), "-lm"};
}

// -march=native code runs only where its features exist: the CPU's flags are part of the key.
std::string cpu_features() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) return line;
  return "";
}

std::string unavailable() {
  if (compiler_version().empty()) return "no C compiler found (" + compiler() + " --version failed; set ANVIL_CC)";
  return "";
}

std::string compiler_id() {
  static const std::string id = [] {
    std::string s = "cc=" + compiler() + "; " + compiler_version() + ";";
    for (const std::string& f : flags()) s += " " + f;
    char cpu[32];
    std::snprintf(cpu, sizeof cpu, "; cpu=%016llx", static_cast<unsigned long long>(hash_bytes(cpu_features())));
    return s + cpu;
  }();
  return id;
}

std::string render(std::span<const UOp> program, const std::string& fn_name) { return render_c(program, fn_name); }

// The shared object for `source`, compiled unless the cache has it.
fs::path shared_object(const std::string& source) {
  const std::string key = kernel_cache_key(source + '\0' + compiler_id());
  const fs::path dir = kernel_cache_dir();
  const fs::path so = dir / ("c-" + key + ".so");
  if (fs::exists(so)) return so;
  const std::string tmp = "tmp-" + kernel_cache_unique_suffix();
  const fs::path src = dir / (tmp + ".c"), o = dir / (tmp + ".o"), obj = dir / (tmp + ".so"),
                 log = dir / (tmp + ".log");
  {
    std::ofstream f(src, std::ios::binary);
    f << source;
    ANVIL_CHECK(f.good()) << "c: cannot write " << src;
  }
  // Compile, then link: two spawns, as the driver would do, minus its link-time overhead (link_argv).
  std::vector<std::string> argv = {compiler()};
  argv.insert(argv.end(), flags().begin(), flags().end());
  argv.insert(argv.end(), {"-pipe", "-c", "-o", o.string(), src.string()});  // -pipe: no temporary .s file
  int rc = run_process(argv, log);
  const bool compiled = rc == 0;
  if (compiled) rc = run_process(link_argv(o, obj), log);
  const std::string diagnostics = read_file(log);
  std::error_code ec;
  fs::remove(log, ec);
  fs::remove(o, ec);
  ANVIL_CHECK(rc == 0) << "c: the C " << (compiled ? "linker" : "compiler") << " failed (exit " << rc
                       << ") on rendered code:\n"
                       << source << "\n--- " << (compiled ? link_argv(o, obj)[0] : compiler()) << ":\n"
                       << diagnostics;
  fs::rename(obj, so);                             // atomic: readers see the old name or the whole file
  fs::rename(src, dir / ("c-" + key + ".c"), ec);  // kept beside it, for people
  return so;
}

std::shared_ptr<Program> compile(std::span<const UOp> program, const std::string& source, const std::string& fn_name) {
  const fs::path so = shared_object(source);
  void* handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ANVIL_CHECK(handle) << "c: dlopen " << so << ": " << dlerror();
  std::shared_ptr<void> keep(handle, [](void* h) { dlclose(h); });
  void* fn = dlsym(handle, fn_name.c_str());
  ANVIL_CHECK(fn) << "c: " << so << " has no " << fn_name;
  auto inner = host_program(reinterpret_cast<HostKernelFn>(fn), var_names(program), std::move(keep));
  return alias_checked("c", "restrict", program, std::move(inner));
}

}  // namespace

fs::path c_cache_dir() { return kernel_cache_dir(); }

const Backend& c_backend() {
  static const Backend backend{"c", &unavailable, &render, &compile, &compiler_id, false};
  return backend;
}

}  // namespace anvil
