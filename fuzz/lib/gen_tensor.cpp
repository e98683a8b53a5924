#include "fuzz/lib/gen_tensor.h"

#include <algorithm>
#include <numeric>

#include "engine/ir/buffer.h"
#include "engine/support/error.h"

namespace anvil::fuzz {
namespace {

Tensor gen_leaf(const Shape& shape, DType dtype) {
  return Tensor::from(Buffer(dtype, static_cast<size_t>(shape_numel(shape))), shape);
}

int64_t gen_dim(Source& src) {
  if (src.chance(4)) return 0;
  if (src.chance(25)) return 1;
  return src.range(2, 5);
}

Shape gen_shape(Source& src) {
  Shape s(static_cast<size_t>(src.range(1, 3)));
  for (int64_t& d : s) d = gen_dim(src);
  return s;
}

// A shape that broadcasts against `s`: some leading axes dropped, some axes set to 1.
Shape broadcastable(Source& src, const Shape& s) {
  Shape out(s.begin() + static_cast<int64_t>(src.chance(30) ? src.range(0, static_cast<int64_t>(s.size())) : 0),
            s.end());
  for (int64_t& d : out)
    if (src.chance(25)) d = 1;
  return out;
}

Number gen_number(Source& src) {
  switch (src.choose(6)) {
    case 0: return Number(src.chance(50));
    case 1: return Number(src.range(-3, 3));
    case 2: return Number(static_cast<double>(src.range(-8, 8)) / 4);
    case 3: return Number(int64_t{2});
    case 4: return Number(0.5);
    default: return Number(int64_t{0});
  }
}

std::vector<int64_t> gen_axes(Source& src, int64_t rank) {
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < rank; ++i)
    if (src.chance(40)) axes.push_back(src.chance(20) ? i - rank : i);  // negative axes too
  if (axes.empty() && rank > 0) axes.push_back(src.range(0, rank - 1));
  return axes;
}

class Gen {
 public:
  Gen(Source& src, const TensorOptions& opt) : src_(src), opt_(opt) {}

  Tensor program() {
    const Shape shape = gen_shape(src_);
    Tensor t = src_.chance(8) ? created(shape) : gen_leaf(shape, gen_dtype(src_));
    return chain(t, static_cast<int>(src_.range(1, opt_.max_steps)), opt_.depth);
  }

  Tensor like(const Shape& shape, DType dtype) {
    Tensor t = operand_for(shape, opt_.depth);
    for (int i = static_cast<int>(src_.range(0, 3)); i > 0; --i) {
      Tensor next = try_step(t, opt_.depth - 1, /*keep_shape=*/true);
      if (next.shape() == shape) t = next;
    }
    return t.expand(shape).to(dtype);
  }

 private:
  Tensor chain(Tensor t, int steps, int depth) {
    for (int i = 0; i < steps; ++i) {
      Tensor next = try_step(t, depth, false);
      if (next.numel() > opt_.max_elements) break;
      t = next;
    }
    return t;
  }

  // One step; where the API refuses the choice, the tensor stays as it was.
  Tensor try_step(const Tensor& x, int depth, bool keep_shape) {
    try {
      return keep_shape ? elementwise(x, depth) : step(x, depth);
    } catch (const Error&) {
      return x;
    }
  }

  // Another operand for x's shape: x itself, a leaf or a short program (broadcastable), a number
  // or a 0-d tensor.
  Operand other(const Tensor& x, int depth) {
    switch (src_.choose(depth > 0 ? 5 : 4)) {
      case 0: return x;
      case 1: return gen_number(src_);
      case 2: return Tensor::scalar(gen_number(src_), src_.chance(50) ? std::optional(gen_dtype(src_)) : std::nullopt);
      case 3: return gen_leaf(broadcastable(src_, x.shape()), src_.chance(60) ? x.dtype() : gen_dtype(src_));
      default: return operand_for(broadcastable(src_, x.shape()), depth - 1);
    }
  }

  // A short program of exactly this shape (its dtype at random).
  Tensor operand_for(const Shape& shape, int depth) {
    if (src_.chance(8)) return created(shape);
    if (depth <= 0 || src_.chance(40)) return gen_leaf(shape, gen_dtype(src_));
    Tensor t = gen_leaf(shape, gen_dtype(src_));
    if (src_.chance(30) && shape.size() >= 2) t = gen_leaf({shape[1], shape[0]}, t.dtype()).transpose(0, 1);
    for (int i = static_cast<int>(src_.range(1, 3)); i > 0; --i) {
      Tensor next = try_step(t, depth - 1, true);
      if (next.shape() == shape) t = next;
    }
    return t;
  }

  // A tensor made by a creation op: linspace, or rand/randn from a drawn seed (the Threefry graph
  // carries the seed as constants, so the text reproduces it). Random graphs are large: small shapes.
  Tensor created(const Shape& shape) {
    const int64_t n = shape_numel(shape);
    static const std::vector<DType> kFloats = {dtypes::float16, dtypes::bfloat16, dtypes::float32, dtypes::float64};
    if (n <= 64 && src_.chance(50)) {
      Tensor::manual_seed(static_cast<uint64_t>(src_.range(0, 1 << 20)));
      const DType d = kFloats[src_.choose(kFloats.size())];
      return (src_.chance(50) ? Tensor::rand(shape, d) : Tensor::randn(shape, d));
    }
    const Number a = gen_number(src_), b = gen_number(src_);
    return Tensor::linspace(a, b, n, src_.chance(50) ? std::optional(gen_dtype(src_)) : std::nullopt).reshape(shape);
  }

  Tensor unary(const Tensor& x) {
    const bool positive = src_.chance(70);                           // keeps log/sqrt mostly out of NaN
    const Tensor p = positive && !is_bool(x.dtype()) ? x.abs() : x;  // abs refuses bool, as PyTorch
    switch (src_.choose(33)) {
      case 20: return x.tan();
      case 21: return x.round();
      case 22: return src_.chance(50) ? x.isnan() : (src_.chance(50) ? x.isinf() : x.isfinite());
      case 23: return x.leaky_relu(src_.chance(50) ? 0.01 : static_cast<double>(src_.range(-4, 4)) / 4);
      case 24: return x.elu(src_.chance(50) ? 1.0 : 0.5);
      case 25: return x.gelu(src_.chance(50) ? "none" : "tanh");
      case 26: return x.silu();
      case 27: return src_.chance(50) ? x.softplus() : x.softplus(2, static_cast<double>(src_.range(1, 20)));
      case 28: return x.hardswish();
      case 29: return x.mish();
      case 30: return bitcast(x);
      case 31: return p.pow(src_.chance(50) ? gen_number(src_) : Operand(p));
      case 32:
        return src_.chance(50) ? x.bitwise_left_shift(src_.range(-1, 9)) : x.bitwise_right_shift(src_.range(-1, 9));
      case 0: return x.neg();
      case 1: return x.abs();
      case 2: return x.sign();
      case 3: return x.exp();
      case 4: return x.exp2();
      case 5: return p.log();
      case 6: return p.log2();
      case 7: return p.sqrt();
      case 8: return p.rsqrt();
      case 9: return x.reciprocal();
      case 10: return x.sin();
      case 11: return x.cos();
      case 12: return x.floor();
      case 13: return x.ceil();
      case 14: return x.trunc();
      case 15: return x.relu();
      case 16: return x.sigmoid();
      case 17: return x.tanh();
      case 18: return x.logical_not();
      default: return x.bitwise_not();
    }
  }

  // The same bits as another dtype of the same width.
  Tensor bitcast(const Tensor& x) {
    std::vector<DType> same;
    for (const DType& d : tensor_dtypes())
      if (d != dtypes::bool_ && bits(d.scalar) == bits(x.dtype().scalar)) same.push_back(d);
    return same.empty() ? x : x.bitcast(same[src_.choose(same.size())]);
  }

  Tensor binary(const Tensor& x, const Operand& o) {
    switch (src_.choose(24)) {
      case 20: return (src_.chance(70) ? x.abs() : x).pow(o);  // a negative base to a fraction is NaN
      case 21: return src_.chance(50) ? x.bitwise_left_shift(o) : x.bitwise_right_shift(o);
      case 22: {
        const Tensor end = gen_leaf(broadcastable(src_, x.shape()), x.dtype());
        return x.lerp(end, src_.chance(50) ? Operand(gen_number(src_))
                                           : Operand(gen_leaf(broadcastable(src_, x.shape()), x.dtype())));
      }
      case 23: return x.sub(o).pow(2);
      case 0: return x.add(o);
      case 1: return x.sub(o);
      case 2: return x.mul(o);
      case 3: return x.div(o);
      case 4: return x.floor_divide(o);
      case 5: return x.remainder(o);
      case 6: return x.maximum(o);
      case 7: return x.minimum(o);
      case 8: return src_.chance(50) ? x.clamp(o, std::nullopt) : x.clamp(std::nullopt, o);
      case 9: return x.lt(o);
      case 10: return x.le(o);
      case 11: return x.gt(o);
      case 12: return x.ge(o);
      case 13: return x.eq(o);
      case 14: return x.ne(o);
      case 15: return x.logical_and(o);
      case 16: return src_.chance(50) ? x.logical_or(o) : x.logical_xor(o);
      case 17: return x.bitwise_and(o);
      case 18: return src_.chance(50) ? x.bitwise_or(o) : x.bitwise_xor(o);
      default: return x.add(o).mul(o);
    }
  }

  // Shape-keeping (up to broadcasting) steps.
  Tensor elementwise(const Tensor& x, int depth) {
    switch (src_.choose(6)) {
      case 0: return unary(x);
      case 1: return x.to(gen_dtype(src_));
      case 2: {
        Tensor cond = src_.chance(50) ? x.gt(0) : binary(x, other(x, depth)).to(dtypes::bool_);
        return src_.chance(50) ? cond.where(x, other(x, depth)) : cond.where(other(x, depth), x);
      }
      case 3: return reduce_back(x);
      default: return binary(x, other(x, depth));
    }
  }

  // x combined with its own reduction over some axes, broadcast back (softmax's shape of work).
  Tensor reduce_back(const Tensor& x) {
    const std::vector<int64_t> axes = gen_axes(src_, x.ndim());
    Tensor r = src_.chance(50) ? x.max(axes, true) : x.sum(axes, true);
    return src_.chance(50) ? x.sub(r) : x.div(r.add(1));
  }

  Tensor reduce(const Tensor& x) {
    const std::vector<int64_t> axes = src_.chance(15) ? std::vector<int64_t>{} : gen_axes(src_, x.ndim());
    const bool keep = src_.chance(40);
    const int64_t rank = x.ndim();
    const std::optional<int64_t> axis =
        rank == 0 || src_.chance(20) ? std::nullopt : std::optional(src_.range(-rank, rank - 1));
    switch (src_.choose(14)) {
      case 6: return x.var(axes, src_.chance(70) ? 0.0 : 1.0, keep);  // correction 1 over one element is NaN
      case 7: return x.std(axes, src_.chance(70) ? 0.0 : 1.0, keep);
      case 8: return x.argmax(axis, keep);
      case 9: return x.argmin(axis, keep);
      case 10: return src_.chance(50) ? x.any(axes, keep) : x.all(axes, keep);
      case 11: return x.logsumexp(axes, keep);
      case 12: return x.softmax(axis.value_or(-1), src_.chance(20) ? std::optional(gen_dtype(src_)) : std::nullopt);
      case 13: return x.log_softmax(axis.value_or(-1));
      case 0: return x.sum(axes, keep);
      case 1: return x.sum(axes, keep, gen_dtype(src_));
      case 2: return x.prod(axes, keep);
      case 3: return x.max(axes, keep);
      case 4: return x.min(axes, keep);
      default: return x.mean(axes, keep);
    }
  }

  Tensor movement(const Tensor& x) {
    const Shape& s = x.shape();
    const int64_t rank = x.ndim();
    if (rank == 0) return src_.chance(50) ? x.reshape({1}) : x.unsqueeze(0).expand({src_.range(0, 3)});
    switch (src_.choose(18)) {
      case 12: return pad_mode(x);
      case 13: {
        const int64_t axis = src_.range(-rank, rank - 1);
        const int64_t n = s[static_cast<size_t>(axis < 0 ? axis + rank : axis)];
        std::vector<Tensor> parts;
        if (src_.chance(40)) {
          parts = x.chunk(src_.range(1, 4), axis);
        } else if (src_.chance(50) || n == 0) {
          parts = x.split(src_.range(1, 3), axis);
        } else {
          std::vector<int64_t> sizes;  // a random composition of n
          for (int64_t left = n; left > 0;) left -= sizes.emplace_back(src_.range(1, left));
          parts = x.split(sizes, axis);
        }
        return parts.empty() ? x : parts[src_.choose(parts.size())];
      }
      case 14: {
        std::vector<int64_t> reps(static_cast<size_t>(rank + src_.range(0, 1)));
        int64_t grow = 1;
        for (int64_t& r : reps) grow *= (r = src_.chance(50) ? 1 : src_.range(0, 3));
        if (x.numel() * grow > opt_.max_elements) return x;
        return x.repeat(reps);
      }
      case 15:
      case 16: return index(x);
      case 17: return src_.chance(70) ? x.transpose(src_.range(-rank, rank - 1), src_.range(-rank, rank - 1)) : x;
      case 0: {
        std::vector<int64_t> perm(s.size());
        std::iota(perm.begin(), perm.end(), 0);
        for (size_t i = perm.size(); i > 1; --i) std::swap(perm[i - 1], perm[src_.choose(i)]);
        return x.permute(perm);
      }
      case 1: {
        std::vector<Range> pads;
        for (int64_t d : s) {
          const int64_t crop = d > 0 && src_.chance(15) ? -src_.range(1, d) : 0;
          pads.push_back({crop ? crop : src_.range(0, 2), src_.range(0, 2)});
        }
        return x.pad(pads, src_.chance(70) ? Number(int64_t{0}) : gen_number(src_));
      }
      case 2: {
        std::vector<Range> ranges;
        for (int64_t d : s) {
          const int64_t b = src_.range(0, d);
          ranges.push_back({b, src_.range(b, d)});
        }
        return x.shrink(ranges);
      }
      case 3: return x.flip(gen_axes(src_, rank));
      case 4: {
        const int64_t n = x.numel();
        if (n > 0 && n % 2 == 0 && src_.chance(50)) return x.reshape({2, -1});
        if (n > 0 && n % 3 == 0 && src_.chance(50)) return x.reshape({-1, 3, 1});
        return x.reshape({n});
      }
      case 5: {
        Tensor u = x.unsqueeze(src_.range(0, rank));
        Shape target = u.shape();
        for (int64_t& d : target)
          if (d == 1) d = src_.range(1, 3);
        return u.expand(target);
      }
      case 6: return src_.chance(50) ? x.squeeze() : x.flatten();
      case 7: return rank >= 2 ? x.transpose() : x.unsqueeze(-1);
      case 8: return x.slice(src_.range(0, rank - 1), src_.range(-2, 1), src_.range(-1, 4));
      case 9: {
        const int64_t axis = src_.range(0, rank - 1);
        Shape t = s;
        t[static_cast<size_t>(axis)] = src_.range(0, 3);
        return Tensor::cat({x, src_.chance(50) ? x : gen_leaf(t, x.dtype())}, axis);
      }
      case 10: return Tensor::stack({x, gen_leaf(s, x.dtype())}, src_.range(0, rank));
      default: return x.contiguous();
    }
  }

  // Reflect, replicate or circular padding within each mode's limits (constant mode too, by name).
  Tensor pad_mode(const Tensor& x) {
    const auto mode = static_cast<PadMode>(src_.choose(4));
    std::vector<Range> pads;
    for (int64_t d : x.shape()) {
      const int64_t most = mode == PadMode::Reflect ? d - 1 : mode == PadMode::Circular ? d : (d > 0 ? 3 : 0);
      pads.push_back({src_.range(0, std::clamp<int64_t>(most, 0, 3)), src_.range(0, std::clamp<int64_t>(most, 0, 3))});
    }
    if (mode == PadMode::Constant) return x.pad(pads, mode, gen_number(src_));
    return x.pad(pads, mode);
  }

  // Basic indexing: an item per axis at random (ints, stepped slices), NewAxis and one Ellipsis.
  Tensor index(const Tensor& x) {
    std::vector<IndexItem> items;
    bool ellipsis = false;
    for (int64_t d : x.shape()) {
      if (src_.chance(15)) items.emplace_back(NewAxis);
      if (!ellipsis && src_.chance(15)) {
        items.emplace_back(Ellipsis);
        ellipsis = true;
        continue;
      }
      if (d > 0 && src_.chance(25)) {
        items.emplace_back(src_.range(-d, d - 1));
        continue;
      }
      auto bound = [&]() -> std::optional<int64_t> {
        if (src_.chance(40)) return std::nullopt;
        return src_.range(-d - 1, d + 1);
      };
      Slice sl{bound(), bound(), std::nullopt};
      if (src_.chance(60)) sl.step = src_.range(1, 3);
      items.emplace_back(sl);
      if (src_.chance(20)) break;  // fewer items than axes
    }
    return x.index(items);
  }

  // dot (1-D by 1-D) or linear (weight [out, in], bias maybe).
  Tensor product(const Tensor& x) {
    const int64_t k = x.ndim() > 0 ? x.shape().back() : 1;
    if (x.ndim() == 1 && src_.chance(40)) return x.dot(gen_leaf({k}, x.dtype()));
    const int64_t out = src_.range(1, 4);
    if (x.numel() * out > opt_.max_elements) return x;
    const Tensor w = src_.chance(80) ? gen_leaf({out, k}, x.dtype()) : gen_leaf({k}, x.dtype());
    if (src_.chance(50)) return x.linear(w);
    return x.linear(w, gen_leaf(w.ndim() == 2 ? Shape{out} : Shape{}, x.dtype()));
  }

  Tensor matmul(const Tensor& x) {
    if (src_.chance(40)) return product(x);
    const Shape& s = x.shape();
    const int64_t k = s.back(), n = src_.range(1, 4);
    if (x.numel() * n > opt_.max_elements) return x;
    Shape other = src_.chance(70) ? Shape{k, n} : Shape{k};
    return x.matmul(gen_leaf(other, x.dtype()));
  }

  Tensor step(const Tensor& x, int depth) {
    switch (src_.choose(12)) {
      case 10:
      case 11: return gen_nn_step(src_, x);
      case 0:
      case 1: return unary(x);
      case 2: return x.to(gen_dtype(src_));
      case 3: return binary(x, other(x, depth));
      case 4: return elementwise(x, depth);
      case 5: return reduce(x);
      case 6:
      case 7: return movement(x);
      case 8: return reduce_back(x);
      default: return x.ndim() > 0 ? matmul(x) : x;
    }
  }

  Source& src_;
  const TensorOptions& opt_;
};

}  // namespace

const std::vector<DType>& tensor_dtypes() {
  static const std::vector<DType> kAll = {dtypes::bool_,  dtypes::int8,    dtypes::int16,    dtypes::int32,
                                          dtypes::int64,  dtypes::uint8,   dtypes::uint16,   dtypes::uint32,
                                          dtypes::uint64, dtypes::float16, dtypes::bfloat16, dtypes::float32,
                                          dtypes::float64};
  return kAll;
}

DType gen_dtype(Source& src) {
  if (src.chance(35)) return dtypes::float32;
  return tensor_dtypes()[src.choose(tensor_dtypes().size())];
}

Tensor gen_tensor_program(Source& src, const TensorOptions& opt) { return Gen(src, opt).program(); }

Tensor gen_tensor_like(Source& src, const Shape& shape, DType dtype, const TensorOptions& opt) {
  return Gen(src, opt).like(shape, dtype);
}

}  // namespace anvil::fuzz
