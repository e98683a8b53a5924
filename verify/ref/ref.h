#pragma once
// ref: the meaning of the tensor API (DESIGN.md, "Semantics, and the two references"). It
// evaluates a tensor graph op by op on strided host arrays: movement ops are views (shape, strides,
// offset, and a validity mask for PAD) over their source, scalar math is exec_alu element by
// element, reductions accumulate in the node's dtype in index order (from the first element; the
// op's identity only for no elements: 0, 1, -inf/min, +inf/max). It shares no scheduler,
// symbolic, lowering or codegen code with the engine.
#include <cstdint>
#include <vector>

#include "engine/ir/alu.h"
#include "engine/ir/buffer.h"
#include "engine/ir/shape.h"

namespace anvil::ref {

// A dense row-major array of scalars of one dtype.
struct Array {
  DType dtype;
  Shape shape;
  std::vector<Value> data;

  static Array from_buffer(const Buffer& buffer, const Shape& shape);  // Error if the sizes differ
  Buffer to_buffer() const;
  std::vector<double> floats() const;  // every element converted to float64 (poison: NaN)
  std::vector<int64_t> ints() const;   // integer and bool elements (poison: 0)
};

// A strided view of a row-major array: element idx lies at offset + sum(idx[d] * strides[d]) when
// every idx[d] is inside [valid[d].first, valid[d].second); elsewhere it reads 0 of the dtype (PAD).
struct View {
  Shape shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  std::vector<std::pair<int64_t, int64_t>> valid;

  static View contiguous(const Shape& shape);
  // The view after one movement op (RESHAPE only on a contiguous, unmasked view); Error("ref") on a
  // malformed arg.
  View apply(Op op, const std::vector<int64_t>& arg) const;
};

// The elements of `view` over `src`, as a new row-major array.
Array materialize(const Array& src, const View& view);

// Evaluates a tensor graph. BUFFER leaves read their storage (engine/tensor/storage.h); shared
// nodes are evaluated once. Error("ref") for nodes outside the tensor graph or with no shape.
Array evaluate(const UOp& root);

}  // namespace anvil::ref
