#pragma once
// `anvil check`'s parts and how they share one time budget: each part is a task that runs a child
// process under a time limit; `jobs` lanes run tasks at once; a one-line progress display on stderr.
#include <functional>
#include <string>
#include <vector>

namespace anvil::cli {

// One line of the summary (and of --json's "rows").
struct CheckRow {
  CheckRow() = default;
  CheckRow(std::string part_, std::string check_, bool ok_ = true, double seconds_ = 0, std::string detail_ = "")
      : part(std::move(part_)), check(std::move(check_)), ok(ok_), seconds(seconds_), detail(std::move(detail_)) {}
  std::string part;   // replay, prove, properties, fuzz
  std::string check;  // unique: "regress/", "corpus/graph", "rules (Z3)", "properties@c", "fuzz graph@llvm"
  bool ok = true;
  double seconds = 0;
  std::string detail;
  bool empty = false;  // ran, but no test finished in its time: the summary says "empty", not "clean"
  bool fuzz = false;   // execs fields below are meaningful
  long execs = 0, execs_per_sec = 0;
  std::vector<std::string> findings;  // case files written for what it found
};

struct CheckTask {
  std::string part, check;
  // A fixed task runs for `seconds` (its share of the budget) at most. Elastic tasks (fuzz
  // campaigns) share what the fixed ones leave: the lane-seconds left, split evenly over the
  // elastic tasks not yet started.
  bool elastic = false;
  double seconds = 0;
  std::string lock;  // tasks with the same lock never run at once (they share a work folder)
  // Runs the part within `limit_s` seconds (the task kills its child past it).
  std::function<CheckRow(double limit_s)> run;
  std::string after{};  // the check of a task this one starts after (a cache warm-up); "": none
};

struct Budget {
  double total_s = 120;
  int jobs = 2;
  double min_task_s = 2.5;  // a task given less than this is not started (reported as skipped)
};

// "FAILED", "empty" (ok, but no test finished) or "clean": a row's result in the summaries.
const char* result_word(const CheckRow& r);

// Runs every task within the budget; rows come back in task order. Tasks the budget leaves no
// time for get a row "not run this time (budget)", ok.
std::vector<CheckRow> run_tasks(std::vector<CheckTask> tasks, const Budget& budget);

}  // namespace anvil::cli
