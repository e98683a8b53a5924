// The safetensors target's structure-aware mutator and its reducer's core. A loader bug such as a
// skipped overlap check needs two offset fields edited consistently (and the data section resized
// to match), which byte flips almost never do: here the header is parsed into entries, edited, and
// printed back with a correct length field unless a mutation means to break it.
#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "fuzz/lib/safetensors_target.h"
#include "fuzz/lib/source.h"

// libFuzzer's own byte mutator (its dictionary and compare-derived tokens) when linked in: a fuzz
// binary has it, the unit tests do not (and stay deterministic for a seed).
extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size) __attribute__((weak));

namespace anvil::fuzz {
namespace {

using json = nlohmann::ordered_json;
constexpr const char* kMetadataKey = "__metadata__";
constexpr size_t kMaxDepth = 16;  // deeper headers are left to byte mutations (printing recurses)

struct Item {
  std::string key;
  json value;
  std::string raw_key;  // printed verbatim instead of the quoted key when set (escapes, bad UTF-8)
};

// A file as the mutator sees it: the header's entries in order, what follows the closing brace,
// the data section, and text that stands for values JSON cannot hold (1E400, deep nesting).
struct File {
  std::vector<Item> items;
  std::string padding;
  FileBytes data;
  int64_t length_delta = 0;  // added to the printed header's true length
  std::vector<std::string> raws;
};

// A value printed as raws[i]: a string no parsed header holds (it starts with a control byte).
std::string raw_marker(size_t i) { return "\x01raw" + std::to_string(i); }

json raw_value(File& f, std::string text) {
  f.raws.push_back(std::move(text));
  return json(raw_marker(f.raws.size() - 1));
}

uint64_t read_u64_le(std::span<const uint8_t> bytes) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | bytes[i];
  return v;
}

// Nesting depth of JSON text, strings skipped.
size_t json_depth(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

// The file's structure, or nullopt when the header is not a JSON object followed by whitespace.
std::optional<File> parse_file(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) return std::nullopt;
  const uint64_t length = read_u64_le(bytes);
  if (length > bytes.size() - 8) return std::nullopt;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), length);
  const size_t close = text.rfind('}');
  if (close == std::string_view::npos || json_depth(text) > kMaxDepth) return std::nullopt;
  File f;
  f.padding = std::string(text.substr(close + 1));
  if (f.padding.find_first_not_of(" \t\r\n") != std::string::npos) return std::nullopt;
  json header = json::parse(text.substr(0, close + 1), nullptr, false);
  if (!header.is_object()) return std::nullopt;
  for (auto& [key, value] : header.items()) f.items.push_back({key, value, ""});
  f.data.assign(bytes.begin() + 8 + static_cast<ptrdiff_t>(length), bytes.end());
  return f;
}

// A JSON string literal that keeps any byte as it is (the loader must refuse bad UTF-8 itself).
std::string quote(const std::string& text) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

FileBytes print_file(const File& f) {
  std::string header = "{";
  for (const Item& item : f.items) {
    if (header.size() > 1) header += ',';
    header += item.raw_key.empty() ? quote(item.key) : item.raw_key;
    header += ':';
    header += item.value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  header += '}';
  header += f.padding;
  for (size_t i = 0; i < f.raws.size(); ++i) {  // markers print as "\u0001rawN"
    const std::string marker = "\"\\u0001raw" + std::to_string(i) + "\"";
    for (size_t at = header.find(marker); at != std::string::npos; at = header.find(marker, at + f.raws[i].size()))
      header.replace(at, marker.size(), f.raws[i]);
  }
  const uint64_t length = static_cast<uint64_t>(header.size()) + static_cast<uint64_t>(f.length_delta);
  FileBytes out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(length >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), f.data.begin(), f.data.end());
  return out;
}

size_t itemsize_named(const std::string& dtype) {
  static const std::pair<const char*, size_t> kSizes[] = {{"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"U16", 2}, {"I16", 2},
                                                          {"U32", 4},  {"I32", 4}, {"U64", 8}, {"I64", 8}, {"F16", 2},
                                                          {"BF16", 2}, {"F32", 4}, {"F64", 8}};
  for (const auto& [name, size] : kSizes)
    if (dtype == name) return size;
  return 0;
}

// A non-negative integer, whichever way nlohmann stores it (edits store signed integers).
std::optional<uint64_t> as_u64(const json& v) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return static_cast<uint64_t>(v.get<int64_t>());
  return std::nullopt;
}

bool is_tensor(const Item& item) { return item.key != kMetadataKey && item.value.is_object(); }

// The bytes a tensor entry's dtype and shape need; nullopt when they are not a valid pair (or overflow).
std::optional<uint64_t> needed_bytes(const Item& item) {
  if (!is_tensor(item)) return std::nullopt;
  const json& v = item.value;
  if (!v.contains("dtype") || !v["dtype"].is_string() || !v.contains("shape") || !v["shape"].is_array())
    return std::nullopt;
  uint64_t n = itemsize_named(v["dtype"].get<std::string>());
  if (n == 0) return std::nullopt;
  for (const json& d : v["shape"]) {
    if (!as_u64(d) || __builtin_mul_overflow(n, *as_u64(d), &n)) return std::nullopt;
  }
  return n;
}

// A tensor's [begin, end] when they are two unsigned integers.
std::optional<std::pair<uint64_t, uint64_t>> offsets_of(const Item& item) {
  if (!is_tensor(item) || !item.value.contains("data_offsets")) return std::nullopt;
  const json& o = item.value["data_offsets"];
  if (!o.is_array() || o.size() != 2 || !as_u64(o[0]) || !as_u64(o[1])) return std::nullopt;
  return std::pair{*as_u64(o[0]), *as_u64(o[1])};
}

std::vector<size_t> tensor_items(const File& f) {
  std::vector<size_t> out;
  for (size_t i = 0; i < f.items.size(); ++i)
    if (is_tensor(f.items[i])) out.push_back(i);
  return out;
}

uint8_t fill_byte(Source& src) { return static_cast<uint8_t>(src.chance(70) ? src.range(0, 1) : src.range(0, 255)); }

// How relayout bends the back-to-back layout at one tensor.
enum class Twist { None, Overlap, Hole, SpanSize, PastEnd };

// Lays the sized tensors out back to back (in a shuffled order sometimes), moving each one's bytes
// with it, and sizes the data section to the end; `twist` breaks the layout at one tensor only,
// keeping every other field consistent, so the loader's one check for it is what must refuse it.
void relayout(File& f, Source& src, Twist twist) {
  std::vector<size_t> order;
  constexpr uint64_t kMaxSpan = 1 << 16;  // a huge (valid) shape keeps its offsets: its bytes would not fit
  for (size_t i : tensor_items(f))
    if (needed_bytes(f.items[i]).value_or(UINT64_MAX) <= kMaxSpan) order.push_back(i);
  if (order.empty()) return;
  if (src.chance(30))
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[src.choose(i)]);
  // An overlap needs a tensor before the twisted one.
  const size_t at =
      twist == Twist::Overlap && order.size() > 1 ? 1 + src.choose(order.size() - 1) : src.choose(order.size());
  FileBytes data;
  uint64_t offset = 0, previous_begin = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    Item& item = f.items[order[k]];
    uint64_t span = *needed_bytes(item), begin = offset;
    if (k == at) {
      switch (twist) {
        case Twist::Overlap:  // starts inside the previous tensor's span
          if (offset > previous_begin)
            begin -= static_cast<uint64_t>(src.range(1, static_cast<int64_t>(offset - previous_begin)));
          break;
        case Twist::Hole: begin += static_cast<uint64_t>(src.range(1, 16)); break;
        case Twist::SpanSize:  // a span shorter or longer than dtype and shape need
          if (src.chance(50) && span > 0)
            span -= static_cast<uint64_t>(src.range(1, static_cast<int64_t>(span)));
          else
            span += static_cast<uint64_t>(src.range(1, 16));
          break;
        default: break;
      }
    }
    const std::optional<std::pair<uint64_t, uint64_t>> old = offsets_of(item);
    data.resize(std::max<uint64_t>(data.size(), begin + span));
    for (uint64_t b = 0; b < span; ++b) {
      const uint64_t from = old ? old->first + b : UINT64_MAX;
      data[begin + b] = old && from < old->second && from < f.data.size() ? f.data[from] : fill_byte(src);
    }
    uint64_t end = begin + span;
    if (k == at && twist == Twist::PastEnd) end += static_cast<uint64_t>(src.range(1, 16));
    item.value["data_offsets"] = json::array({begin, end});
    previous_begin = begin;
    offset = std::max(offset, begin + span);
  }
  for (size_t k = data.size(); k < offset; ++k) data.push_back(fill_byte(src));
  f.data = std::move(data);
}

// Values a field should refuse or survive: negative, fractional, huge, of the wrong kind.
json odd_number(File& f, Source& src) {
  switch (src.choose(12)) {
    case 0: return -1;
    case 1: return INT64_MIN;
    case 2: return 1.5;
    case 3: return UINT64_MAX;
    case 4: return uint64_t{1} << 63;
    case 5: return uint64_t{1} << 62;
    case 6: return uint64_t{1} << 31;
    case 7: return "2";
    case 8: return nullptr;
    case 9: return true;
    case 10: return json::array({1});
    default: {
      static const char* kRaw[] = {"1E400",
                                   "-1E400",
                                   "1e-400",
                                   "18446744073709551616",
                                   "-0",
                                   "0.0",
                                   "1e2",
                                   "123456789012345678901234567890",
                                   "-9223372036854775809"};
      return raw_value(f, kRaw[src.choose(std::size(kRaw))]);
    }
  }
}

// Text JSON cannot be a valid header with: deep nesting, escapes, bad UTF-8, numbers past a double.
std::string odd_text(Source& src) {
  switch (src.choose(6)) {
    case 0: {
      const auto depth = static_cast<size_t>(src.range(2, 64));
      return std::string(depth, '[') + std::string(depth, ']');
    }
    case 1: {
      std::string out;
      const int64_t depth = src.range(2, 32);
      for (int64_t i = 0; i < depth; ++i) out += "{\"a\":";
      return out + "1" + std::string(static_cast<size_t>(depth), '}');
    }
    case 2: return "\"\\ud800\"";  // a lone surrogate
    case 3: return "\"\xff\xfe\"";
    case 4: return "\"\\u0000\\n\\\"\\\\\\u00e9\"";
    default: return "1E400";
  }
}

std::string new_name(Source& src) {
  static const char* kNames[] = {"a",  "b",        "w",        "",     kMetadataKey,    "a\"b",
                                 "\\", "\xc3\xa9", "\xc3\x28", "\xff", "layer.0.weight"};
  const size_t i = src.choose(std::size(kNames) + 2);
  if (i < std::size(kNames)) return kNames[i];
  if (i == std::size(kNames)) return std::string(300, 'n');
  return std::string(1, '\0') + "x";  // a NUL inside a name
}

const char* const kDTypes[] = {"BOOL", "U8",  "I8",  "U16",  "I16", "U32", "I32",
                               "U64",  "I64", "F16", "BF16", "F32", "F64"};

// One edit; false when it does not apply to this file.
bool mutate_structure(File& f, Source& src) {
  const std::vector<size_t> tensors = tensor_items(f);
  Item* t = tensors.empty() ? nullptr : &f.items[tensors[src.choose(tensors.size())]];
  switch (src.choose(20)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4: {  // the layout, consistent but for one twist: the checks that need two fields edited together
      static constexpr Twist kTwists[] = {Twist::None, Twist::Overlap,  Twist::Overlap,  Twist::Overlap, Twist::Hole,
                                          Twist::Hole, Twist::SpanSize, Twist::SpanSize, Twist::PastEnd};
      relayout(f, src, kTwists[src.choose(std::size(kTwists))]);
      return !tensors.empty();
    }
    case 5: {  // one offsets pair: shifted, widened, emptied, past the end, or not a pair
      if (!t) return false;
      const std::optional<std::pair<uint64_t, uint64_t>> o = offsets_of(*t);
      uint64_t b = o ? o->first : 0, e = o ? o->second : 0;
      const auto k = static_cast<uint64_t>(src.range(1, 8));
      switch (src.choose(7)) {
        case 0: b += k, e += k; break;
        case 1: {
          const uint64_t d = std::min(b, k);
          b -= d, e -= d;
          break;
        }
        case 2: e += k; break;
        case 3: b = e; break;
        case 4: e = f.data.size() + k; break;
        case 5: {
          const Item& other = f.items[tensors[src.choose(tensors.size())]];
          if (auto oo = offsets_of(other)) std::tie(b, e) = *oo;
          break;
        }
        default: {
          json& offsets = t->value["data_offsets"];
          if (src.chance(30))
            offsets = json::array({0});
          else if (src.chance(30))
            offsets = json::array({0, 0, 0});
          else if (offsets.is_array() && !offsets.empty())
            offsets[src.choose(offsets.size())] = odd_number(f, src);
          else
            offsets = odd_number(f, src);
          return true;
        }
      }
      t->value["data_offsets"] = json::array({b, e});
      return true;
    }
    case 6: {  // dtype: another valid one (then a layout that fits it, mostly), or not a dtype
      if (!t) return false;
      if (src.chance(75)) {
        t->value["dtype"] = kDTypes[src.choose(std::size(kDTypes))];
        if (src.chance(70)) relayout(f, src, Twist::None);
      } else {
        static const char* kBad[] = {"F8", "f32", "", "BOOL ", "float32", "complex64"};
        t->value["dtype"] = src.chance(70) ? json(kBad[src.choose(std::size(kBad))]) : odd_number(f, src);
      }
      return true;
    }
    case 7:
    case 8: {  // a shape entry: small, huge, negative, not an integer; a dimension more or less
      if (!t) return false;
      json& shape = t->value["shape"];
      if (!shape.is_array()) shape = json::array();
      const int what = static_cast<int>(src.choose(4));
      if (what == 0 || shape.empty()) {
        shape.insert(shape.begin() + static_cast<ptrdiff_t>(src.choose(shape.size() + 1)), src.range(0, 3));
      } else if (what == 1) {
        shape.erase(shape.begin() + static_cast<ptrdiff_t>(src.choose(shape.size())));
      } else if (what == 2) {
        shape[src.choose(shape.size())] = src.range(0, 4);
      } else {
        shape[src.choose(shape.size())] = odd_number(f, src);
      }
      if (src.chance(60)) relayout(f, src, Twist::None);
      return true;
    }
    case 9: {  // a tensor twice: under its own name (a duplicate key) or another
      if (!t) return false;
      Item copy = *t;
      if (src.chance(60)) copy.key = new_name(src);
      f.items.insert(f.items.begin() + static_cast<ptrdiff_t>(src.choose(f.items.size() + 1)), copy);
      if (src.chance(60)) relayout(f, src, Twist::None);
      return true;
    }
    case 10: {  // drop an entry
      if (f.items.empty()) return false;
      f.items.erase(f.items.begin() + static_cast<ptrdiff_t>(src.choose(f.items.size())));
      if (src.chance(60)) relayout(f, src, Twist::None);
      return true;
    }
    case 11: {  // rename, sometimes with an escape written out
      if (f.items.empty()) return false;
      Item& item = f.items[src.choose(f.items.size())];
      item.key = new_name(src);
      item.raw_key = src.chance(20) ? odd_text(src) : "";
      if (!item.raw_key.empty() && item.raw_key[0] != '"') item.raw_key = "\"\\u0061\"";
      return true;
    }
    case 12:
    case 13: {  // __metadata__: entries added or dropped, values of every kind, not an object
      auto it = std::find_if(f.items.begin(), f.items.end(), [](const Item& i) { return i.key == kMetadataKey; });
      if (it == f.items.end()) {
        f.items.insert(f.items.begin() + static_cast<ptrdiff_t>(src.choose(f.items.size() + 1)),
                       Item{kMetadataKey, json::object(), ""});
        it = std::find_if(f.items.begin(), f.items.end(), [](const Item& i) { return i.key == kMetadataKey; });
      }
      json& m = it->value;
      const int what = static_cast<int>(src.choose(6));
      if (what == 0) {
        f.items.erase(it);
      } else if (what == 1 || !m.is_object()) {
        m = src.chance(50) ? odd_number(f, src) : json::array({"a"});
      } else if (what == 2 && !m.empty()) {
        const std::string key = std::next(m.begin(), static_cast<ptrdiff_t>(src.choose(m.size()))).key();
        m.erase(key);
      } else if (what == 3) {
        m[new_name(src)] = odd_number(f, src);
      } else {
        static const char* kValues[] = {"pt", "", "ünïcode", "a\"b\\c", "\n"};
        m[src.chance(50) ? "format" : new_name(src)] = kValues[src.choose(std::size(kValues))];
      }
      return true;
    }
    case 14: {  // the header length field
      static const int64_t kDeltas[] = {-1, 1, -8, 8, INT64_MIN / 2, 100'000'001};
      const auto header = static_cast<int64_t>(print_file(f).size() - 8 - f.data.size());
      f.length_delta = src.chance(15) ? -header : kDeltas[src.choose(std::size(kDeltas))];  // -header: length 0
      return true;
    }
    case 15: {  // the data section: truncated or extended
      const auto k = static_cast<size_t>(src.range(1, 16));
      if (src.chance(50) && !f.data.empty())
        f.data.resize(f.data.size() - std::min(k, f.data.size()));
      else
        for (size_t i = 0; i < k; ++i) f.data.push_back(fill_byte(src));
      return true;
    }
    case 16: {  // order: two entries swapped
      if (f.items.size() < 2) return false;
      std::swap(f.items[src.choose(f.items.size())], f.items[src.choose(f.items.size())]);
      return true;
    }
    case 17: {  // a field missing, or one more
      if (!t) return false;
      static const char* kKeys[] = {"dtype", "shape", "data_offsets"};
      if (src.chance(50))
        t->value.erase(kKeys[src.choose(3)]);
      else
        t->value[src.chance(50) ? "extra" : "Dtype"] = odd_number(f, src);
      return true;
    }
    case 18: {  // JSON oddities where a value goes
      if (f.items.empty()) return false;
      json& v = f.items[src.choose(f.items.size())].value;
      const json odd = raw_value(f, odd_text(src));
      if (v.is_object() && !v.empty()) {
        const std::string key = std::next(v.begin(), static_cast<ptrdiff_t>(src.choose(v.size()))).key();
        v[key] = odd;
      } else {
        v = odd;
      }
      return true;
    }
    default: {  // what follows the closing brace
      static const char* kPadding[] = {"", " ", "        ", "\n\t", "x", ","};
      const size_t i = src.choose(std::size(kPadding) + 1);
      f.padding = i == std::size(kPadding) ? std::string(1, '\0') : kPadding[i];
      return true;
    }
  }
}

// libFuzzer-style byte edits, for inputs that do not parse and to reach what structure cannot.
FileBytes mutate_bytes(FileBytes bytes, Source& src, size_t max_size) {
  static const uint8_t kInteresting[] = {0,   1,   0x7f, 0x80, 0xff, '{', '}',  '[',
                                         ']', '"', ',',  ':',  '0',  '9', '\\', ' '};
  const int64_t edits = src.range(1, 4);
  for (int64_t e = 0; e < edits; ++e) {
    const size_t at = bytes.empty() ? 0 : src.choose(bytes.size());
    switch (src.choose(5)) {
      case 0:
        if (!bytes.empty()) bytes[at] ^= static_cast<uint8_t>(1u << src.choose(8));
        break;
      case 1:
        if (!bytes.empty()) bytes[at] = kInteresting[src.choose(std::size(kInteresting))];
        break;
      case 2:
        if (bytes.size() < max_size)
          bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(at), kInteresting[src.choose(std::size(kInteresting))]);
        break;
      case 3:
        if (!bytes.empty())
          bytes.erase(bytes.begin() + static_cast<ptrdiff_t>(at),
                      bytes.begin() + static_cast<ptrdiff_t>(std::min(bytes.size(), at + src.choose(8) + 1)));
        break;
      default: {  // a chunk copied elsewhere
        if (bytes.empty()) break;
        const size_t n = std::min(bytes.size() - at, src.choose(16) + 1);
        const FileBytes chunk(bytes.begin() + static_cast<ptrdiff_t>(at),
                              bytes.begin() + static_cast<ptrdiff_t>(at + n));
        if (bytes.size() + n <= max_size)
          bytes.insert(bytes.begin() + static_cast<ptrdiff_t>(src.choose(bytes.size() + 1)), chunk.begin(),
                       chunk.end());
        break;
      }
    }
  }
  return bytes;
}

// As the target reads it: a file that would look like a text case (`#`, `hex:`) goes in hex form.
std::string as_input(const FileBytes& bytes) {
  const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (view.starts_with('#') || view.starts_with("hex:")) return safetensors_hex_form(bytes);
  return std::string(view);
}

// Removes n data bytes at `at`; offsets past them move back, offsets inside them go to `at`.
void cut(File& f, uint64_t at, uint64_t n) {
  if (at >= f.data.size()) return;
  n = std::min<uint64_t>(n, f.data.size() - at);
  f.data.erase(f.data.begin() + static_cast<ptrdiff_t>(at), f.data.begin() + static_cast<ptrdiff_t>(at + n));
  for (size_t i : tensor_items(f)) {
    const std::optional<std::pair<uint64_t, uint64_t>> o = offsets_of(f.items[i]);
    if (!o) continue;
    auto moved = [&](uint64_t x) { return x >= at + n ? x - n : std::min(x, at); };
    f.items[i].value["data_offsets"] = json::array({moved(o->first), moved(o->second)});
  }
}

// Smaller versions of a file, most promising first: an entry fewer (its bytes cut out), a metadata
// entry fewer, a dimension smaller or gone (its bytes cut out), a shorter name, no padding, less data.
std::vector<File> smaller_files(const File& f) {
  std::vector<File> out;
  for (size_t i = 0; i < f.items.size(); ++i) {
    File c = f;
    const std::optional<std::pair<uint64_t, uint64_t>> o = offsets_of(c.items[i]);
    c.items.erase(c.items.begin() + static_cast<ptrdiff_t>(i));
    if (o && o->first < o->second) {
      File cc = c;
      cut(cc, o->first, o->second - o->first);
      out.push_back(std::move(cc));
    }
    out.push_back(std::move(c));
  }
  for (size_t i = 0; i < f.items.size(); ++i) {
    const Item& item = f.items[i];
    if (item.key == kMetadataKey && item.value.is_object())
      for (size_t k = 0; k < item.value.size(); ++k) {
        File c = f;
        c.items[i].value.erase(std::next(item.value.begin(), static_cast<ptrdiff_t>(k)).key());
        out.push_back(std::move(c));
      }
    if (!is_tensor(item) || !item.value.contains("shape") || !item.value["shape"].is_array()) continue;
    const std::optional<uint64_t> before = needed_bytes(item);
    const std::optional<std::pair<uint64_t, uint64_t>> o = offsets_of(item);
    for (size_t d = 0; d < item.value["shape"].size(); ++d) {
      const json& dim = item.value["shape"][d];
      for (int64_t to : {int64_t{-1}, int64_t{0}, int64_t{1}}) {  // -1: the dimension dropped
        if (as_u64(dim) && to >= 0 && *as_u64(dim) <= static_cast<uint64_t>(to)) continue;
        if (to < 0 && dim != json(1)) continue;
        File c = f;
        json& shape = c.items[i].value["shape"];
        if (to < 0)
          shape.erase(shape.begin() + static_cast<ptrdiff_t>(d));
        else
          shape[d] = to;
        const std::optional<uint64_t> after = needed_bytes(c.items[i]);
        if (before && after && o && *after < *before && o->second >= *before - *after)
          cut(c, o->second - (*before - *after), *before - *after);
        out.push_back(std::move(c));
      }
    }
    if (item.key.size() > 1 || !item.raw_key.empty()) {
      for (char name = 'a'; name <= 'z'; ++name) {
        if (std::any_of(f.items.begin(), f.items.end(), [&](const Item& x) { return x.key == std::string(1, name); }))
          continue;
        File c = f;
        c.items[i].key = std::string(1, name);
        c.items[i].raw_key.clear();
        out.push_back(std::move(c));
        break;
      }
    }
  }
  if (!f.padding.empty()) {
    File c = f;
    c.padding.clear();
    out.push_back(std::move(c));
  }
  for (uint64_t n = f.data.size(); n > 0; n /= 2) {
    File c = f;
    c.data.resize(c.data.size() - n);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::string mutate_safetensors(std::string_view input, uint64_t seed, size_t max_size) {
  SeededSource src(seed);
  FileBytes bytes = safetensors_file_bytes(input).value_or(FileBytes(input.begin(), input.end()));
  std::optional<File> file = src.chance(85) ? parse_file(bytes) : std::nullopt;
  if (file) {
    const int64_t edits = src.chance(70) ? 1 : src.range(2, 3);
    bool changed = false;
    for (int64_t e = 0; e < edits; ++e) changed |= mutate_structure(*file, src);
    if (changed) {
      FileBytes out = print_file(*file);
      if (out.size() <= max_size && out != bytes) {
        std::string text = as_input(out);
        if (text.size() <= max_size) return text;
      }
    }
  }
  if (LLVMFuzzerMutate && max_size > 0 && src.chance(50)) {
    const size_t size = std::min(bytes.size(), max_size);
    bytes.resize(max_size);
    bytes.resize(LLVMFuzzerMutate(bytes.data(), size, max_size));
    const std::string text = as_input(bytes);
    return text.size() <= max_size ? text : std::string(input.substr(0, max_size));
  }
  const std::string text = as_input(mutate_bytes(std::move(bytes), src, max_size));
  return text.size() <= max_size ? text : std::string(input.substr(0, max_size));
}

FileBytes reduce_safetensors_with(const FileBytes& file, const FilePredicate& fails, int budget) {
  FileBytes best = file;
  int calls = 0;
  auto take = [&](const FileBytes& candidate, bool same_size_ok) {
    if (calls >= budget || candidate.size() > best.size() || (candidate.size() == best.size() && !same_size_ok))
      return false;
    ++calls;
    if (!fails(candidate)) return false;
    best = candidate;
    return true;
  };
  // The printed form first (the same file, compactly written), then structure while it parses.
  if (std::optional<File> f = parse_file(best); f && print_file(*f) != best) take(print_file(*f), true);
  for (bool progress = true; progress && calls < budget;) {
    progress = false;
    const std::optional<File> f = parse_file(best);
    if (!f || print_file(*f) != best) break;
    for (const File& c : smaller_files(*f))
      if (take(print_file(c), false)) {
        progress = true;
        break;
      }
  }
  if (parse_file(best)) return best;  // structured and readable: bytes cut at random would not be
  // Byte chunks, halving, for what does not parse.
  for (size_t chunk = std::max<size_t>(best.size() / 2, 1); chunk > 0 && calls < budget; chunk /= 2) {
    for (size_t at = 0; at + chunk <= best.size() && calls < budget;) {
      FileBytes c = best;
      c.erase(c.begin() + static_cast<ptrdiff_t>(at), c.begin() + static_cast<ptrdiff_t>(at + chunk));
      if (!take(c, false)) at += chunk;
    }
  }
  return best;
}

}  // namespace anvil::fuzz
