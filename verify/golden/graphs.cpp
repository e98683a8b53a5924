// The fixed set of golden graphs: one per kernel shape the engine makes (golden/README.md). Leaves
// are zero-filled host buffers: the values never run, only the rendered kernels are compared.
// The heuristic runs for a fixed target (golden.cpp: AVX2 vectors, kThreads threads), so the actions
// do not depend on the machine rendering them.
#include <limits>

#include "engine/ir/buffer.h"
#include "engine/ir/shape.h"
#include "engine/tensor/symbolic.h"
#include "engine/tensor/tensor.h"
#include "verify/golden/golden.h"

namespace anvil::golden {
namespace {

Tensor leaf(const Shape& shape, DType dtype = dtypes::float32) {
  return Tensor::from(Buffer(dtype, static_cast<size_t>(shape_numel(shape))), shape);
}

Graph graph(std::string name, std::string what, std::function<Tensor()> build) {
  return {std::move(name), std::move(what), [build = std::move(build)] { return std::vector<UOp>{build().uop()}; }};
}

Graph graph2(std::string name, std::string what, std::function<std::vector<Tensor>()> build) {
  return {std::move(name), std::move(what), [build = std::move(build)] {
            std::vector<UOp> roots;
            for (const Tensor& t : build()) roots.push_back(t.uop());
            return roots;
          }};
}

// An elementwise chain in one dtype: arithmetic, a comparison and a select, as a fused kernel.
Tensor arithmetic_chain(DType dt) {
  const Tensor a = leaf({4, 8}, dt), b = leaf({4, 8}, dt);
  const Tensor t = a * b + a - 3;
  return where(t.gt(b), t, b.maximum(a));
}

std::vector<Graph> make_graphs() {
  std::vector<Graph> g;
  // ---- elementwise chains, one per dtype family ----
  g.push_back(graph("chain_float32", "exp, log, sin, sqrt and division over [4, 8] float32", [] {
    const Tensor a = leaf({4, 8}), b = leaf({4, 8});
    return ((a * b + 1.5).exp() / (a.abs() + 1)).log() + b.sin() - a.sqrt();
  }));
  g.push_back(graph("chain_float64", "arithmetic, compare and where over [4, 8] float64",
                    [] { return arithmetic_chain(dtypes::float64); }));
  g.push_back(graph("chain_float16", "float16 storage computed in float32: arithmetic and exp over [4, 8]", [] {
    const Tensor a = leaf({4, 8}, dtypes::float16), b = leaf({4, 8}, dtypes::float16);
    return (a * b + a.exp()) / (b + 2);
  }));
  g.push_back(graph("chain_bfloat16", "bfloat16 storage computed in float32: arithmetic and sqrt over [4, 8]", [] {
    const Tensor a = leaf({4, 8}, dtypes::bfloat16), b = leaf({4, 8}, dtypes::bfloat16);
    return (a - b).abs().sqrt() * a + 0.5;
  }));
  g.push_back(graph("chain_int32", "wrapping int32 arithmetic, compare and where over [4, 8]",
                    [] { return arithmetic_chain(dtypes::int32); }));
  g.push_back(graph("chain_uint8", "wrapping uint8 arithmetic and bitwise ops over [4, 8]", [] {
    const Tensor a = leaf({4, 8}, dtypes::uint8), b = leaf({4, 8}, dtypes::uint8);
    return (a * b + a).bitwise_xor(b).bitwise_and(a.bitwise_or(b)) - b;
  }));
  g.push_back(graph("chain_int64_bool", "int64 arithmetic and bool logic into a where over [4, 8]", [] {
    const Tensor a = leaf({4, 8}, dtypes::int64), b = leaf({4, 8}, dtypes::int64);
    const Tensor m = a.lt(b).logical_and(a.ne(0)).logical_or(b.ge(7).logical_not());
    return where(m, a * b, -b);
  }));
  // ---- casts and total integer code ----
  g.push_back(graph("casts", "float32 -> int32 (saturating) -> float16 -> bfloat16 -> float64, and float -> uint8", [] {
    const Tensor a = leaf({4, 8});
    return a.to(dtypes::int32).to(dtypes::float16).to(dtypes::bfloat16).to(dtypes::float64) +
           a.to(dtypes::uint8).to(dtypes::float64);
  }));
  g.push_back(graph("int_division", "int32 floor division and remainder, int8 floor division (guarded divisors)", [] {
    const Tensor a = leaf({4, 8}, dtypes::int32), b = leaf({4, 8}, dtypes::int32);
    const Tensor c = leaf({4, 8}, dtypes::int8), d = leaf({4, 8}, dtypes::int8);
    return a.floor_divide(b) + a.remainder(b) + c.floor_divide(d).to(dtypes::int32);
  }));
  g.push_back(graph("shifts", "int32 and uint16 shifts by tensor amounts (masked counts)", [] {
    const Tensor a = leaf({4, 8}, dtypes::int32), b = leaf({4, 8}, dtypes::int32);
    const Tensor u = leaf({4, 8}, dtypes::uint16), v = leaf({4, 8}, dtypes::uint16);
    return a.bitwise_left_shift(b) + a.bitwise_right_shift(b) + u.bitwise_right_shift(v).to(dtypes::int32);
  }));
  // ---- movement: broadcasts, pads (gates), shrinks, flips, permutes ----
  g.push_back(graph("broadcast", "[4, 1] + [1, 8] + [8] broadcasts", [] {
    return leaf({4, 1}) + leaf({1, 8}) + leaf({8});
  }));
  g.push_back(graph("pad", "constant pads (gated loads) of [3, 5] on both axes, then another pad of the sum", [] {
    const Tensor a = leaf({3, 5}), b = leaf({6, 7});
    return (a.pad({{1, 2}, {2, 0}}, 1.5) + b).pad({{0, 1}, {1, 1}});
  }));
  g.push_back(
      graph("shrink_flip_permute", "shrink, flip and permute of [6, 5, 4], plus a permuted, flipped [4, 3, 4]", [] {
        const Tensor a = leaf({6, 5, 4}), b = leaf({4, 3, 4});
        return a.shrink({{1, 5}, {0, 4}, {1, 4}}).flip({0, 2}).permute({2, 1, 0}) + b.permute({1, 2, 0}).flip({1});
      }));
  // ---- reductions: each reduce op ----
  g.push_back(graph("reduce_sum_float16", "sum over axis 1 of [4, 6] float16 (float32 accumulator)", [] {
    return leaf({4, 6}, dtypes::float16).sum(1);
  }));
  g.push_back(graph("reduce_max_min", "max over axis 1 minus min over axis 1 of [5, 7] float32", [] {
    const Tensor a = leaf({5, 7});
    return a.max(1) - a.min(1);
  }));
  g.push_back(graph("reduce_prod_int32", "product over axis 0 of [6, 4] int32 (wrapping)", [] {
    return leaf({6, 4}, dtypes::int32).prod(0);
  }));
  g.push_back(graph2("reduce_any_all", "any over axis 1 and all over axis 0 of [5, 6] bool: two roots", [] {
    const Tensor m = leaf({5, 6}, dtypes::bool_);
    return std::vector<Tensor>{m.any(1), m.all(0)};
  }));
  g.push_back(graph("reduce_unrolled", "sum over a long axis, [4, 64] -> [4] (several accumulators)", [] {
    return leaf({4, 64}).sum(1);
  }));
  g.push_back(graph("reduce_full", "mean and variance of all of [6, 7] (full reductions to a scalar)", [] {
    const Tensor a = leaf({6, 7});
    return a.mean() + a.var();
  }));
  // ---- contractions and the usual fused shapes ----
  g.push_back(graph("matmul_tiled", "[12, 8] @ [8, 16] float32 (a register tile)", [] {
    return leaf({12, 8}).matmul(leaf({8, 16}));
  }));
  g.push_back(graph("matmul_float16", "[64, 32] @ [32, 48] float16, relu (on cuda a tc action: mma.sync tiles)", [] {
    return leaf({64, 32}, dtypes::float16).matmul(leaf({32, 48}, dtypes::float16)).relu();
  }));
  g.push_back(graph("matmul_float32_staged",
                    "[64, 32] @ [32, 128] float32 (on cuda a tc action: 3xTF32 tiles, 2 x 2 warps a block, staged)",
                    [] {
                      return leaf({64, 32}).matmul(leaf({32, 128}));
                    }));
  g.push_back(graph("matmul_threaded", "[40, 64] @ [64, 24] float32 + bias (threads and a register tile)", [] {
    return leaf({40, 64}).matmul(leaf({64, 24})) + leaf({24});
  }));
  g.push_back(graph("softmax", "softmax over the last axis of [6, 10] float32", [] {
    return leaf({6, 10}).softmax(-1);
  }));
  g.push_back(graph("layer_norm", "layer_norm over the last axis of [4, 12] float32 with weight and bias", [] {
    return layer_norm(leaf({4, 12}), {12}, leaf({12}), leaf({12}));
  }));
  g.push_back(graph("conv2d", "conv2d of [1, 2, 6, 6] with [3, 2, 3, 3], padding 1, bias", [] {
    return conv2d(leaf({1, 2, 6, 6}), leaf({3, 2, 3, 3}), leaf({3}), 1, 1);
  }));
  g.push_back(graph("argmax", "argmax over axis 1 of [5, 7] float32 (first index of the max)", [] {
    return leaf({5, 7}).argmax(1);
  }));
  // ---- symbolic shapes and threads ----
  g.push_back(
      graph("symbolic", "[n, 8] float32 with n in [1, 16] bound to 5: (x * 2).sum(1) loops to DEFINE_VAR n", [] {
        const Var n("n", 1, 16);
        return (bind(leaf({5, 8}), 0, n) * 2).sum(1);
      }));
  g.push_back(graph("threaded_elementwise", "[256, 256] float32 a * b + c: enough work for a thread action", [] {
    return leaf({256, 256}) * leaf({256, 256}) + leaf({256, 1});
  }));
  return g;
}

}  // namespace

const std::vector<Graph>& graphs() {
  static const std::vector<Graph> all = make_graphs();
  return all;
}

}  // namespace anvil::golden
