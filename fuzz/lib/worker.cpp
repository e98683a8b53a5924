#include "fuzz/lib/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "engine/support/check.h"
#include "engine/support/env.h"
#include "engine/support/error.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/graph_target.h"

extern char** environ;

// Sanitizers reserve terabytes of shadow address space, so RLIMIT_AS only works without them.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define ANVIL_SHADOW_MEMORY 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ANVIL_SHADOW_MEMORY 1
#endif

namespace anvil::fuzz {
namespace {

constexpr int kWorkerFd = 3;              // the worker's end of the socket, passed at this number
constexpr uint32_t kMaxFrame = 1u << 30;  // a larger length is a corrupt stream
constexpr size_t kTailBytes = 64 << 10;   // stderr kept while a request runs
constexpr int kTailLines = 40;            // stderr lines a finding quotes
constexpr int kPollMs = 20;               // how often the parent looks at the worker's RSS
constexpr char kHello[] = "anvil_kernel_worker 1";

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Frames: a little-endian u32 length, then the payload; a payload is a sequence of fields.
void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

struct Reader {
  std::string_view data;
  bool ok = true;
  std::string_view take(size_t n) {
    if (n > data.size()) {
      ok = false;
      return {};
    }
    std::string_view out = data.substr(0, n);
    data.remove_prefix(n);
    return out;
  }
  uint64_t uint(int bytes) {
    std::string_view b = take(static_cast<size_t>(bytes));
    uint64_t v = 0;
    for (size_t i = 0; i < b.size(); ++i) v |= uint64_t{static_cast<uint8_t>(b[i])} << (8 * i);
    return v;
  }
  std::string_view str() { return take(uint(4)); }
};

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);  // a dead peer: EPIPE, no signal
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

bool send_frame(int fd, const std::string& payload) {
  std::string frame;
  put_u32(frame, static_cast<uint32_t>(payload.size()));
  return write_all(fd, frame + payload);
}

// Blocking read of exactly n bytes (the worker's side); false at end of stream.
bool read_all(int fd, char* out, size_t n) {
  while (n) {
    const ssize_t got = read(fd, out, n);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    out += got;
    n -= static_cast<size_t>(got);
  }
  return true;
}

std::string worker_path() {
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "anvil_kernel_worker";
  std::string dir(self, static_cast<size_t>(n));
  return dir.substr(0, dir.rfind('/') + 1) + "anvil_kernel_worker";
}

std::string last_lines(const std::string& text, int lines) {
  size_t pos = text.size();
  if (pos && text[pos - 1] == '\n') --pos;
  for (int i = 0; i < lines && pos != std::string::npos && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

// The OP of the last `=== anvil crash: STAGE OP BACKEND` line that names one ("-" names none).
std::string crash_op(const std::string& text) {
  constexpr std::string_view kMarker = "=== anvil crash: ";
  std::string found;
  for (size_t at = text.find(kMarker); at != std::string::npos; at = text.find(kMarker, at + 1)) {
    const size_t from = at + kMarker.size();
    std::istringstream line(text.substr(from, text.find('\n', from) - from));
    std::string stage, op;
    line >> stage >> op;
    if (!op.empty() && op != "-") found = op;
  }
  return found;
}

std::string describe_exit(int status) {
  std::ostringstream os;
  if (WIFSIGNALED(status))
    os << "killed by signal " << WTERMSIG(status) << " (" << strsignal(WTERMSIG(status)) << ")";
  else if (WIFEXITED(status))
    os << "exited with code " << WEXITSTATUS(status);
  else
    os << "stopped";
  return os.str();
}

}  // namespace

const char* status_name(KernelReply::Status s) {
  switch (s) {
    case KernelReply::Ok: return "ok";
    case KernelReply::Error: return "error";
    case KernelReply::Crash: return "crash";
    case KernelReply::Timeout: return "timeout";
    case KernelReply::Oom: return "oom";
  }
  return "?";
}

WorkerOptions WorkerOptions::from_env() {
  WorkerOptions o;
  o.path = env_string("ANVIL_KERNEL_WORKER");
  const std::string timeout = env_string("ANVIL_WORKER_TIMEOUT_S");
  if (!timeout.empty()) o.timeout_s = std::strtod(timeout.c_str(), nullptr);
  o.rss_mb = env_int("ANVIL_WORKER_RSS_MB", o.rss_mb);
  return o;
}

KernelWorker::KernelWorker(WorkerOptions options) : options_(std::move(options)) {
  if (options_.path.empty()) options_.path = worker_path();
  start();
}

KernelWorker::~KernelWorker() { stop(); }

void KernelWorker::start() {
  // Everything the child needs is built before fork: between fork and exec only system calls.
  std::vector<std::string> env_strings = options_.env;
  std::vector<char*> envp;
  for (char** e = environ; *e; ++e) envp.push_back(*e);
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string fd_arg = std::to_string(kWorkerFd);
  char* argv[] = {options_.path.data(), fd_arg.data(), nullptr};
  const rlim_t as_limit = static_cast<rlim_t>(options_.rss_mb) << 20;

  int sv[2], err[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 || pipe2(err, O_CLOEXEC) != 0)
    (ErrorBuilder("kernel worker") << "socketpair/pipe: " << std::strerror(errno)).raise();
  const pid_t pid = fork();
  if (pid < 0) {
    const int fork_errno = errno;
    for (int fd : {sv[0], sv[1], err[0], err[1]}) close(fd);
    (ErrorBuilder("kernel worker") << "fork: " << std::strerror(fork_errno)).raise();
  }
  if (pid == 0) {
    setpgid(0, 0);                     // the kill at a limit reaches a compiler the backend started
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // the worker never outlives the campaign
    dup2(err[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    if (sv[1] == kWorkerFd)
      fcntl(kWorkerFd, F_SETFD, 0);  // dup2 onto itself would keep close-on-exec
    else
      dup2(sv[1], kWorkerFd);
#ifndef ANVIL_SHADOW_MEMORY
    rlimit lim{as_limit, as_limit};
    setrlimit(RLIMIT_AS, &lim);
#else
    (void)as_limit;
#endif
    execve(argv[0], argv, envp.data());
    static constexpr char kMsg[] = "kernel worker: execve failed\n";
    (void)!write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    _exit(127);
  }
  setpgid(pid, pid);  // either side may run first
  close(sv[1]);
  close(err[1]);
  pid_ = pid;
  sock_ = sv[0];
  err_ = err[0];
  fcntl(err_, F_SETFL, O_NONBLOCK);
  stderr_tail_.clear();

  // The worker says hello once it is ready; no hello means no worker.
  KernelReply::Status why = KernelReply::Ok;
  char header[4];
  std::string hello(sizeof kHello - 1, '\0');
  const double deadline = now_s() + std::max(options_.timeout_s, 10.0);
  bool ok = wait_readable(deadline, why) && read_all(sock_, header, 4);
  ok = ok && Reader{std::string_view(header, 4)}.uint(4) == hello.size() && read_all(sock_, hello.data(), hello.size());
  if (!ok || hello != kHello) {
    const std::string tail = stderr_tail_;
    stop();
    (ErrorBuilder("kernel worker") << "cannot start " << options_.path
                                   << (why == KernelReply::Timeout ? " (no answer in time)" : " (it exited)")
                                   << "; its stderr:\n"
                                   << last_lines(tail, kTailLines))
        .raise();
  }
}

void KernelWorker::stop() {
  if (pid_ > 0) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (sock_ >= 0) close(sock_);
  if (err_ >= 0) close(err_);
  pid_ = -1;
  sock_ = err_ = -1;
}

void KernelWorker::drain_stderr() {
  char buf[4096];
  for (;;) {
    const ssize_t n = read(err_, buf, sizeof buf);
    if (n <= 0) break;  // EAGAIN: nothing more now; 0: the worker is gone
    stderr_tail_.append(buf, static_cast<size_t>(n));
  }
  if (stderr_tail_.size() > kTailBytes) stderr_tail_.erase(0, stderr_tail_.size() - kTailBytes);
}

int64_t KernelWorker::rss_mb() const {
  const std::string path = "/proc/" + std::to_string(pid_) + "/status";
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return 0;
  char line[256];
  int64_t kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmRSS: %lld kB", reinterpret_cast<long long*>(&kb)) == 1) break;
  std::fclose(f);
  return kb >> 10;
}

bool KernelWorker::wait_readable(double deadline_s, KernelReply::Status& why) {
  for (;;) {
    const double left = deadline_s - now_s();
    if (left <= 0) {
      why = KernelReply::Timeout;
      return false;
    }
    pollfd fds[2] = {{sock_, POLLIN, 0}, {err_, POLLIN, 0}};
    const int ms = std::min(kPollMs, static_cast<int>(left * 1000) + 1);
    if (poll(fds, 2, ms) < 0 && errno != EINTR) {
      why = KernelReply::Crash;
      return false;
    }
    if (fds[1].revents) drain_stderr();
    if (fds[0].revents) return true;  // data, or the end of the stream (read sees it)
    if (rss_mb() > options_.rss_mb) {
      why = KernelReply::Oom;
      return false;
    }
  }
}

KernelReply KernelWorker::fail(KernelReply::Status status, const std::string& backend) {
  ANVIL_CHECK(pid_ > 0) << "kernel worker: no process to reap";  // kill(-1) would signal every process
  KernelReply r;
  r.status = status;
  if (status == KernelReply::Crash) {
    // The stream ended, so the worker is exiting, perhaps still printing its report: give it a
    // moment (WNOWAIT keeps the process group alive for the kill below).
    const double grace = now_s() + 5;
    siginfo_t info{};
    while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0) {
      drain_stderr();
      if (now_s() > grace) break;
      usleep(5000);
    }
  }
  kill(-pid_, SIGKILL);  // the worker and anything it started
  kill(pid_, SIGKILL);
  int wstatus = 0;
  waitpid(pid_, &wstatus, 0);
  pid_ = -1;
  drain_stderr();
  std::ostringstream msg;
  msg << "backend " << backend << ": the kernel worker ";
  if (status == KernelReply::Timeout)
    msg << "ran past the time limit of " << options_.timeout_s << " s (ANVIL_WORKER_TIMEOUT_S) and was killed";
  else if (status == KernelReply::Oom)
    msg << "went past the memory limit of " << options_.rss_mb << " MiB (ANVIL_WORKER_RSS_MB) and was killed";
  else
    msg << describe_exit(wstatus);
  msg << "\nthe worker's last stderr lines:\n" << last_lines(stderr_tail_, kTailLines);
  r.message = msg.str();
  r.op = crash_op(stderr_tail_);
  stop();
  ++restarts_;
  try {
    start();  // the next request gets a fresh worker
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\n", e.what());  // the next run() tries again
  }
  return r;
}

KernelReply KernelWorker::run(const std::string& backend, std::string_view uop_text) {
  if (pid_ < 0) {
    try {
      start();
    } catch (const Error& e) {  // a worker that cannot come back fails each request, not the campaign
      KernelReply r;
      r.status = KernelReply::Crash;
      r.message = "backend " + backend + ": " + e.what();
      return r;
    }
  }
  stderr_tail_.clear();
  std::string req;
  put_str(req, backend);
  put_str(req, uop_text);
  const double deadline = now_s() + options_.timeout_s;
  if (!send_frame(sock_, req)) return fail(KernelReply::Crash, backend);

  // Reads n bytes of the reply under the limits; a short read is the worker's death.
  KernelReply::Status why = KernelReply::Crash;
  auto read_limited = [&](char* out, size_t n) {
    while (n) {
      if (!wait_readable(deadline, why)) return false;
      const ssize_t got = read(sock_, out, n);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return false;
      out += got;
      n -= static_cast<size_t>(got);
    }
    return true;
  };
  char header[4];
  if (!read_limited(header, 4)) return fail(why, backend);
  const uint64_t size = Reader{std::string_view(header, 4)}.uint(4);
  ANVIL_CHECK(size <= kMaxFrame) << "kernel worker: reply of " << size << " bytes";
  std::string payload(size, '\0');
  if (!read_limited(payload.data(), size)) return fail(why, backend);

  Reader in{payload};
  KernelReply r;
  r.status = static_cast<KernelReply::Status>(in.uint(1));
  r.message = std::string(in.str());
  if (r.status == KernelReply::Ok) {
    const auto scalar = static_cast<Scalar>(in.uint(1));
    const uint64_t count = in.uint(8);
    const std::string_view bytes = in.str(), poison = in.str();
    if (count) {
      r.result = std::make_shared<Buffer>(DType(scalar), count);
      ANVIL_CHECK(bytes.size() == r.result->bytes.size() && poison.size() == count)
          << "kernel worker: reply sizes " << bytes.size() << ", " << poison.size() << " for " << count << " elements";
      std::memcpy(r.result->bytes.data(), bytes.data(), bytes.size());
      std::memcpy(r.result->poison.data(), poison.data(), poison.size());
    }
  }
  ANVIL_CHECK(in.ok && in.data.empty()) << "kernel worker: malformed reply";
  // An allocation the worker's address-space limit refused: the memory limit, as the RSS watch sees it.
  if (r.status == KernelReply::Oom) return fail(KernelReply::Oom, backend);
  return r;
}

namespace {
std::unique_ptr<KernelWorker>& worker_slot() {
  static auto* slot = new std::unique_ptr<KernelWorker>;  // never destroyed: findings abort mid-run
  return *slot;
}
}  // namespace

KernelWorker* campaign_worker() { return worker_slot().get(); }

bool worker_runs(const std::string& backend) {
  static const bool all = env_string("ANVIL_FUZZ_WORKER") == "all";
  return all || backend != "interp";
}

void start_campaign_worker() {
  if (env_string("ANVIL_FUZZ_WORKER") == "0" || worker_slot()) return;
  try {
    worker_slot() = std::make_unique<KernelWorker>(WorkerOptions::from_env());
  } catch (const Error& e) {
    std::fprintf(stderr, "%s\nkernels run in process (ANVIL_FUZZ_WORKER=0 silences this)\n", e.what());
  }
}

// Coverage builds (clang -fprofile-instr-generate) link the profile runtime; elsewhere this weak
// reference is null. A campaign ends its worker with a kill (PR_SET_PDEATHSIG), and a killed process
// writes no profile, so a coverage build writes its counters after every answer (ci/coverage's
// LLVM_PROFILE_FILE merges them, %m): what the kernels ran in the worker counts too.
extern "C" int __llvm_profile_write_file(void) __attribute__((weak));  // NOLINT(bugprone-reserved-identifier)

int serve_kernel_requests(int fd) {
  install_backends();
  if (!send_frame(fd, kHello)) return 1;
  for (;;) {
    char header[4];
    if (!read_all(fd, header, 4)) return 0;  // the campaign closed the socket
    const uint64_t size = Reader{std::string_view(header, 4)}.uint(4);
    ANVIL_CHECK(size <= kMaxFrame) << "kernel worker: request of " << size << " bytes";
    std::string payload(size, '\0');
    if (!read_all(fd, payload.data(), size)) return 0;
    Reader in{payload};
    const std::string backend(in.str());
    const std::string_view text = in.str();
    ANVIL_CHECK(in.ok && in.data.empty()) << "kernel worker: malformed request";

    std::string reply;
    try {
      BoundGraph leaves(parse_one(text));
      std::shared_ptr<Buffer> out = realize_on(leaves.root(), backend);
      reply.push_back(static_cast<char>(KernelReply::Ok));
      put_str(reply, "");
      reply.push_back(static_cast<char>(out ? out->dtype.scalar : Scalar::Void));
      put_u64(reply, out ? out->count : 0);
      put_str(reply, out ? std::string_view(reinterpret_cast<const char*>(out->bytes.data()), out->bytes.size()) : "");
      put_str(reply,
              out ? std::string_view(reinterpret_cast<const char*>(out->poison.data()), out->poison.size()) : "");
    } catch (const Error& e) {
      reply.clear();
      reply.push_back(static_cast<char>(KernelReply::Error));
      put_str(reply, e.what());
    } catch (const std::bad_alloc&) {
      // The address-space limit (RLIMIT_AS, builds without sanitizers) refused an allocation: the
      // campaign sees an Oom, as when it kills a worker past its RSS limit, and restarts the worker.
      reply.clear();
      reply.push_back(static_cast<char>(KernelReply::Oom));
      put_str(reply, "an allocation was refused (std::bad_alloc)");
    }
    if (__llvm_profile_write_file) __llvm_profile_write_file();
    if (!send_frame(fd, reply)) return 0;
  }
}

}  // namespace anvil::fuzz
