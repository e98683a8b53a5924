#pragma once
// Vector memory ops of the GPU dialects (render_c_family.h): a K-lane load or store of consecutive
// elements as a few vector accesses instead of K scalar ones. OpenCL's vloadN/vstoreN need no
// alignment; CUDA's float4/int2... accesses must be aligned to the vector's size, so they are used
// only where the element offset is a known multiple of the vector's lanes (buffers from cuMemAlloc
// start 256-byte aligned).
#include <cstdint>
#include <string>
#include <vector>

#include "engine/ir/uop.h"

namespace anvil {

enum class VectorMemory : uint8_t { None, OpenCl, Cuda };

// One vector access: `lanes` elements from lane `first` of the access.
struct VectorPiece {
  size_t first = 0, lanes = 0;
};

// How an access of `k` consecutive elements of `elem` whose element offset is a multiple of
// `multiple` splits into vector accesses; empty when it goes lane by lane.
std::vector<VectorPiece> vector_pieces(VectorMemory style, Scalar elem, size_t k, int64_t multiple);

// The largest power of two (at most 16) that the element offset of the address `index` (an INDEX,
// possibly of an INDEX) is a multiple of, from its terms' coefficients and its constant.
int64_t offset_multiple(const UOp& index);

// A line declaring `tmp`, the piece loaded from `ptr + offset` (storage type of `elem`), and lane j of it.
std::string vector_load_line(VectorMemory style, Scalar elem, size_t lanes, const std::string& tmp,
                             const std::string& ptr, const std::string& offset);
std::string vector_lane(VectorMemory style, const std::string& tmp, size_t j);
// A statement storing `values` (storage expressions, one per lane) at `ptr + offset`.
std::string vector_store_statement(VectorMemory style, Scalar elem, const std::vector<std::string>& values,
                                   const std::string& ptr, const std::string& offset);

}  // namespace anvil
