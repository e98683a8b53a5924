// The graph generator's steps for session 3's op families: convolution, pooling, normalization,
// dropout, integer-tensor indexing (gather, index_select, index() with tensors, embedding, one_hot),
// masked_fill, scatter*, the in-place updates (index_put_, setitem, masked_fill_, assign), cumsum and
// cumprod, sorting and the losses. Each takes the chain's tensor as its input (reshaped, shrunk or
// cast to what the op needs) so earlier steps stay in the graph. Index tensors are built in range
// (a leaf's remainder), with negatives where index() and index_put_ wrap them and, now and then, a
// raw leaf whose values fall outside (defined: select 0, write nothing). In the graph target leaf
// values come from the text, arange's too, so these graphs test how the engine runs the ops' shapes
// of work (one-hot masks, windows, triangles) against ref, not the ops' meaning (verify/torch does).
#include <algorithm>
#include <array>

#include "engine/ir/buffer.h"
#include "fuzz/lib/gen_tensor.h"

namespace anvil::fuzz {
namespace {

constexpr int64_t kImageDim = 6;  // every image axis is shrunk to this: windows stay small
constexpr int64_t kSortDim = 8;   // sort and cumsum are O(n^2) along their axis

const std::vector<DType> kFloats = {dtypes::float16, dtypes::bfloat16, dtypes::float32, dtypes::float64};

Tensor leaf(const Shape& shape, DType dtype) {
  return Tensor::from(Buffer(dtype, static_cast<size_t>(shape_numel(shape))), shape);
}

// Within the graph target's caps (graph_target.cpp), with room for the steps after this one: these
// ops make wide intermediate nodes (one-hot masks, windows), and a graph past a cap is rejected.
bool fits(const Tensor& t) {
  constexpr int64_t kMaxNode = 1 << 13, kMaxTotal = 1 << 16;
  int64_t total = 0;
  for (const UOp& u : t.uop().toposort()) {
    const int64_t n = u.shape() ? shape_numel(*u.shape()) : 0;
    if (n > kMaxNode || (total += n) > kMaxTotal) return false;
  }
  return true;
}

class NnGen {
 public:
  explicit NnGen(Source& src) : src_(src) {}

  Tensor step(const Tensor& x) {
    switch (src_.choose(16)) {
      case 0: return conv(x);
      case 1: return pool(x);
      case 2: return norm(x);
      case 3: return dropout(x);
      case 4: return gather(x);
      case 5: return take(x);
      case 6: return advanced_index(x);
      case 7: return one_hot(x);
      case 8: return masked(x);
      case 9:
      case 10: return scatter(x);
      case 11: return update(x);
      case 12: return cumulative(x);
      case 13: return sorting(x);
      default: return loss(x);
    }
  }

 private:
  int64_t small(int64_t lo, int64_t hi) { return src_.range(lo, hi); }
  DType float_dtype() { return src_.chance(50) ? dtypes::float32 : kFloats[src_.choose(kFloats.size())]; }
  DType index_dtype(bool int32_ok) { return int32_ok && src_.chance(25) ? dtypes::int32 : dtypes::int64; }

  // x as a float tensor; mostly with non-finite values zeroed, so windows and statistics over many
  // elements are not mostly NaN (the NaN share of outputs stays under 5%).
  Tensor as_float(const Tensor& x, int tame = 75) {
    const Tensor f = is_float(x.dtype()) ? x : x.to(float_dtype());
    return src_.chance(tame) ? f.isfinite().where(f, 0) : f;
  }

  // Every axis cut to at most `most` (shrink keeps x in the graph).
  static Tensor cut(const Tensor& x, int64_t most) {
    std::vector<Range> r;
    for (int64_t d : x.shape()) r.push_back({0, std::min(d, most)});
    return x.shrink(r);
  }

  // x as an image: [N, C, H, W] (or unbatched [C, H, W]) with small axes.
  // Channels and batch come from an expand where x has too few axes: several input channels make
  // the conv's reduction run over three loops (channels, kernel rows, kernel columns).
  Tensor image(const Tensor& x) {
    Tensor t = as_float(x);
    const int64_t n = t.numel();
    if (t.ndim() == 0) t = t.reshape({1, 1, 1, 1});
    if (t.ndim() == 1) t = n >= 4 && n % 2 == 0 ? t.reshape({1, 1, 2, n / 2}) : t.reshape({1, 1, 1, n});
    if (t.ndim() == 2) t = t.unsqueeze(0).unsqueeze(0);
    if (t.ndim() > 4) t = t.flatten(0, t.ndim() - 4);
    t = cut(t, kImageDim);
    if (t.ndim() == 3) t = t.unsqueeze(0);
    Shape s = t.shape();
    if (s[0] == 1) s[0] = small(1, 2);
    if (s[1] == 1) s[1] = small(1, 3);
    t = t.expand(s);
    return src_.chance(15) ? t.flatten(0, 1) : t;  // 3-d: one unbatched sample
  }

  // A small shape for a new operand.
  Shape shape() {
    Shape s(static_cast<size_t>(small(0, 3)));
    for (int64_t& d : s) d = src_.chance(8) ? 0 : small(1, 4);
    return s;
  }

  // Index values for an axis of size n: [0, n), or [-n, n) where negatives wrap, or (sometimes) a
  // raw leaf (-8..8 and the extremes: out of range, defined as a miss).
  Tensor index(const Shape& shape, int64_t n, bool negatives, DType dtype) {
    const Tensor raw = leaf(shape, dtype);
    if (n <= 0 || src_.chance(8)) return raw;
    return negatives && src_.chance(50) ? raw.remainder(2 * n) - n : raw.remainder(n);
  }

  Tensor conv(const Tensor& x) {
    const Tensor in = image(x);
    const bool batched = in.ndim() == 4;
    const int64_t c = in.shape()[batched ? 1 : 0];
    const int64_t h = in.shape()[batched ? 2 : 1], w = in.shape()[batched ? 3 : 2];
    const int64_t groups = c > 1 && src_.chance(30) ? (src_.chance(50) ? c : (c % 2 == 0 ? 2 : 1)) : 1;
    const int64_t per_group = small(1, 2);
    const Size2 stride(small(1, 2), small(1, 2)), dilation(src_.chance(70) ? 1 : 2, src_.chance(70) ? 1 : 2);
    const Size2 padding(small(0, 2), small(0, 2));
    // A kernel that mostly fits the padded input (one that does not raises: the step is skipped).
    const int64_t kh =
        std::clamp<int64_t>(small(1, 3), 1, std::max<int64_t>((h + 2 * padding.h - 1) / dilation.h + 1, 1));
    const int64_t kw =
        std::clamp<int64_t>(small(1, 3), 1, std::max<int64_t>((w + 2 * padding.w - 1) / dilation.w + 1, 1));
    if (src_.chance(35)) {  // weight [C_in, C_out / groups, kH, kW]
      const Tensor weight = leaf({c, per_group, kh, kw}, in.dtype());
      const std::optional<Tensor> bias =
          src_.chance(50) ? std::optional(leaf({per_group * groups}, in.dtype())) : std::nullopt;
      const int64_t most = std::max(stride.h, dilation.h) - 1;
      return conv_transpose2d(in, weight, bias, stride, padding, Size2(small(0, most), 0), groups, dilation);
    }
    const int64_t out = per_group * groups;
    const Tensor weight = leaf({out, c / groups, kh, kw}, in.dtype());
    const std::optional<Tensor> bias = src_.chance(50) ? std::optional(leaf({out}, in.dtype())) : std::nullopt;
    if (src_.chance(15))
      return conv2d(in, weight, bias, 1, src_.chance(50) ? ConvPadding::Same : ConvPadding::Valid, dilation, groups);
    return conv2d(in, weight, bias, stride, padding, dilation, groups);
  }

  Tensor pool(const Tensor& x) {
    Tensor in = image(x);
    if (src_.chance(20)) in = in.round();  // small integers: windows with tied maxima
    const Size2 kernel(small(1, 3), small(1, 3));
    const std::optional<Size2> stride = src_.chance(40) ? std::nullopt : std::optional(Size2(small(1, 3), small(1, 3)));
    const Size2 padding(small(0, kernel.h / 2), small(0, kernel.w / 2));
    const bool ceil_mode = src_.chance(30);
    if (src_.chance(40)) {
      const std::optional<int64_t> divisor = src_.chance(20) ? std::optional(small(-2, 4)) : std::nullopt;
      return avg_pool2d(in, kernel, stride, padding, ceil_mode, src_.chance(50), divisor);
    }
    const Size2 dilation(src_.chance(75) ? 1 : 2, src_.chance(75) ? 1 : 2);
    if (src_.chance(50)) return max_pool2d(in, kernel, stride, padding, dilation, ceil_mode);
    auto [values, indices] = max_pool2d_with_indices(in, kernel, stride, padding, dilation, ceil_mode);
    return src_.chance(50) ? values : indices;
  }

  Tensor norm(const Tensor& x) {
    Tensor in = cut(as_float(x, 85), kImageDim);
    if (in.ndim() < 2) in = in.reshape({1, in.numel()});
    const int64_t c = in.shape()[1];
    const DType dt = in.dtype();
    auto affine = [&](const Shape& s) { return src_.chance(50) ? std::optional(leaf(s, dt)) : std::nullopt; };
    switch (src_.choose(3)) {
      case 0: {
        const bool training = src_.chance(60);
        std::optional<Tensor> mean, var;
        if (!training || src_.chance(50)) {
          mean = leaf({c}, dt);
          var = leaf({c}, dt).abs() + 0.5;  // a variance: not negative
        }
        const Tensor out = batch_norm(in, mean, var, affine({c}), affine({c}), training, src_.chance(50) ? 0.1 : 0.5,
                                      src_.chance(70) ? 1e-5 : 0.5);
        // Training assigns the running mean: sometimes that update is the result.
        return training && mean && src_.chance(40) ? *(src_.chance(50) ? mean : var) : out;
      }
      case 1: {
        const int64_t k = small(1, in.ndim());
        const Shape normalized(in.shape().end() - k, in.shape().end());
        return layer_norm(in, normalized, affine(normalized), affine(normalized), src_.chance(70) ? 1e-5 : 0.5);
      }
      default: {
        std::vector<int64_t> divisors;  // of C (C = 0 takes any group count)
        for (int64_t g = 1; g <= std::max<int64_t>(c, 1); ++g)
          if (c % g == 0) divisors.push_back(g);
        return group_norm(in, divisors[src_.choose(divisors.size())], affine({c}), affine({c}));
      }
    }
  }

  Tensor dropout(const Tensor& x) {
    static constexpr std::array<double, 5> kP = {0.0, 0.25, 0.5, 0.75, 1.0};
    Tensor::manual_seed(static_cast<uint64_t>(src_.range(0, 1 << 20)));  // the graph carries it as constants
    return anvil::dropout(cut(as_float(x), 16), kP[src_.choose(kP.size())], src_.chance(80));
  }

  int64_t axis_of(const Tensor& x) { return x.ndim() == 0 ? 0 : small(-x.ndim(), x.ndim() - 1); }
  int64_t size_at(const Tensor& x, int64_t dim) {
    return x.ndim() == 0 ? 1 : x.shape()[static_cast<size_t>(dim < 0 ? dim + x.ndim() : dim)];
  }

  // An index shape for gather and scatter: x's rank, no larger than x off `dim`.
  Shape index_shape(const Tensor& x, int64_t dim) {
    Shape s = x.shape();
    for (size_t d = 0; d < s.size(); ++d) {
      const bool at = static_cast<int64_t>(d) == (dim < 0 ? dim + x.ndim() : dim);
      s[d] = at ? small(0, 4) : small(std::min<int64_t>(s[d], 1), s[d]);
    }
    return s;
  }

  Tensor gather(const Tensor& x) {
    const int64_t dim = axis_of(x);
    return x.gather(dim, index(index_shape(x, dim), size_at(x, dim), false, dtypes::int64));
  }

  // index_select and embedding.
  Tensor take(const Tensor& x) {
    if (src_.chance(60)) {
      const int64_t dim = axis_of(x);
      const Shape s = src_.chance(20) ? Shape{} : Shape{small(0, 4)};
      return x.index_select(dim, index(s, size_at(x, dim), false, index_dtype(true)));
    }
    const Tensor weight = x.ndim() == 2 ? x : x.ndim() < 2 ? x.reshape({-1, 1}) : x.flatten(0, -2);
    return embedding(index(shape(), weight.shape()[0], false, index_dtype(true)), weight);
  }

  // index() with one or two tensor items among slices (negatives wrap).
  Tensor advanced_index(const Tensor& x) {
    if (x.ndim() == 0) return x;
    std::vector<IndexItem> items;
    const Shape ishape = src_.chance(30) ? Shape{} : Shape{small(0, 3)};
    int tensors = 0;
    for (int64_t d : x.shape()) {
      if (tensors < 2 && (src_.chance(50) || (tensors == 0 && items.size() + 1 == x.shape().size()))) {
        items.emplace_back(index(ishape, d, true, index_dtype(true)));
        ++tensors;
      } else if (src_.chance(20)) {
        items.emplace_back(Ellipsis);
        break;
      } else {
        items.emplace_back(
            Slice{std::nullopt, std::nullopt, src_.chance(30) ? std::optional<int64_t>(2) : std::nullopt});
      }
    }
    return x.index(items);
  }

  // one_hot of x's values (as int64, wrapped into the classes, negatives give a zero row).
  Tensor one_hot(const Tensor& x) {
    const int64_t classes = small(0, 5);
    Tensor i = cut(x, 8).to(dtypes::int64);
    if (classes > 0 && src_.chance(80)) i = i.remainder(classes + (src_.chance(20) ? 1 : 0));
    return i.one_hot(classes);
  }

  // masked_fill and masked_fill_.
  Tensor masked(const Tensor& x) {
    Shape ms = x.shape();
    for (int64_t& d : ms)
      if (src_.chance(25)) d = 1;
    const Tensor mask = src_.chance(50) ? leaf(ms, dtypes::bool_) : x.ne(0);
    const Operand value = src_.chance(60) ? Operand(Number(src_.chance(50) ? small(-3, 3) : 0.5))
                                          : Operand(leaf({}, src_.chance(50) ? x.dtype() : float_dtype()));
    if (src_.chance(50)) return x.masked_fill(mask, value);
    Tensor y(x.uop(), x.keep(), x.device());
    return y.masked_fill_(mask, value);
  }

  // scatter (a tensor or a number), scatter_add, scatter_reduce.
  Tensor scatter(const Tensor& x) {
    const int64_t dim = axis_of(x);
    const Shape is = index_shape(x, dim);
    const Tensor idx = index(is, size_at(x, dim), false, dtypes::int64);
    Shape ss = is;  // the source: at least the index's extent
    for (int64_t& d : ss) d += src_.chance(20) ? 1 : 0;
    const Tensor s = leaf(ss, x.dtype());
    switch (src_.choose(4)) {
      case 0: return x.scatter(dim, idx, s);
      case 1: return x.scatter(dim, idx, Number(small(-2, 2)));
      case 2: return x.scatter_add(dim, idx, s);
      default: {
        static constexpr std::array<const char*, 5> kReduce = {"sum", "prod", "mean", "amax", "amin"};
        return x.scatter_reduce(dim, idx, s, kReduce[src_.choose(kReduce.size())], src_.chance(50));
      }
    }
  }

  // A shape that broadcasts to `s` (some axes 1, some leading ones dropped).
  Shape broadcast_to(const Shape& s) {
    Shape out(s.begin() + static_cast<int64_t>(src_.chance(30) ? src_.choose(s.size() + 1) : 0), s.end());
    for (int64_t& d : out)
      if (src_.chance(30)) d = 1;
    return out;
  }

  // index_put_ (accumulate or not), setitem and assign, on a fresh handle of x.
  Tensor update(const Tensor& x) {
    Tensor y(x.uop(), x.keep(), x.device());
    const Shape& s = x.shape();
    switch (x.ndim() == 0 ? 2 : src_.choose(3)) {
      case 0: {
        const size_t k = 1 + (s.size() > 1 && src_.chance(40) ? 1 : 0);
        const Shape ishape = src_.chance(30) ? Shape{} : Shape{small(0, 4)};
        std::vector<Tensor> indices;
        for (size_t d = 0; d < k; ++d) indices.push_back(index(ishape, s[d], true, index_dtype(true)));
        Shape target = ishape;
        target.insert(target.end(), s.begin() + static_cast<int64_t>(k), s.end());
        const Tensor values = leaf(broadcast_to(target), src_.chance(80) ? x.dtype() : float_dtype());
        return y.index_put_(indices, values, !is_bool(x.dtype()) && src_.chance(40));
      }
      case 1: {
        std::vector<IndexItem> items;
        for (int64_t d : s) {
          if (d > 0 && src_.chance(25)) {
            items.emplace_back(small(-d, d - 1));
          } else if (src_.chance(20)) {
            items.emplace_back(index({small(0, 3)}, d, true, dtypes::int64));
          } else {
            const int64_t b = small(0, d);
            items.emplace_back(Slice{b, small(b, d), src_.chance(30) ? std::optional<int64_t>(2) : std::nullopt});
          }
        }
        const Shape target = x.index(items).shape();
        if (src_.chance(40)) return y.setitem(items, Number(small(-3, 3)));
        return y.setitem(items, leaf(broadcast_to(target), src_.chance(80) ? x.dtype() : float_dtype()));
      }
      default: return y.assign(src_.chance(50) ? leaf(s, x.dtype()) : x.add(x).to(x.dtype()));
    }
  }

  Tensor cumulative(const Tensor& x) {
    const Tensor t = cut(x, kSortDim);
    const int64_t dim = axis_of(t);
    const std::optional<DType> dt = src_.chance(20) ? std::optional(gen_dtype(src_)) : std::nullopt;
    return src_.chance(60) ? t.cumsum(dim, dt) : t.cumprod(dim, dt);
  }

  Tensor sorting(const Tensor& x) {
    Tensor t = cut(x, kSortDim);
    if (src_.chance(25)) t = t.remainder(2);  // many ties: stability shows
    const int64_t dim = axis_of(t);
    const bool pick_values = src_.chance(50);
    switch (src_.choose(3)) {
      case 0: {
        auto [v, i] = t.sort(dim, src_.chance(50), src_.chance(50));
        return pick_values ? v : i;
      }
      case 1: return t.argsort(dim, src_.chance(50), src_.chance(50));
      default: {
        auto [v, i] = t.topk(small(0, size_at(t, dim)), dim, src_.chance(60), src_.chance(80));
        return pick_values ? v : i;
      }
    }
  }

  Tensor loss(const Tensor& x) {
    static constexpr std::array<const char*, 3> kReductions = {"mean", "sum", "none"};
    const std::string reduction = kReductions[src_.choose(kReductions.size())];
    const Tensor in = cut(as_float(x, 92), kImageDim);  // one NaN makes a reduced loss NaN
    const DType dt = in.dtype();
    switch (src_.choose(5)) {
      case 0: return mse_loss(in, leaf(src_.chance(80) ? in.shape() : broadcast_to(in.shape()), dt), reduction);
      case 1:
      case 2: {  // cross_entropy and nll_loss: [N, C, d...] or [C]
        const Tensor logits = in.ndim() == 0 ? in.reshape({1}) : in;
        const int64_t c = logits.shape()[logits.ndim() == 1 ? 0 : 1];
        Shape ts = logits.shape();
        ts.erase(ts.begin() + (logits.ndim() == 1 ? 0 : 1));
        const int64_t ignore = src_.chance(70) ? -100 : small(0, std::max<int64_t>(c - 1, 0));
        Tensor target = index(ts, c, false, dtypes::int64);
        if (src_.chance(20)) target = leaf(ts, dtypes::bool_).where(Tensor::scalar(ignore), target);
        const std::optional<Tensor> weight = src_.chance(40) ? std::optional(leaf({c}, dt).abs()) : std::nullopt;
        if (src_.chance(50))
          return nll_loss(logits.log_softmax(logits.ndim() == 1 ? 0 : 1), target, weight, ignore, reduction);
        if (src_.chance(25)) target = leaf(logits.shape(), dt).softmax(logits.ndim() == 1 ? 0 : 1);  // probabilities
        static constexpr std::array<double, 4> kSmoothing = {0.0, 0.0, 0.1, 1.0};
        return cross_entropy(logits, target, weight, ignore, reduction, kSmoothing[src_.choose(kSmoothing.size())]);
      }
      case 3: {
        const Tensor target = leaf(in.shape(), dt).sigmoid();
        const std::optional<Tensor> weight =
            src_.chance(30) ? std::optional(leaf(broadcast_to(in.shape()), dt)) : std::nullopt;
        return binary_cross_entropy(in.sigmoid(), target, weight, reduction);
      }
      default: {
        const Tensor target = src_.chance(50) ? leaf(in.shape(), dt).sigmoid() : leaf(in.shape(), dtypes::bool_).to(dt);
        const std::optional<Tensor> weight =
            src_.chance(30) ? std::optional(leaf(broadcast_to(in.shape()), dt)) : std::nullopt;
        const std::optional<Tensor> pos =
            src_.chance(30) ? std::optional(leaf(broadcast_to(in.shape()), dt).abs()) : std::nullopt;
        return binary_cross_entropy_with_logits(in, target, weight, reduction, pos);
      }
    }
  }

  Source& src_;
};

}  // namespace

Tensor gen_nn_step(Source& src, const Tensor& x) {
  const Tensor out = NnGen(src).step(x);
  return fits(out) ? out : x;
}

}  // namespace anvil::fuzz
