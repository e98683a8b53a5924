#include "cli/proc.h"

#include <fcntl.h>
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
  // Everything the child needs is built before fork: `anvil check` runs parts from several
  // threads, and a child of a threaded process may only make async-signal-safe calls.
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('=') + 1);
    bool replaced = false;
    for (const std::string& extra : env) replaced = replaced || extra.rfind(key, 0) == 0;
    if (!replaced) env_strings.push_back(entry);
  }
  env_strings.insert(env_strings.end(), env.begin(), env.end());
  std::vector<char*> envp, args;
  for (std::string& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string exec_error = "cannot run " + argv.at(0) + "\n";
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) (ErrorBuilder("run") << "pipe: " << std::strerror(errno)).raise();
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid < 0) (ErrorBuilder("run") << "fork: " << std::strerror(errno)).raise();
  if (pid == 0) {
    if (timeout_s > 0) setpgid(0, 0);  // so the kill at the limit reaches the child's children too
    dup2(fds[1], STDOUT_FILENO);       // dup2 clears close-on-exec on the copies
    dup2(fds[1], STDERR_FILENO);
    execvpe(args[0], args.data(), envp.data());
    ssize_t ignored = write(STDERR_FILENO, exec_error.data(), exec_error.size());
    (void)ignored;
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
