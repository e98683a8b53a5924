#pragma once
// Internal to the op table's files: the sample shapes and the row builder they share.
#include <string>
#include <vector>

#include "verify/ops/op_table.h"

namespace anvil::ops::table {

using Ts = std::vector<Tensor>;
using Samples = std::vector<std::vector<Shape>>;

// Elementwise samples: 0-d, empty, size-1, plain, and (for several inputs) broadcasting shapes.
inline Samples elementwise(int arity) {
  Samples out;
  for (const Shape& s : std::vector<Shape>{{}, {0}, {1}, {7}, {3, 4}, {2, 3, 4}}) {
    out.push_back(std::vector<Shape>(static_cast<size_t>(arity), s));
  }
  if (arity == 2) {
    out.push_back({{3, 1}, {1, 4}});
    out.push_back({{3, 4}, {4}});
    out.push_back({{2, 0, 3}, {1, 3}});
    out.push_back({{}, {2, 3}});
    out.push_back({{2, 3}, {4, 3}});  // does not broadcast: an error on both sides
  }
  if (arity == 3) {
    out.push_back({{3, 1}, {1, 4}, {3, 4}});
    out.push_back({{4}, {3, 1}, {}});
  }
  return out;
}

// Reduction samples with at least `min_rank` dimensions; empty extents included.
inline Samples reduce_shapes(size_t min_rank) {
  Samples out;
  for (const Shape& s : std::vector<Shape>{{}, {1}, {7}, {0}, {3, 4}, {1, 1}, {0, 3}, {3, 0}, {2, 3, 4}, {2, 1, 5}}) {
    if (s.size() >= min_rank) out.push_back({s});
  }
  return out;
}

inline Samples one_each(const std::vector<Shape>& shapes) {
  Samples out;
  for (const Shape& s : shapes) out.push_back({s});
  return out;
}

struct Builder {
  std::vector<OpRow> rows;

  OpRow& add(std::string name, std::string op, int arity, std::function<Tensor(const Ts&)> fn,
             const std::vector<DType>& dtypes, Samples shapes) {
    OpRow r;
    r.name = std::move(name);
    r.op = std::move(op);
    r.arity = arity;
    r.fn = std::move(fn);
    r.dtypes = dtypes;
    r.shapes = std::move(shapes);
    rows.push_back(std::move(r));
    return rows.back();
  }
  OpRow& unary(std::string name, std::function<Tensor(const Tensor&)> fn, const std::vector<DType>& dtypes) {
    std::string op = name;
    return add(
        std::move(name), std::move(op), 1, [fn](const Ts& x) { return fn(x[0]); }, dtypes, elementwise(1));
  }
  OpRow& binary(std::string name, std::function<Tensor(const Tensor&, const Tensor&)> fn,
                const std::vector<DType>& dtypes) {
    std::string op = name;
    return add(
        std::move(name), std::move(op), 2, [fn](const Ts& x) { return fn(x[0], x[1]); }, dtypes, elementwise(2));
  }
  OpRow& reduce(std::string name, std::string op, size_t min_rank, std::function<Tensor(const Tensor&)> fn,
                const std::vector<DType>& dtypes) {
    return add(
        std::move(name), std::move(op), 1, [fn](const Ts& x) { return fn(x[0]); }, dtypes, reduce_shapes(min_rank));
  }
  OpRow& movement(std::string name, std::string op, std::function<Tensor(const Tensor&)> fn,
                  const std::vector<Shape>& shapes) {
    return add(
        std::move(name), std::move(op), 1, [fn](const Ts& x) { return fn(x[0]); }, all_dtypes(), one_each(shapes));
  }
};

inline OpRow& with(OpRow& r, Domain d, bool differentiable) {
  r.domain = d;
  r.differentiable = differentiable;
  return r;
}

// Rows of the ops that landed last (op_table_views.cpp): activations, lerp, bitcast, pad modes,
// split/chunk, index, linspace and the random creators.
void add_views_and_creation(Builder& b);
// Rows of the integer-tensor indexing ops, cumulative ops and in-place updates (op_table_index.cpp).
void add_index(Builder& b);
// Rows of conv2d, conv_transpose2d, pooling, normalization and dropout (op_table_nn.cpp).
void add_nn(Builder& b);
// Rows of the losses and of sort/argsort/topk (op_table_loss.cpp).
void add_loss(Builder& b);

}  // namespace anvil::ops::table
