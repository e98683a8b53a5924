#include "engine/runtime/search.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>

#include "engine/codegen/linearize.h"
#include "engine/ir/text.h"
#include "engine/runtime/kernel_cache.h"
#include "engine/support/env.h"
#include "engine/support/error.h"
#include "engine/support/thread_pool.h"

namespace anvil {
namespace {

std::atomic<uint64_t> g_searched{0}, g_hits{0};

bool applies(const UOp& ast, const std::vector<Opt>& opts) {
  try {
    apply_opts(ast, opts);
    return true;
  } catch (const Error&) {
    return false;
  }
}

// Seconds per run of `ast` compiled on `backend`, best of three after a warm-up, on zeroed buffers.
double time_kernel(const Backend& backend, const UOp& ast) {
  const std::vector<UOp> program = linearize(ast);
  const std::shared_ptr<Program> p = backend.compile(program, backend.render(program, "anvil_search"), "anvil_search");
  std::vector<std::unique_ptr<Buffer>> bufs;
  std::vector<Buffer*> slots;
  for (const UOp& u : program) {
    if (u.op() != Op::DEFINE_GLOBAL) continue;
    const auto slot = static_cast<size_t>(u.arg_int());
    if (bufs.size() <= slot) bufs.resize(slot + 1);
    bufs[slot] = std::make_unique<Buffer>(u.dtype().elem().scalar_type(), static_cast<size_t>(u.dtype().ptr_size));
  }
  for (auto& b : bufs) slots.push_back(b.get());
  const int64_t chunks = thread_chunks(ast);
  auto once = [&] {
    parallel_for(static_cast<size_t>(chunks), [&](size_t t) {
      std::map<std::string, int64_t> vars;
      if (chunks > 1) vars[std::string(kThreadVar)] = static_cast<int64_t>(t);
      p->run(slots, vars);
    });
  };
  once();
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < 3; ++r) {
    const auto start = std::chrono::steady_clock::now();
    once();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

std::vector<std::vector<Opt>> search_candidates(const UOp& ast, size_t threads, size_t n) {
  std::vector<std::vector<Opt>> out;
  auto add = [&](const std::vector<Opt>& opts) {
    if (out.size() >= n || std::find(out.begin(), out.end(), opts) != out.end() || !applies(ast, opts)) return;
    out.push_back(opts);
  };
  const std::vector<Opt> heuristic = choose_opts(ast, threads);
  add(heuristic);
  std::vector<Opt> base;  // the heuristic's thread action, kept by every variation
  if (!heuristic.empty() && heuristic[0].kind == OptKind::Thread) base.push_back(heuristic[0]);
  add(base);
  std::vector<int64_t> outs, reds;
  for (const KernelAxis& a : kernel_axes(apply_opts(ast, base))) {
    if (a.size < 2) continue;
    (a.reduce ? reds : outs).push_back(a.id);
  }
  // Tiles over the last two output loops, then accumulators on the innermost reduce loop, then
  // the two last output loops swapped.
  for (int64_t j : {16, 8, 32, 4})
    for (int64_t i : {1, 4, 2, 8}) {
      if (outs.empty()) break;
      std::vector<Opt> o = base;  // the contiguous loop last: its copies become adjacent stores (heuristic.cpp)
      if (i > 1 && outs.size() >= 2) o.push_back({OptKind::Upcast, outs[outs.size() - 2], i});
      o.push_back({OptKind::Upcast, outs.back(), j});
      add(o);
    }
  for (int64_t k : {4, 8, 16})
    if (!reds.empty()) {
      std::vector<Opt> o = base;
      o.push_back({OptKind::Unroll, reds.back(), k});
      add(o);
    }
  if (outs.size() >= 2) {
    std::vector<Opt> o = heuristic;
    o.push_back({OptKind::Swap, outs[outs.size() - 2], outs.back()});
    add(o);
  }
  return out;
}

std::vector<Opt> search_opts(const Backend& backend, const UOp& ast, size_t threads, size_t n) {
  const std::string key = kernel_cache_key(to_text(ast) + "\n" + std::string(backend.name) + "\n" +
                                           backend.compiler_id() + "\nthreads " + std::to_string(threads));
  const std::filesystem::path path = kernel_cache_dir() / "search" / (key + ".opts");
  if (const std::optional<std::string> sealed = kernel_cache_read(path))
    if (const std::optional<std::string> text = kernel_cache_unseal(*sealed)) try {
        std::vector<Opt> opts = parse_opts(*text);
        if (applies(ast, opts)) {
          g_hits.fetch_add(1, std::memory_order_relaxed);
          return opts;
        }
      } catch (const Error&) {  // an entry from another version of the actions: search again
      }
  std::vector<Opt> best;
  double best_s = std::numeric_limits<double>::infinity();
  for (const std::vector<Opt>& opts : search_candidates(ast, threads, n)) {
    const double s = time_kernel(backend, apply_opts(ast, opts));
    if (debug_level() >= 2) std::fprintf(stderr, "search: %9.3f ms  %s\n", s * 1e3, to_string(opts).c_str());
    if (s < best_s) best_s = s, best = opts;
  }
  g_searched.fetch_add(1, std::memory_order_relaxed);
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  kernel_cache_write_atomic(path, kernel_cache_seal(to_string(best)));
  return best;
}

SearchStats search_stats() { return {g_searched.load(), g_hits.load()}; }

}  // namespace anvil
