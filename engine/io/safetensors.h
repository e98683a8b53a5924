#pragma once
// safetensors, the real format: an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
// ({"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__":
// {str: str}}), then the raw little-endian data, offsets relative to its start.
// Loading checks everything a malformed file can get wrong (Error("load_safetensors") saying what and
// where) and never reads past the buffer. Little-endian hosts only: buffers are stored little-endian.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "engine/tensor/tensor.h"

namespace anvil {

using SafetensorsMetadata = std::map<std::string, std::string>;

// What a file holds: its tensors by name, and its "__metadata__" (empty when absent).
struct Safetensors {
  std::map<std::string, Tensor> tensors;
  SafetensorsMetadata metadata;
};

// Loading. The largest header accepted is 100 MB, as the reference implementation's.
Safetensors read_safetensors(std::span<const uint8_t> bytes);
Safetensors read_safetensors_file(const std::string& path);
std::map<std::string, Tensor> load_safetensors_bytes(std::span<const uint8_t> bytes);
std::map<std::string, Tensor> load_safetensors(const std::string& path);

// Saving (realizes the tensors). Deterministic: tensors in name order, laid out back to back, the
// header padded with spaces so the data starts 8-byte aligned; "__metadata__" first, omitted when empty.
std::vector<uint8_t> save_safetensors_bytes(const std::map<std::string, Tensor>& tensors,
                                            const SafetensorsMetadata& metadata = {});
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const SafetensorsMetadata& metadata = {});

}  // namespace anvil
