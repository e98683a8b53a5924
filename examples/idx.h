#pragma once
// The IDX format of MNIST and Fashion-MNIST, gzip-compressed: a big-endian magic (0x00000801 labels,
// 0x00000803 images), big-endian u32 sizes, then u8 items. Error("read_idx") for a missing file, a
// wrong magic, odd sizes or a short file, naming the file.
#include <cstdint>
#include <string>
#include <vector>

namespace anvil::examples {

struct Idx {
  std::vector<int64_t> shape;  // [count] for labels, [count, rows, cols] for images
  std::vector<uint8_t> data;
};

// Reads at most `limit` items (-1: all) of a .gz IDX file; `rank` (1 labels, 3 images) is expected.
Idx read_idx(const std::string& path, int rank, int64_t limit = -1);

}  // namespace anvil::examples
