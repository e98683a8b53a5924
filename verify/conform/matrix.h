#pragma once
// The conformance matrix (issue 8): every op-table row x every dtype it takes x shape classes x one
// backend. Each cell is a RapidCheck property that builds inputs of its shape class (leaves bound
// by the graph target's rule, graph_leaves.h), realizes the row's op on the backend and compares
// with ref (the tolerance rule of fuzz/lib/tolerance.h, NaN and poison positions) and with interp.
// A failure shrinks, and the shrunk graph is written as a graph-target case (regress/ format), so
// `replay_graph CASE` with ANVIL_FUZZ_BACKENDS=BACKEND reproduces it. A backend that raises
// anvil::Error for a cell does not support it: reported with the message, not a failure.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/dtype.h"

namespace anvil::conform {

enum class ShapeClass : uint8_t {
  Scalar,     // 0-d inputs
  One,        // one element, rank >= 1
  Small,      // a few contiguous elements, equal shapes
  View,       // non-contiguous inputs: permute, expand or shrink of a leaf
  Padded,     // inputs padded from a smaller leaf (a PAD gate in the kernel)
  Empty,      // a 0-size input
  Large,      // thousands of elements: enough to tile, upcast and thread
  Broadcast,  // inputs of different shapes (ops with several inputs)
};
constexpr int kShapeClasses = 8;
std::string_view class_name(ShapeClass c);

enum class Status : uint8_t {
  Pass,
  Fail,
  Unsupported,  // the backend raised anvil::Error
  Refused,      // the Tensor API (as PyTorch) or ref rejects this dtype: nothing for a backend to do
};
std::string_view status_name(Status s);

struct Options {
  std::string backend = "interp";
  int cases = 10;                 // RapidCheck successes per cell
  int max_size = 30;              // RapidCheck's size bound
  uint64_t seed = 20261126;       // RapidCheck seed, the same for every cell
  std::vector<std::string> rows;  // op-table row names or ops to run; empty: all
  // 0: every (dtype, class) cell of every row. N > 0: N cells per row, picked so successive rows
  // rotate through dtypes and classes (the gate's quick matrix still touches every row and class).
  int sample = 0;
  std::string case_dir;  // where shrunk counterexamples go ("" : not written)
  // Rows i with i % shards == shard only (the row index counts every selected row, so a shard samples
  // the same cells as the whole run): `anvil conform --jobs N` runs N shards as processes and merges.
  int shard = 0, shards = 1;
  std::function<void(size_t done, size_t total, std::string_view row)> progress;
};

struct Cell {
  std::string row;  // op-table row name
  std::string op;   // the Tensor API op
  DType dtype;
  ShapeClass shape_class = ShapeClass::Small;
  Status status = Status::Pass;
  int cases = 0;          // successful cases run
  std::string message;    // failure (what differed, against ref or interp) or the raised error
  std::string case_text;  // the shrunk counterexample (.uop with header), for failures
  std::string case_file;  // where it was written, relative to case_dir's parent ("" if not written)
};

struct Result {
  Options options;
  std::vector<Cell> cells;
  double seconds = 0;
  size_t count(Status s) const;
};

Result run_matrix(const Options& options);

// Cells as text, one field a line with '\\' and newlines escaped, for a shard's result to reach the
// process that merges (cli/conform.cpp); cells_from_text(cells_to_text(c)) == c.
std::string cells_to_text(const std::vector<Cell>& cells);
std::vector<Cell> cells_from_text(const std::string& text);

// The reports (report.cpp). `header` lines (commit, date, build) open both.
struct Header {
  std::string commit, date, build;
};
std::string to_markdown(const Result& r, const Header& h);
std::string to_json(const Result& r, const Header& h);

}  // namespace anvil::conform
