#pragma once
// The kernel worker: in a fuzz campaign, backend kernels run in a separate process (fork + exec of
// `anvil_kernel_worker`, started before libFuzzer starts any thread), so a crash, hang or runaway
// allocation in a backend becomes a finding instead of the end of the campaign. The parent enforces
// a time limit per request (poll) and a memory limit (the worker's VmRSS, read while it waits), and
// restarts the worker after it dies or is killed.
//
// Protocol over one socket, every message a little-endian u32 length and its bytes:
//   request: backend name, the case's .uop text (leaf data derives from the text: graph_leaves.h)
//   reply:   status byte, message, scalar byte, element count (u64), element bytes, poison mask
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/buffer.h"

namespace anvil::fuzz {

struct KernelReply {
  enum Status : uint8_t { Ok, Error, Crash, Timeout, Oom } status = Ok;
  std::string message;             // Error: the engine's message; otherwise what happened and the worker's last stderr
  std::string op;                  // the OP of a `=== anvil crash: STAGE OP BACKEND` line, when the worker printed one
  std::shared_ptr<Buffer> result;  // Ok: the output (null for no elements)
};
const char* status_name(KernelReply::Status s);  // ok, error, crash, timeout, oom

struct WorkerOptions {
  std::string path;              // the executable; empty: anvil_kernel_worker next to /proc/self/exe
  double timeout_s = 60;         // per request, compiles included (cold C: seconds under load); ANVIL_WORKER_TIMEOUT_S
  int64_t rss_mb = 2048;         // ANVIL_WORKER_RSS_MB
  std::vector<std::string> env;  // extra "NAME=value" entries for the worker (tests' backends)
  static WorkerOptions from_env();
};

class KernelWorker {
 public:
  explicit KernelWorker(WorkerOptions options);  // starts the process; Error("kernel worker") when it cannot
  ~KernelWorker();
  KernelWorker(const KernelWorker&) = delete;
  KernelWorker& operator=(const KernelWorker&) = delete;

  // Realizes the text graph's leaves-bound root on `backend` in the worker. After a crash, timeout
  // or oom the worker is restarted before this returns.
  KernelReply run(const std::string& backend, std::string_view uop_text);

  pid_t pid() const { return pid_; }
  int restarts() const { return restarts_; }

 private:
  void start();
  void stop();  // kills and reaps the process
  KernelReply fail(KernelReply::Status status, const std::string& what);
  bool wait_readable(double deadline_s, KernelReply::Status& why);  // drains stderr meanwhile
  void drain_stderr();
  int64_t rss_mb() const;

  WorkerOptions options_;
  pid_t pid_ = -1;
  int sock_ = -1, err_ = -1;
  std::string stderr_tail_;
  int restarts_ = 0;
};

// The campaign's worker (null when none runs). start_campaign_worker() is called by the libFuzzer
// entry before any thread exists; ANVIL_FUZZ_WORKER=0 keeps everything in process.
KernelWorker* campaign_worker();
// Whether the campaign sends `backend`'s kernels to the worker: every compiled backend; interp stays
// in process, where libFuzzer sees the coverage of scheduling, lowering and interpretation (about
// twice the features), unless ANVIL_FUZZ_WORKER=all.
bool worker_runs(const std::string& backend);
void start_campaign_worker();

// The worker's side: serves requests on `fd` until the parent closes it (worker_main.cpp).
int serve_kernel_requests(int fd);

}  // namespace anvil::fuzz
