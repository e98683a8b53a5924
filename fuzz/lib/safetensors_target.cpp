// The safetensors target: any byte string gets a clean answer from the loader. Either an
// anvil::Error from load_safetensors, or tensors that save and load back identically (names,
// dtypes, shapes, bytes, metadata), whose bytes fill the file's data section, and whose saved file
// saves again to the same bytes.
//
// Inputs are file bytes, mutated by editing the parsed header (safetensors_mutate.cpp). Regression
// cases and reduced findings are text so they stay readable: leading `#` lines (signature, origin,
// status), then either `hex:` lines spelling the file (spaces ignored) or the raw file bytes.
#include "fuzz/lib/safetensors_target.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>

#include "engine/io/safetensors.h"
#include "engine/ir/shape.h"
#include "engine/support/error.h"
#include "fuzz/lib/targets.h"

namespace anvil::fuzz {
namespace {

constexpr size_t kMaxInput = 1 << 20;

using Bytes = std::vector<uint8_t>;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<Bytes> safetensors_file_bytes(std::string_view input) {
  while (!input.empty() && input[0] == '#') {  // header lines
    const size_t eol = input.find('\n');
    input = eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1);
  }
  if (!input.starts_with("hex:")) return Bytes(input.begin(), input.end());
  Bytes out;
  int high = -1;
  while (!input.empty()) {
    const size_t eol = std::min(input.find('\n'), input.size());
    std::string_view line = input.substr(0, eol);
    input = input.substr(std::min(eol + 1, input.size()));
    if (line.empty() || line[0] == '#') continue;
    if (!line.starts_with("hex:")) return std::nullopt;
    for (char c : line.substr(4)) {
      if (c == ' ' || c == '\t' || c == '\r') continue;
      const int d = hex_digit(c);
      if (d < 0) return std::nullopt;
      if (high < 0) {
        high = d;
      } else {
        out.push_back(static_cast<uint8_t>(high << 4 | d));
        high = -1;
      }
    }
  }
  if (high >= 0) return std::nullopt;  // an odd number of digits
  return out;
}

std::string safetensors_hex_form(std::span<const uint8_t> bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i % 32 == 0) out += i ? "\nhex:" : "hex:";
    out += ' ';
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out.empty() ? "hex:\n" : out + "\n";
}

namespace {

Outcome found(const char* op, const char* kind, const std::string& message) {
  return Outcome::found({{"safetensors", op, "-", kind}, message});
}

Bytes tensor_bytes(Tensor t) {
  Buffer b = t.to_buffer();
  return Bytes(b.bytes.begin(), b.bytes.end());
}

// What differs between two loaded files, or "".
std::string difference(const Safetensors& a, const Safetensors& b) {
  if (a.metadata != b.metadata) return "metadata differs";
  if (a.tensors.size() != b.tensors.size())
    return std::to_string(a.tensors.size()) + " tensors became " + std::to_string(b.tensors.size());
  for (auto ia = a.tensors.begin(), ib = b.tensors.begin(); ia != a.tensors.end(); ++ia, ++ib) {
    if (ia->first != ib->first) return "tensor '" + ia->first + "' became '" + ib->first + "'";
    if (ia->second.str() != ib->second.str())
      return "tensor '" + ia->first + "': " + ia->second.str() + " became " + ib->second.str();
    if (tensor_bytes(ia->second) != tensor_bytes(ib->second)) return "tensor '" + ia->first + "': bytes differ";
  }
  return "";
}

Outcome run_safetensors(std::string_view input) {
  if (input.size() > kMaxInput) return Outcome::rejected();
  const std::optional<Bytes> file = safetensors_file_bytes(input);
  if (!file) return Outcome::rejected();
  Safetensors first;
  try {
    first = read_safetensors(*file);
  } catch (const Error& e) {
    if (e.op() != "load_safetensors")
      return found("load", "error", std::string("an error not naming the loader: ") + e.what());
    return Outcome::ok();  // a clear error is a right answer
  }
  // The data section is covered exactly, so the tensors' bytes add up to it.
  size_t data_bytes = 0;
  for (auto& [name, t] : first.tensors) data_bytes += tensor_bytes(t).size();
  uint64_t header = 0;
  for (int i = 7; i >= 0; --i) header = header << 8 | (*file)[i];
  if (data_bytes != file->size() - 8 - header)
    return found("load", "coverage",
                 std::to_string(data_bytes) + " tensor bytes from a data section of " +
                     std::to_string(file->size() - 8 - header));
  Bytes saved, again;
  Safetensors second;
  try {
    saved = save_safetensors_bytes(first.tensors, first.metadata);
  } catch (const Error& e) {
    return found("save", "error", std::string("a loaded file does not save: ") + e.what());
  }
  try {
    second = read_safetensors(saved);
  } catch (const Error& e) {
    return found("load", "roundtrip",
                 std::string("a saved file does not load: ") + e.what() + "\n" + safetensors_hex_form(saved));
  }
  if (std::string diff = difference(first, second); !diff.empty())
    return found("load", "roundtrip", "load(save(load(f))) != load(f): " + diff + "\n" + safetensors_hex_form(saved));
  again = save_safetensors_bytes(second.tensors, second.metadata);
  if (again != saved) return found("save", "roundtrip", "save is not deterministic\n" + safetensors_hex_form(saved));
  return Outcome::ok();
}

// A valid file: up to 4 tensors of every dtype and small shapes (0-d and empty included), sometimes metadata.
std::string generate_safetensors(Source& src) {
  static const DType kDTypes[] = {dtypes::bool_,    dtypes::uint8,   dtypes::int8,   dtypes::uint16, dtypes::int16,
                                  dtypes::uint32,   dtypes::int32,   dtypes::uint64, dtypes::int64,  dtypes::float16,
                                  dtypes::bfloat16, dtypes::float32, dtypes::float64};
  static const char* kNames[] = {"w", "b", "layer.0.weight", "layer.0.bias", "emb", "é", "a\"b", "x y", ""};
  std::map<std::string, Tensor> tensors;
  const int64_t count = src.range(0, 4);
  for (int64_t i = 0; i < count; ++i) {
    const DType dtype = kDTypes[src.choose(std::size(kDTypes))];
    Shape shape(src.range(0, 3));
    for (int64_t& d : shape) d = src.range(0, 3);
    Buffer buffer(dtype, shape_numel(shape));
    for (uint8_t& byte : buffer.bytes) byte = static_cast<uint8_t>(src.range(0, dtype == dtypes::bool_ ? 1 : 255));
    tensors[kNames[src.choose(std::size(kNames))]] = Tensor::from(std::move(buffer), shape);
  }
  SafetensorsMetadata metadata;
  if (src.chance(30)) metadata["format"] = "pt";
  if (src.chance(20)) metadata["note"] = "ünïcode \"quoted\"";
  const Bytes bytes = save_safetensors_bytes(tensors, metadata);
  return std::string(bytes.begin(), bytes.end());
}

// Findings are filed as text: the hex form of the smallest file that fails the same way.
std::string reduce_safetensors(std::string_view input, const Signature& signature) {
  const std::optional<Bytes> file = safetensors_file_bytes(input);
  if (!file) return std::string(input);
  auto fails = [&](const Bytes& candidate) {
    const Outcome out = run_safetensors(safetensors_hex_form(candidate));
    return out.kind == Outcome::Found && out.finding.signature == signature;
  };
  return safetensors_hex_form(reduce_safetensors_with(*file, fails));
}

// A case's size: the bytes of the file it spells.
size_t safetensors_size(std::string_view input) {
  const std::optional<Bytes> file = safetensors_file_bytes(input);
  return file ? file->size() : input.size();
}

}  // namespace

const Target kSafetensorsTarget = {"safetensors",      run_safetensors,    generate_safetensors,
                                   mutate_safetensors, reduce_safetensors, safetensors_size};

}  // namespace anvil::fuzz
