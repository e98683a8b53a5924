#pragma once
// Internal builders shared by the Tensor op files: constants, casts, broadcasting, axis checks.
// Not part of the public API.
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/support/error.h"
#include "engine/tensor/tensor.h"

namespace anvil::tensor_detail {

// A tensor for a new graph node built from these tensors' graphs (their storage is kept).
// Its device is theirs (Error("device") when they differ; ops check first, naming themselves), or `device`.
Tensor derive(const UOp& uop, std::initializer_list<const Tensor*> from);
Tensor derive(const UOp& uop, const std::vector<Tensor>& from, const std::string& device = "");
// A tensor an op makes for itself (positions, fill values) on `like`'s device, whether or not that
// backend is registered yet (building a graph needs none; Tensor::to checks).
Tensor on_device_of(const Tensor& made, const Tensor& like);

// A scalar CONST of `dtype` holding `value` converted as a CAST would (2.5 -> int: 2).
UOp scalar_const(DType dtype, Number value);
// A constant of `shape`: CONST -> RESHAPE [1]*rank -> EXPAND.
UOp const_node(DType dtype, Number value, const Shape& shape);
UOp cast_to(const UOp& u, DType dtype);  // no node when the dtype already matches
// RESHAPE (leading 1s) then EXPAND; the caller has checked that `shape` broadcasts from u's.
UOp broadcast_to(const UOp& u, const Shape& shape);
UOp reshape_node(const UOp& u, const Shape& shape);  // no node when the shape already matches

// The broadcast of two shapes, or an Error naming `op`.
Shape broadcast_shape(const char* op, const Shape& a, const Shape& b);
// An axis in [-rank, rank) as [0, rank), or an Error naming `op`.
int64_t normalize_axis(const char* op, int64_t axis, int64_t rank);

// Operands brought to one dtype and one (broadcast) shape, for an elementwise node.
struct Prepared {
  std::vector<UOp> src;
  Shape shape;
  std::vector<Tensor> tensors;  // the tensor operands, whose storage the result keeps
};
Prepared prepare(const char* op, const std::vector<const Operand*>& operands, DType dtype);

bool is_number(const Operand& o);
const Tensor& tensor_of(const Operand& o);

}  // namespace anvil::tensor_detail
