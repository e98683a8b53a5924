#pragma once
// Golden kernels (golden/README.md): the rendered source of a fixed set of graphs on every built-in
// backend, stored as golden/<backend>/<graph>.txt. Any change to scheduling, the heuristic's actions,
// lowering or a renderer shows as a diff and fails the gate until accepted with a one-line reason
// (`anvil golden --accept "why"`), which rewrites the files and appends to golden/CHANGES.md.
// tinygrad's process replay, made a file in the repo. The gtest and `anvil golden` share this library.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {
struct Backend;
}

namespace anvil::golden {

// A graph of the fixed set: its roots as the Tensor API builds them (graphs.cpp).
struct Graph {
  std::string name;  // the file name: golden/<backend>/<name>.txt
  std::string what;  // one line for the file's header
  std::function<std::vector<UOp>()> build;
};
const std::vector<Graph>& graphs();

// The heuristic runs as on a machine with this many threads, whatever this machine has, so the
// stored actions do not depend on its cores.
inline constexpr size_t kThreads = 4;

// Every built-in backend: rendering needs no compiler, so one without its compiler here renders too.
std::vector<const Backend*> backends();

// One golden file's text: a header, then per scheduled kernel its actions line and its source,
// with machine-dependent lines normalized (normalize()).
std::string render(const Graph& graph, const Backend& backend);

// render() of every graph on every backend by file path ("c/matmul.txt"), made once per process:
// the graphs are fixed, so a second look (tests compare several copies of golden/) is free.
const std::map<std::string, std::string>& renderings();

// Drops what depends on the machine rather than on anvil (LLVM target triple, data layout, CPU and
// feature attributes) and trailing blanks, so the stored text is the same on every host.
std::string normalize(std::string_view source);

// A unified diff (3 lines of context) from `want` to `got`; "" when equal (diff.cpp).
std::string unified_diff(std::string_view want, std::string_view got, const std::string& want_label,
                         const std::string& got_label);

enum class State { Same, Changed, Missing, Stale };  // Missing: no stored file; Stale: a file no graph renders
struct Entry {
  std::string rel;  // "c/matmul.txt", relative to the golden directory
  State state = State::Same;
  std::string stored;    // "" when Missing
  std::string rendered;  // "" when Stale
};

// Renders every graph on every backend and compares with the files under `dir`; entries sorted by path.
std::vector<Entry> compare(const std::filesystem::path& dir);
size_t count_changed(const std::vector<Entry>& entries);  // entries that are not Same

// Every difference as a unified diff, then how to accept; "" when nothing changed.
std::string report(const std::vector<Entry>& entries);

// Writes the rendered files, removes stale ones and appends "date | files changed | reason" to
// dir/CHANGES.md. anvil::Error("golden") when the reason is empty or not one line, or nothing changed.
// Returns the number of files changed.
size_t accept(const std::filesystem::path& dir, const std::vector<Entry>& entries, std::string_view reason);

// ANVIL_GOLDEN_DIR, else $ANVIL_SOURCE_DIR/golden, else the source tree's golden/ (baked in at build).
std::filesystem::path default_dir();

// The command that accepts the current rendering.
inline constexpr std::string_view kAcceptCommand = "anvil golden --accept \"one-line reason\"";

}  // namespace anvil::golden
