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
//   -fPIC -shared -fvisibility=hidden   a shared object exporting only the kernel
const std::vector<std::string>& flags() {
  static const std::vector<std::string> f = {
      "-std=c11",        "-O2",   "-march=native", "-ffp-contract=off",  "-fwrapv",
      "-fno-math-errno", "-fPIC", "-shared",       "-fvisibility=hidden"};
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

// A name no other thread or process uses at the same time, for files renamed into place.
std::string unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  const uint64_t tid = std::hash<std::thread::id>{}(std::this_thread::get_id());
  return std::to_string(getpid()) + "-" + std::to_string(tid % 1000000) + "-" + std::to_string(counter++);
}

// The first line of `cc --version`, or "" when there is no compiler.
const std::string& compiler_version() {
  static const std::string version = [] {
    const fs::path log = fs::temp_directory_path() / ("anvil-cc-version-" + unique_suffix());
    const int rc = run_process({compiler(), "--version"}, log);
    const std::string text = read_file(log);
    std::error_code ec;
    fs::remove(log, ec);
    if (rc != 0) return std::string();
    return text.substr(0, text.find('\n'));
  }();
  return version;
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

// The slots a program stores to: restrict in the rendered code needs them to alias no other slot.
std::vector<int64_t> stored_slots(std::span<const UOp> program) {
  std::vector<int64_t> out;
  for (const UOp& u : program) {
    if (u.op() != Op::STORE) continue;
    UOp p = u.src(0);
    while (p.op() == Op::INDEX || p.op() == Op::CAST) p = UOp(p.src(0));
    if (p.op() == Op::DEFINE_GLOBAL) out.push_back(p.arg_int());
  }
  return out;
}

class CProgram final : public Program {
 public:
  CProgram(std::shared_ptr<Program> inner, std::vector<int64_t> stored)
      : inner_(std::move(inner)), stored_(std::move(stored)) {}

  void run(std::span<Buffer* const> buffers, const std::map<std::string, int64_t>& vars) override {
    for (int64_t w : stored_) {
      const auto wi = static_cast<size_t>(w);
      ANVIL_CHECK(wi < buffers.size()) << "c: kernel stores to buffer " << w << " of " << buffers.size();
      for (size_t j = 0; j < buffers.size(); ++j)
        ANVIL_CHECK(j == wi || buffers[j] != buffers[wi] || buffers[j]->count == 0)
            << "c: buffer " << w << " is stored to and also passed as buffer " << j << " (restrict)";
    }
    inner_->run(buffers, vars);
  }

 private:
  std::shared_ptr<Program> inner_;
  std::vector<int64_t> stored_;
};

// The shared object for `source`, compiled unless the cache has it.
fs::path shared_object(const std::string& source) {
  const std::string key_text = source + '\0' + compiler_id();
  char key[40];
  std::snprintf(key, sizeof key, "%016llx%016llx", static_cast<unsigned long long>(hash_bytes(key_text, 1)),
                static_cast<unsigned long long>(hash_bytes(key_text, 2)));
  const fs::path dir = c_cache_dir();
  const fs::path so = dir / ("c-" + std::string(key) + ".so");
  if (fs::exists(so)) return so;
  const std::string tmp = "tmp-" + unique_suffix();
  const fs::path src = dir / (tmp + ".c"), obj = dir / (tmp + ".so"), log = dir / (tmp + ".log");
  {
    std::ofstream f(src, std::ios::binary);
    f << source;
    ANVIL_CHECK(f.good()) << "c: cannot write " << src;
  }
  std::vector<std::string> argv = {compiler()};
  argv.insert(argv.end(), flags().begin(), flags().end());
  argv.insert(argv.end(), {"-o", obj.string(), src.string(), "-lm"});
  const int rc = run_process(argv, log);
  const std::string diagnostics = read_file(log);
  std::error_code ec;
  fs::remove(log, ec);
  ANVIL_CHECK(rc == 0) << "c: the C compiler failed (exit " << rc << ") on rendered code:\n"
                       << source << "\n--- " << compiler() << ":\n"
                       << diagnostics;
  fs::rename(obj, so);                                          // atomic: readers see the old name or the whole file
  fs::rename(src, dir / ("c-" + std::string(key) + ".c"), ec);  // kept beside it, for people
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
  return std::make_shared<CProgram>(std::move(inner), stored_slots(program));
}

}  // namespace

fs::path c_cache_dir() {
  fs::path dir;
  if (const char* d = std::getenv("ANVIL_CACHE_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = fs::path(x) / "anvil";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = fs::path(h) / ".cache" / "anvil";
  } else {
    dir = fs::temp_directory_path() / "anvil-cache";
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  ANVIL_CHECK(fs::is_directory(dir)) << "c: cannot create the kernel cache " << dir << ": " << ec.message();
  return dir;
}

const Backend& c_backend() {
  static const Backend backend{"c", &unavailable, &render, &compile, &compiler_id};
  return backend;
}

}  // namespace anvil
