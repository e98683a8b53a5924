// anvil verify kernels [--json]: a fixed workload of ~50 Tensor programs (softmax, layernorm,
// matmul+bias+relu, pads, flips, reductions, slices) scheduled and lowered with the kernel proofs
// on (every access in bounds, every store injective and covering: verify/oob/prove_kernel.h),
// then run; prints the proof counts, the proof time and its share of compile (schedule + lower).
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "cli/commands.h"

#ifdef ANVIL_HAVE_Z3
#include <nlohmann/json.hpp>

#include "engine/codegen/linearize.h"
#include "engine/runtime/realize.h"
#include "engine/schedule/schedule.h"
#include "engine/tensor/tensor.h"
#include "verify/oob/prove_kernel.h"
#endif

namespace anvil::cli {

#ifdef ANVIL_HAVE_Z3
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The workload: each entry builds one lazy program from fresh inputs.
std::vector<std::pair<std::string, std::function<Tensor()>>> workload() {
  std::vector<std::pair<std::string, std::function<Tensor()>>> w;
  const std::vector<Shape> shapes = {{7}, {4, 9}, {3, 5, 6}, {2, 3, 4, 5}, {16, 16}};
  for (const Shape& s : shapes) {
    const std::string n = "[" + std::to_string(shape_numel(s)) + "/" + std::to_string(s.size()) + "d]";
    w.emplace_back("softmax" + n, [s] { return Tensor::randn(s).softmax(-1); });
    w.emplace_back("log_softmax" + n, [s] { return Tensor::randn(s).log_softmax(0); });
    w.emplace_back("layernorm" + n, [s] {
      const Tensor x = Tensor::randn(s);
      const Tensor mu = x.mean(-1, true);
      return (x - mu) * (x.var(-1, 0, true) + 1e-5).rsqrt();
    });
    w.emplace_back("sum-all" + n, [s] { return Tensor::randn(s).sum(); });
    w.emplace_back("max-first" + n, [s] { return Tensor::randn(s).max(0); });
    w.emplace_back("flip" + n, [s] { return Tensor::randn(s).flip({0}).exp(); });
    w.emplace_back("pad" + n, [s] {
      std::vector<Range> p;
      for (size_t i = 0; i < s.size(); ++i) p.push_back({static_cast<int64_t>(i % 2), 2});
      return Tensor::randn(s).pad(p).relu();
    });
    w.emplace_back("cumsum" + n, [s] { return Tensor::randn(s).cumsum(-1); });
  }
  for (const auto& [m, k, n] : std::vector<std::array<int64_t, 3>>{{4, 8, 5}, {16, 16, 16}, {1, 7, 3}, {9, 2, 9}})
    w.emplace_back("matmul+bias+relu[" + std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n) + "]",
                   [m = m, k = k, n = n] {
                     return (Tensor::randn({m, k}).matmul(Tensor::randn({k, n})) + Tensor::randn({n})).relu();
                   });
  w.emplace_back("transpose-contiguous", [] { return Tensor::randn({5, 7}).transpose().contiguous() * 2; });
  w.emplace_back("pad-flip-shrink", [] {
    return Tensor::randn({3, 4}).pad({{1, 1}, {2, 0}}).flip({1}).shrink({{1, 4}, {0, 5}}).sum(1);
  });
  w.emplace_back("reflect-pad", [] { return Tensor::randn({2, 6}).pad({{0, 0}, {2, 3}}, PadMode::Reflect); });
  w.emplace_back("argmax", [] { return Tensor::randn({6, 5}).argmax(1); });
  w.emplace_back("gelu-mean", [] { return Tensor::randn({8, 3}).gelu().mean(0); });
  w.emplace_back("expand-add", [] { return Tensor::randn({4, 1}) + Tensor::randn({1, 6}); });
  w.emplace_back("std", [] { return Tensor::randn({5, 6}).std(0); });
  w.emplace_back("slice-assign", [] {
    Tensor t = Tensor::randn({4, 6}).contiguous();
    t.setitem({Slice{1, 3, std::nullopt}, Slice{0, 6, 2}}, 0.0);
    return t;
  });
  return w;
}

}  // namespace
#endif

int cmd_verify_kernels(const Args& args) {
#ifdef ANVIL_HAVE_Z3
  install_interp_realizer();
  verify::install_oob_checker(/*from_env=*/false);  // realize proves what it runs too (cached)
  double compile_s = 0;
  size_t kernels = 0;
  std::vector<std::string> findings;
  const auto w = workload();
  const auto t0 = Clock::now();
  for (const auto& [name, build] : w) {
    Tensor t = build();
    const auto tc = Clock::now();
    const std::vector<Kernel> ks = schedule({t.uop()});
    for (const Kernel& k : ks) (void)linearize(k.ast);
    compile_s += since(tc);
    for (const Kernel& k : ks)
      for (const std::string& f : verify::prove_kernel_bounds(k.ast)) findings.push_back(name + ": " + f);
    kernels += ks.size();
    if (findings.empty()) t.realize();
  }
  const double total_s = since(t0);
  const verify::OobStats s = verify::oob_stats();
  const double share = compile_s > 0 ? s.total_seconds / compile_s : 0;
  if (has_flag(args, "--json")) {
    const nlohmann::json out = {{"programs", w.size()},
                                {"kernels", kernels},
                                {"kernels_proved", s.kernels},
                                {"accesses", s.accesses},
                                {"accesses_by_interval", s.by_interval},
                                {"accesses_by_finite_check", s.by_finite},
                                {"finite_check_points", s.finite_points},
                                {"accesses_by_z3", s.by_z3},
                                {"z3_rlimit_units", s.z3_rlimit},
                                {"stores", s.stores},
                                {"stores_by_affine_form", s.stores_by_interval},
                                {"stores_by_z3", s.stores_by_z3},
                                {"findings", findings},
                                {"proof_seconds", s.total_seconds},
                                {"z3_seconds", s.z3_seconds},
                                {"compile_seconds", compile_s},
                                {"proof_share_of_compile", share},
                                {"seconds", total_s}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const std::string& f : findings) std::printf("%s\n\n", f.c_str());
    std::printf("programs %zu, kernels %zu (%llu distinct proved)\n", w.size(), kernels,
                static_cast<unsigned long long>(s.kernels));
    std::printf("accesses proved in bounds: %llu (%llu by intervals, %llu at every point (%llu points), %llu by Z3)\n",
                static_cast<unsigned long long>(s.accesses), static_cast<unsigned long long>(s.by_interval),
                static_cast<unsigned long long>(s.by_finite), static_cast<unsigned long long>(s.finite_points),
                static_cast<unsigned long long>(s.by_z3));
    std::printf("stores proved injective (and covering when ungated): %llu (%llu by affine form, %llu by Z3)\n",
                static_cast<unsigned long long>(s.stores), static_cast<unsigned long long>(s.stores_by_interval),
                static_cast<unsigned long long>(s.stores_by_z3));
    std::printf(
        "proofs %.3f s (Z3 %.3f s, %llu rlimit units), compile (schedule + lower) %.3f s: proofs are %.1f%% of compile"
        " (target < 10%%)\n",
        s.total_seconds, s.z3_seconds, static_cast<unsigned long long>(s.z3_rlimit), compile_s, 100 * share);
    std::printf("findings: %zu\n", findings.size());
  }
  return findings.empty() ? 0 : 1;
#else
  (void)args;
  std::fprintf(stderr, "anvil verify kernels: built without Z3 (configure with -DANVIL_WITH_Z3=ON and libz3-dev)\n");
  return 2;
#endif
}

}  // namespace anvil::cli
