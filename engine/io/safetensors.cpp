#include "engine/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "engine/ir/shape.h"
#include "engine/support/error.h"
#include "engine/support/mutant.h"

// Buffers hold little-endian bytes and files are copied into them as they are: big-endian hosts
// would need a byte swap per element, which nobody has asked for.
static_assert(std::endian::native == std::endian::little, "safetensors: big-endian hosts are not supported");

namespace anvil {
namespace {

using json = nlohmann::json;

constexpr const char* kLoad = "load_safetensors";
constexpr const char* kSave = "save_safetensors";
constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the reference implementation's limit
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeName {
  const char* name;
  Scalar scalar;
};
constexpr DTypeName kDTypeNames[] = {
    {"BOOL", Scalar::Bool},   {"U8", Scalar::UInt8},    {"I8", Scalar::Int8},       {"U16", Scalar::UInt16},
    {"I16", Scalar::Int16},   {"U32", Scalar::UInt32},  {"I32", Scalar::Int32},     {"U64", Scalar::UInt64},
    {"I64", Scalar::Int64},   {"F16", Scalar::Float16}, {"BF16", Scalar::BFloat16}, {"F32", Scalar::Float32},
    {"F64", Scalar::Float64},
};

std::optional<Scalar> scalar_named(std::string_view text) {
  for (const DTypeName& d : kDTypeNames)
    if (text == d.name) return d.scalar;
  return std::nullopt;
}

const char* name_of(const DType& dtype) {
  if (dtype.is_ptr || dtype.count != 1) return nullptr;
  for (const DTypeName& d : kDTypeNames)
    if (dtype.scalar == d.scalar) return d.name;
  return nullptr;
}

std::string dtype_names() {
  std::string out;
  for (const DTypeName& d : kDTypeNames) out += std::string(out.empty() ? "" : ", ") + d.name;
  return out;
}

// A JSON value for a message: scalars as written, containers by kind (they can be huge).
std::string describe(const json& v) {
  if (v.is_structured()) return std::string("an ") + v.type_name();
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Parses the header, refusing duplicate keys (nlohmann keeps the last one silently) and nesting
// deeper than a valid header's (top object > tensor entry > shape array).
json parse_header(std::string_view text) {
  std::vector<std::set<std::string>> keys;  // one set per open object
  json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= 3)
          (ErrorBuilder(kLoad) << "header nests objects or arrays " << depth + 1
                               << " deep; a safetensors header nests at most 3 (object > entry > shape)")
              .raise();
        if (event == json::parse_event_t::object_start) keys.emplace_back();
        break;
      case json::parse_event_t::object_end: keys.pop_back(); break;
      case json::parse_event_t::key:
        if (!keys.back().insert(parsed.get<std::string>()).second)
          (ErrorBuilder(kLoad) << "duplicate key " << describe(parsed) << " in the header"
                               << (depth == 1 ? " (two tensors of one name)" : ""))
              .raise();
        break;
      default: break;
    }
    return true;
  };
  try {
    return json::parse(text.begin(), text.end(), callback);
  } catch (const json::parse_error& e) {
    (ErrorBuilder(kLoad) << "the header is not valid JSON (at header byte " << e.byte << "): " << e.what()).raise();
  } catch (const json::exception& e) {  // out_of_range: a number too large for a double
    (ErrorBuilder(kLoad) << "the header is not valid JSON: " << e.what()).raise();
  }
}

uint64_t read_u64_le(std::span<const uint8_t> bytes) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | bytes[i];
  return v;
}

// One tensor's header entry, checked on its own.
struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

Entry parse_entry(const std::string& name, const json& info) {
  Entry e{name, {}, {}, 0, 0};
  auto fail = [&]() {
    ErrorBuilder b(kLoad);
    b << "tensor '" << name << "': ";
    return b;
  };
  if (!info.is_object()) (fail() << "its entry must be an object, got " << describe(info)).raise();
  for (const auto& [key, value] : info.items())
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      (fail() << "unknown key '" << key << "' (expected dtype, shape, data_offsets)").raise();
  for (const char* key : {"dtype", "shape", "data_offsets"})
    if (!info.contains(key)) (fail() << "missing '" << key << "'").raise();

  const json& dtype = info["dtype"];
  if (!dtype.is_string()) (fail() << "dtype must be a string, got " << describe(dtype)).raise();
  std::optional<Scalar> scalar = scalar_named(dtype.get<std::string>());
  if (!scalar) (fail() << "unknown dtype " << describe(dtype) << " (supported: " << dtype_names() << ")").raise();
  e.dtype = DType(*scalar);

  const json& shape = info["shape"];
  if (!shape.is_array()) (fail() << "shape must be an array, got " << describe(shape)).raise();
  for (size_t i = 0; i < shape.size(); ++i) {
    const json& d = shape[i];
    if (d.is_number_unsigned() && d.get<uint64_t>() <= static_cast<uint64_t>(INT64_MAX)) {
      e.shape.push_back(static_cast<int64_t>(d.get<uint64_t>()));
      continue;
    }
    (fail() << "shape[" << i << "] is " << describe(d) << "; dimensions must be integers in [0, 2^63)").raise();
  }
  if (shape_numel(e.shape) < 0) (fail() << "shape " << shape_str(e.shape) << " has too many elements").raise();

  const json& offsets = info["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    (fail() << "data_offsets must be two non-negative integers [begin, end], got "
            << (offsets.is_array() && offsets.size() <= 2 ? offsets.dump(-1, ' ', false, json::error_handler_t::replace)
                                                          : describe(offsets)))
        .raise();
  e.begin = offsets[0].get<uint64_t>();
  e.end = offsets[1].get<uint64_t>();
  if (e.begin > e.end) (fail() << "data_offsets [" << e.begin << ", " << e.end << "] are not ordered").raise();
  const auto want = static_cast<unsigned __int128>(shape_numel(e.shape)) * itemsize(e.dtype);
  if (want != e.end - e.begin)
    (fail() << "data_offsets [" << e.begin << ", " << e.end << "] hold " << e.end - e.begin << " bytes; shape "
            << shape_str(e.shape) << " of " << dtype.get<std::string>() << " needs " << static_cast<uint64_t>(want))
        .raise();
  return e;
}

SafetensorsMetadata parse_metadata(const json& value) {
  if (!value.is_object()) (ErrorBuilder(kLoad) << "__metadata__ must be an object, got " << describe(value)).raise();
  SafetensorsMetadata out;
  for (const auto& [key, v] : value.items()) {
    if (!v.is_string())
      (ErrorBuilder(kLoad) << "__metadata__['" << key << "'] must be a string, got " << describe(v)).raise();
    out[key] = v.get<std::string>();
  }
  return out;
}

// The data section must be covered exactly: spans in order, back to back, from 0 to its end.
void check_layout(std::vector<Entry> entries, uint64_t data_size) {
  for (const Entry& e : entries)
    if (e.end > data_size)
      (ErrorBuilder(kLoad) << "tensor '" << e.name << "': data_offsets [" << e.begin << ", " << e.end
                           << "] run past the data section (" << data_size << " bytes)")
          .raise();
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& e : entries) {
    if (e.begin < covered)
      (ErrorBuilder(kLoad) << "tensor '" << e.name << "': data_offsets [" << e.begin << ", " << e.end
                           << "] overlap tensor '" << previous->name << "' [" << previous->begin << ", "
                           << previous->end << "]")
          .raise();
    if (e.begin > covered)
      (ErrorBuilder(kLoad) << "the data section has a hole: bytes [" << covered << ", " << e.begin
                           << ") belong to no tensor (before tensor '" << e.name << "')")
          .raise();
    covered = e.end;
    previous = &e;
  }
  if (covered != data_size)
    (ErrorBuilder(kLoad) << data_size - covered << " trailing bytes after the last tensor's data (data section "
                         << data_size << " bytes, tensors cover " << covered << ")")
        .raise();
}

Tensor make_tensor(const Entry& e, std::span<const uint8_t> data) {
  const auto count = static_cast<size_t>(shape_numel(e.shape));
  Buffer buffer(e.dtype, count);
  if (count) std::memcpy(buffer.bytes.data(), data.data() + e.begin, e.end - e.begin);
  if (e.dtype.scalar == Scalar::Bool)  // any other byte would be a bool the engine cannot represent
    for (size_t i = 0; i < count; ++i)
      if (buffer.bytes[i] > 1)
        (ErrorBuilder(kLoad) << "tensor '" << e.name << "': BOOL element " << i << " is byte "
                             << static_cast<int>(buffer.bytes[i]) << "; expected 0 or 1")
            .raise();
  return Tensor::from(std::move(buffer), e.shape);
}

// A JSON string literal; Error(save_safetensors) for text that is not UTF-8.
std::string quoted(const std::string& text, const char* what) {
  try {
    return json(text).dump();
  } catch (const json::type_error&) {
    (ErrorBuilder(kSave) << what << " '" << json(text).dump(-1, ' ', false, json::error_handler_t::replace)
                         << "' is not valid UTF-8")
        .raise();
  }
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) (ErrorBuilder(kLoad) << "cannot open '" << path << "'").raise();
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) (ErrorBuilder(kLoad) << "cannot read '" << path << "'").raise();
  return bytes;
}

}  // namespace

Safetensors read_safetensors(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8)
    (ErrorBuilder(kLoad) << "the file has " << bytes.size() << " bytes; it must start with an 8-byte header length")
        .raise();
  const uint64_t header_size = read_u64_le(bytes);
  if (header_size > kMaxHeaderBytes)
    (ErrorBuilder(kLoad) << "header length " << header_size << " is over the " << kMaxHeaderBytes << "-byte limit")
        .raise();
  if (header_size > bytes.size() - 8 && !ANVIL_MUTANT(31))
    (ErrorBuilder(kLoad) << "header length " << header_size << " runs past the end of the file (" << bytes.size() - 8
                         << " bytes after the length)")
        .raise();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), header_size);
  if (text.empty() || text[0] != '{')
    (ErrorBuilder(kLoad) << "the header must be a JSON object starting with '{'").raise();
  const json header = parse_header(text);
  if (!header.is_object()) (ErrorBuilder(kLoad) << "the header must be a JSON object").raise();

  Safetensors out;
  std::vector<Entry> entries;
  for (const auto& [name, info] : header.items()) {
    if (name == kMetadataKey)
      out.metadata = parse_metadata(info);
    else
      entries.push_back(parse_entry(name, info));
  }
  const std::span<const uint8_t> data = bytes.subspan(8 + header_size);
  check_layout(entries, data.size());
  for (const Entry& e : entries) out.tensors.emplace(e.name, make_tensor(e, data));
  return out;
}

Safetensors read_safetensors_file(const std::string& path) { return read_safetensors(read_file(path)); }
std::map<std::string, Tensor> load_safetensors_bytes(std::span<const uint8_t> bytes) {
  return read_safetensors(bytes).tensors;
}
std::map<std::string, Tensor> load_safetensors(const std::string& path) { return read_safetensors_file(path).tensors; }

std::vector<uint8_t> save_safetensors_bytes(const std::map<std::string, Tensor>& tensors,
                                            const SafetensorsMetadata& metadata) {
  std::string header = "{";
  if (!metadata.empty()) {
    header += std::string("\"") + kMetadataKey + "\":{";
    for (auto it = metadata.begin(); it != metadata.end(); ++it)
      header += (it == metadata.begin() ? "" : ",") + quoted(it->first, "metadata key") + ":" +
                quoted(it->second, "metadata value");
    header += "}";
  }
  std::vector<Buffer> buffers;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == kMetadataKey) (ErrorBuilder(kSave) << "a tensor cannot be named '" << kMetadataKey << "'").raise();
    Tensor t = tensor;  // to_buffer realizes through the handle
    const char* dtype = name_of(t.dtype());
    if (!dtype)
      (ErrorBuilder(kSave) << "tensor '" << name << "' has dtype " << anvil::name(t.dtype())
                           << ", which safetensors cannot store (supported: " << dtype_names() << ")")
          .raise();
    buffers.push_back(t.to_buffer());
    std::ostringstream entry;
    entry << (header.size() > 1 ? "," : "") << quoted(name, "tensor name") << ":{\"dtype\":\"" << dtype
          << "\",\"shape\":[";
    for (size_t i = 0; i < t.shape().size(); ++i) entry << (i ? "," : "") << t.shape()[i];
    const uint64_t size = buffers.back().bytes.size();
    entry << "],\"data_offsets\":[" << offset << "," << offset + size << "]}";
    header += entry.str();
    offset += size;
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');  // the data starts 8-byte aligned, as the reference pads

  std::vector<uint8_t> out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.reserve(out.size() + offset);
  for (const Buffer& b : buffers) out.insert(out.end(), b.bytes.begin(), b.bytes.end());
  return out;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const SafetensorsMetadata& metadata) {
  const std::vector<uint8_t> bytes = save_safetensors_bytes(tensors, metadata);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) (ErrorBuilder(kSave) << "cannot open '" << path << "' for writing").raise();
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) (ErrorBuilder(kSave) << "cannot write '" << path << "'").raise();
}

}  // namespace anvil
