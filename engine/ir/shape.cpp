#include "engine/ir/shape.h"

#include <algorithm>

namespace anvil {
namespace {

const std::vector<int64_t>* ints(const Arg& arg) { return std::get_if<std::vector<int64_t>>(&arg); }

std::optional<Shape> movement_shape(Op op, const Shape& in, const Arg& arg) {
  const std::vector<int64_t>* a = ints(arg);
  if (!a) return std::nullopt;
  const size_t rank = in.size();
  switch (op) {
    case Op::RESHAPE:
      if (std::any_of(a->begin(), a->end(), [](int64_t d) { return d < 0; })) return std::nullopt;
      if (shape_numel(*a) < 0 || shape_numel(*a) != shape_numel(in)) return std::nullopt;
      return *a;
    case Op::PERMUTE: {
      if (a->size() != rank) return std::nullopt;
      std::vector<bool> seen(rank, false);
      Shape out;
      for (int64_t p : *a) {
        if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p]) return std::nullopt;
        seen[p] = true;
        out.push_back(in[p]);
      }
      return out;
    }
    case Op::EXPAND:
      if (a->size() != rank) return std::nullopt;
      for (size_t i = 0; i < rank; ++i)
        if ((*a)[i] != in[i] && (in[i] != 1 || (*a)[i] < 0)) return std::nullopt;
      return *a;
    case Op::PAD: {
      if (a->size() != 2 * rank) return std::nullopt;
      Shape out = in;
      for (size_t i = 0; i < rank; ++i) {
        if ((*a)[2 * i] < 0 || (*a)[2 * i + 1] < 0) return std::nullopt;
        if (__builtin_add_overflow(out[i], (*a)[2 * i], &out[i]) ||
            __builtin_add_overflow(out[i], (*a)[2 * i + 1], &out[i]))
          return std::nullopt;
      }
      return out;
    }
    case Op::SHRINK: {
      if (a->size() != 2 * rank) return std::nullopt;
      Shape out(rank);
      for (size_t i = 0; i < rank; ++i) {
        int64_t b = (*a)[2 * i], e = (*a)[2 * i + 1];
        if (b < 0 || b > e || e > in[i]) return std::nullopt;
        out[i] = e - b;
      }
      return out;
    }
    case Op::FLIP: {
      std::vector<bool> seen(rank, false);
      for (int64_t ax : *a) {
        if (ax < 0 || ax >= static_cast<int64_t>(rank) || seen[ax]) return std::nullopt;
        seen[ax] = true;
      }
      return in;
    }
    default: return std::nullopt;
  }
}

}  // namespace

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d != 0 && n > INT64_MAX / d) return -1;  // too many elements to count: never a valid shape
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::optional<Shape> node_shape(Op op, const std::vector<UOp>& src, const Arg& arg) {
  auto src_shape = [&](size_t i) -> const std::optional<Shape>& { return src[i].shape(); };
  switch (op) {
    case Op::CONST:
    case Op::DEFINE_VAR: return Shape{};
    case Op::BUFFER: {
      const std::vector<int64_t>* a = ints(arg);
      if (!a || a->size() != 2 || (*a)[1] < 0) return std::nullopt;
      return Shape{(*a)[1]};
    }
    case Op::PARAM: {  // {uid, dims...}
      const std::vector<int64_t>* a = ints(arg);
      if (!a || a->empty() || std::any_of(a->begin() + 1, a->end(), [](int64_t d) { return d < 0; }))
        return std::nullopt;
      return Shape(a->begin() + 1, a->end());
    }
    case Op::REDUCE_AXIS: {
      const std::optional<Shape>& in = src_shape(0);
      const ReduceArg* r = std::get_if<ReduceArg>(&arg);
      if (!in || !r) return std::nullopt;
      Shape out = *in;
      for (int64_t ax : r->axes) {
        if (ax < 0 || ax >= static_cast<int64_t>(out.size())) return std::nullopt;
        out[ax] = 1;
      }
      return out;
    }
    case Op::CONTIGUOUS:
    case Op::DETACH:
    case Op::COPY:
    case Op::BIND: return src_shape(0);
    case Op::ASSIGN:
      if (src_shape(0) && src_shape(0) == src_shape(1)) return src_shape(0);
      return std::nullopt;
    default: break;
  }
  if (in_group(op, opgroup::Movement)) {
    if (!src_shape(0)) return std::nullopt;
    return movement_shape(op, *src_shape(0), arg);
  }
  if (in_group(op, opgroup::Alu) || op == Op::BITCAST) {
    for (const UOp& s : src)
      if (!s.shape() || s.shape() != src[0].shape()) return std::nullopt;
    return src[0].shape();
  }
  return std::nullopt;
}

}  // namespace anvil
