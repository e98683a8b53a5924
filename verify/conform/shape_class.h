#pragma once
// The inputs of a shape class (matrix.h): which of an op-table row's sample shapes belong to a
// class, the scaled-up shapes of the Large class, and leaves built so the class's pattern
// (a permuted, expanded, shrunk or padded view) reaches the kernel.
#include <vector>

#include "engine/tensor/tensor.h"
#include "fuzz/lib/source.h"
#include "verify/conform/matrix.h"
#include "verify/ops/op_table.h"

namespace anvil::conform {

using Shapes = std::vector<Shape>;  // one shape per tensor input

// The row's sample input shapes of the class (Large: samples scaled up to thousands of elements),
// before any check that the op accepts them.
std::vector<Shapes> class_shapes(const ops::OpRow& row, ShapeClass c);

// Scaled copies of `s` for the Large class, biggest first: every extent > 1 times k.
std::vector<Shapes> scaled(const Shapes& s);

// An input of `shape` and `dtype` in the class's pattern, drawing the view's parameters from src
// (View: permute, expand, shrink or flip; Padded: a constant pad; else a plain leaf).
Tensor class_input(fuzz::Source& src, const Shape& shape, DType dtype, ShapeClass c, bool patterned);

// A plain leaf (values come from the text when the graph is bound).
Tensor leaf(const Shape& shape, DType dtype);

}  // namespace anvil::conform
