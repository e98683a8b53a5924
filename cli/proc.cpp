#include "cli/proc.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "engine/support/error.h"

namespace anvil::cli {

ProcResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const std::string& log_path, const std::vector<std::string>& echo_markers, double timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) (ErrorBuilder("run") << "pipe: " << std::strerror(errno)).raise();
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) (ErrorBuilder("run") << "fork: " << std::strerror(errno)).raise();
  if (pid == 0) {
    if (timeout_s > 0) setpgid(0, 0);  // so the kill at the limit reaches the child's children too
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    for (const std::string& e : env) putenv(const_cast<char*>(e.c_str()));  // the child owns its copy
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  ProcResult result;
  std::ofstream log;
  if (!log_path.empty()) log.open(log_path);
  std::string line;
  char buf[4096];
  if (timeout_s > 0) setpgid(pid, pid);  // either side may run first
  for (;;) {
    if (timeout_s > 0) {
      const double left = timeout_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      pollfd p{fds[0], POLLIN, 0};
      if (left <= 0 || poll(&p, 1, static_cast<int>(left * 1000) + 1) == 0) {
        kill(-pid, SIGKILL);
        result.timed_out = true;
        break;
      }
    }
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    result.output.append(buf, static_cast<size_t>(n));
    if (log.is_open()) log.write(buf, n);
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] != '\n') {
        line += buf[i];
        continue;
      }
      for (const std::string& marker : echo_markers)
        if (line.find(marker) != std::string::npos) {
          std::fprintf(stderr, "%s\n", line.c_str());
          break;
        }
      line.clear();
    }
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace anvil::cli
