#include "examples/idx.h"

#include <zlib.h>

#include <memory>

#include "engine/support/error.h"

namespace anvil::examples {
namespace {

struct GzClose {
  void operator()(gzFile f) const { gzclose(f); }
};
using Gz = std::unique_ptr<std::remove_pointer_t<gzFile>, GzClose>;

void read_exact(gzFile f, uint8_t* out, size_t n, const std::string& path, const char* what) {
  while (n > 0) {
    const unsigned chunk = n > (1u << 30) ? (1u << 30) : static_cast<unsigned>(n);
    const int got = gzread(f, out, chunk);
    if (got <= 0) (ErrorBuilder("read_idx") << path << ": the file ends inside the " << what).raise();
    out += got;
    n -= static_cast<size_t>(got);
  }
}

uint32_t read_u32(gzFile f, const std::string& path, const char* what) {
  uint8_t b[4];
  read_exact(f, b, 4, path, what);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

}  // namespace

Idx read_idx(const std::string& path, int rank, int64_t limit) {
  Gz f(gzopen(path.c_str(), "rb"));
  if (!f) (ErrorBuilder("read_idx") << "cannot open " << path).raise();
  const uint32_t magic = read_u32(f.get(), path, "header");
  const uint32_t want = 0x800u | static_cast<uint32_t>(rank);
  if (magic != want)
    (ErrorBuilder("read_idx") << path << ": magic 0x" << std::hex << magic << ", expected 0x" << want
                              << " (unsigned bytes, " << std::dec << rank << " dimensions)")
        .raise();
  Idx idx;
  int64_t item = 1;
  for (int i = 0; i < rank; ++i) {
    const int64_t n = read_u32(f.get(), path, "header");
    if (i > 0 && (n == 0 || n > 4096))
      (ErrorBuilder("read_idx") << path << ": dimension " << i << " is " << n << ", expected 1 to 4096").raise();
    if (i > 0) item *= n;
    idx.shape.push_back(n);
  }
  if (limit >= 0 && limit < idx.shape[0]) idx.shape[0] = limit;
  idx.data.resize(static_cast<size_t>(idx.shape[0] * item));
  read_exact(f.get(), idx.data.data(), idx.data.size(), path, "data");
  return idx;
}

}  // namespace anvil::examples
