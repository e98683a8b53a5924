#include "engine/runtime/c/vector_memory.h"

#include <numeric>
#include <optional>

#include "engine/runtime/c/render_c.h"
#include "engine/support/check.h"
#include "engine/symbolic/terms.h"

namespace anvil {
namespace {

constexpr int64_t kMaxMultiple = 16;
constexpr size_t kCudaVectorBytes = 16;  // float4, int4, double2: the widest CUDA vector types

// The vector types' element name for a storage type (bool and float16 are stored as uint8_t and uint16_t).
std::string element_name(VectorMemory style, Scalar elem) {
  std::string s = c_storage_type(elem);
  if (s == "float" || s == "double") return s;
  const bool cuda = style == VectorMemory::Cuda;
  if (s == "int8_t") return "char";
  if (s == "uint8_t") return "uchar";
  if (s == "int16_t") return "short";
  if (s == "uint16_t") return "ushort";
  if (s == "int32_t") return "int";
  if (s == "uint32_t") return "uint";
  if (s == "int64_t") return cuda ? "longlong" : "long";
  if (s == "uint64_t") return cuda ? "ulonglong" : "ulong";
  return "";
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

std::vector<VectorPiece> vector_pieces(VectorMemory style, Scalar elem, size_t k, int64_t multiple) {
  if (style == VectorMemory::None || k < 2 || element_name(style, elem).empty()) return {};
  size_t n = 0;  // lanes a piece
  if (style == VectorMemory::OpenCl) {
    if (k == 2 || k == 4 || k == 8 || k == 16) n = k;  // vloadN's widths (and 3, not made by vectorize)
  } else {
    for (size_t c : {4, 2})
      if (!n && k % c == 0 && multiple % static_cast<int64_t>(c) == 0 && c * itemsize(elem) <= kCudaVectorBytes) n = c;
  }
  if (!n) return {};
  std::vector<VectorPiece> pieces;
  for (size_t first = 0; first < k; first += n) pieces.push_back({first, n});
  return pieces;
}

int64_t offset_multiple(const UOp& index) {
  int64_t m = kMaxMultiple;
  for (UOp at = index; at.op() == Op::INDEX; at = at.src(0)) {
    const std::optional<Sum> sum = decompose(at.src(1));
    if (!sum) return 1;
    auto fold = [&](__int128 c) {
      m = std::gcd(m, static_cast<int64_t>((c % kMaxMultiple + kMaxMultiple) % kMaxMultiple));
    };
    for (const Term& t : sum->terms) fold(t.coeff);
    fold(sum->constant);
  }
  return m;
}

std::string vector_load_line(VectorMemory style, Scalar elem, size_t lanes, const std::string& tmp,
                             const std::string& ptr, const std::string& offset) {
  const std::string type = element_name(style, elem) + std::to_string(lanes);
  if (style == VectorMemory::OpenCl)
    return "const " + type + " " + tmp + " = vload" + std::to_string(lanes) + "(0, " + ptr + " + " + offset + ");\n";
  return "const " + type + " " + tmp + " = *(const " + type + "*)(" + ptr + " + " + offset + ");\n";
}

std::string vector_lane(VectorMemory style, const std::string& tmp, size_t j) {
  if (style == VectorMemory::OpenCl) return tmp + ".s" + std::to_string(j);
  ANVIL_CHECK(j < 4) << "cuda: a vector has at most 4 lanes";
  return tmp + "." + "xyzw"[j];
}

std::string vector_store_statement(VectorMemory style, Scalar elem, const std::vector<std::string>& values,
                                   const std::string& ptr, const std::string& offset) {
  const std::string type = element_name(style, elem) + std::to_string(values.size());
  if (style == VectorMemory::OpenCl)
    return "vstore" + std::to_string(values.size()) + "((" + type + ")(" + joined(values) + "), 0, " + ptr + " + " +
           offset + ");\n";
  return "*(" + type + "*)(" + ptr + " + " + offset + ") = make_" + type + "(" + joined(values) + ");\n";
}

}  // namespace anvil
