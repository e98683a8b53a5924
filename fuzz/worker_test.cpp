// The kernel worker: a backend that crashes, hangs, eats memory or raises becomes a reply of that
// kind, naming the backend, and the next request gets a fresh worker; a normal graph's bytes equal
// the in-process result. The misbehaving backends live in anvil_kernel_worker behind
// ANVIL_WORKER_TEST_BACKENDS=1.
#include "fuzz/lib/worker.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/ir/text.h"
#include "engine/runtime/realize.h"
#include "engine/support/error.h"
#include "fuzz/lib/graph_leaves.h"
#include "fuzz/lib/graph_target.h"

namespace anvil::fuzz {
namespace {

namespace fs = std::filesystem;

WorkerOptions test_options() {
  WorkerOptions o;
  o.timeout_s = 20;  // a sanitizer's crash report (symbolized) takes seconds on a loaded machine
  o.rss_mb = 512;
  o.env = {"ANVIL_WORKER_TEST_BACKENDS=1"};
  return o;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

const std::string& seed_text() {
  static const std::string text = read_text(fs::path(ANVIL_SOURCE_DIR) / "corpus/graph/seed-0000.uop");
  return text;
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// After a failure the same worker object serves a normal request with a new process.
void expect_restarted(KernelWorker& w, pid_t before) {
  EXPECT_EQ(w.restarts(), 1);
  EXPECT_NE(w.pid(), before);
  const KernelReply ok = w.run("interp", seed_text());
  EXPECT_EQ(ok.status, KernelReply::Ok) << ok.message;
}

TEST(KernelWorker, SameBytesAsInProcess) {
  install_interp_realizer();
  KernelWorker w(test_options());
  int cases = 0;
  for (const auto& e : fs::directory_iterator(fs::path(ANVIL_SOURCE_DIR) / "corpus/graph")) {
    const std::string text = read_text(e.path());
    const KernelReply r = w.run("interp", text);
    ASSERT_EQ(r.status, KernelReply::Ok) << e.path() << ": " << r.message;
    BoundGraph leaves(parse_one(text));
    const std::shared_ptr<Buffer> want = realize_on(leaves.root(), "interp");
    ASSERT_EQ(!want, !r.result) << e.path();
    if (!want) continue;
    EXPECT_EQ(r.result->dtype, want->dtype) << e.path();
    EXPECT_EQ(r.result->count, want->count) << e.path();
    EXPECT_TRUE(std::equal(want->bytes.begin(), want->bytes.end(), r.result->bytes.begin(), r.result->bytes.end()))
        << e.path();
    EXPECT_EQ(r.result->poison, want->poison) << e.path();
    ++cases;
  }
  EXPECT_GE(cases, 10);
  EXPECT_EQ(w.restarts(), 0);
}

TEST(KernelWorker, CrashIsAFindingAndTheWorkerRestarts) {
  KernelWorker w(test_options());
  const pid_t before = w.pid();
  const KernelReply r = w.run("test_crash", seed_text());
  EXPECT_EQ(r.status, KernelReply::Crash);
  EXPECT_NE(r.message.find("backend test_crash"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("=== anvil crash: test TESTOP test_crash"), std::string::npos) << r.message;  // stderr tail
  EXPECT_EQ(r.op, "TESTOP");
  expect_restarted(w, before);
}

TEST(KernelWorker, HangIsATimeoutWithinTheLimit) {
  WorkerOptions o = test_options();
  o.timeout_s = 2;
  KernelWorker w(o);
  const pid_t before = w.pid();
  const auto start = std::chrono::steady_clock::now();
  const KernelReply r = w.run("test_hang", seed_text());
  const double took = seconds_since(start);
  EXPECT_EQ(r.status, KernelReply::Timeout) << r.message;
  EXPECT_GE(took, 2.0);
  EXPECT_LT(took, 10.0);  // the limit plus a restart, with room for a loaded machine
  EXPECT_NE(r.message.find("backend test_hang"), std::string::npos) << r.message;
  EXPECT_EQ(kill(before, 0), -1);  // the hung process is gone
  expect_restarted(w, before);
}

// An idle worker's address space in MiB (VmSize): what its shared libraries map before any work.
int64_t idle_address_space_mb() {
  KernelWorker w(test_options());
  std::ifstream in("/proc/" + std::to_string(w.pid()) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmSize:", 0) == 0) return std::stoll(line.substr(7)) >> 10;
  return 0;
}

TEST(KernelWorker, RunawayMemoryIsAnOom) {
  WorkerOptions o = test_options();
  // 96 MiB beyond what the worker maps idle (it idles near 15 MiB resident). The limit is also the
  // worker's RLIMIT_AS where there is no shadow memory, so a build whose worker maps libLLVM (some
  // hundreds of MiB of address space) needs that much more just to start: this failed to load the
  // worker under the coverage preset. A sanitizer's terabytes of shadow are not counted (no RLIMIT_AS then).
  const int64_t idle = idle_address_space_mb();
  o.rss_mb = 96 + (idle < 4096 ? idle : 0);
  KernelWorker w(o);
  const pid_t before = w.pid();
  const KernelReply r = w.run("test_oom", seed_text());
  EXPECT_EQ(r.status, KernelReply::Oom) << r.message;
  EXPECT_NE(r.message.find("backend test_oom"), std::string::npos) << r.message;
  expect_restarted(w, before);
}

TEST(KernelWorker, EngineErrorIsReportedAsTheEngines) {
  KernelWorker w(test_options());
  const pid_t before = w.pid();
  const KernelReply r = w.run("test_error", seed_text());
  EXPECT_EQ(r.status, KernelReply::Error);
  EXPECT_NE(r.message.find("raised on purpose"), std::string::npos) << r.message;
  EXPECT_EQ(w.restarts(), 0);  // an error is an answer, not a death
  EXPECT_EQ(w.pid(), before);
  // A backend the worker does not know is the engine's error too, naming the registered ones.
  const KernelReply unknown = w.run("no_such_backend", seed_text());
  EXPECT_EQ(unknown.status, KernelReply::Error);
  EXPECT_NE(unknown.message.find("interp"), std::string::npos) << unknown.message;
}

TEST(KernelWorker, MissingExecutableIsAnError) {
  WorkerOptions o = test_options();
  o.path = "/nonexistent/anvil_kernel_worker";
  EXPECT_THROW(KernelWorker{o}, anvil::Error);
}

}  // namespace
}  // namespace anvil::fuzz
