#include "engine/io/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "engine/tensor/tensor_test_util.h"

namespace anvil {
namespace {

using testing::expect_error;
using Bytes = std::vector<uint8_t>;

// A buffer of dtype whose elements are exactly these host values' bytes.
template <class T>
Buffer buffer_of(DType dtype, const std::vector<T>& values) {
  Buffer b(dtype, values.size());
  EXPECT_EQ(b.bytes.size(), values.size() * sizeof(T));
  std::memcpy(b.bytes.data(), values.data(), b.bytes.size());
  return b;
}

Bytes bytes_of(Tensor t) {
  Buffer b = t.to_buffer();
  return Bytes(b.bytes.begin(), b.bytes.end());
}

// A file: the 8-byte little-endian length of `header`, the header, then `data`.
Bytes file_of(const std::string& header, const Bytes& data = {}) {
  Bytes out(8);
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(header.size() >> (8 * i));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void expect_load_error(const Bytes& file, const std::vector<std::string>& fragments) {
  expect_error([&] { (void)load_safetensors_bytes(file); }, "load_safetensors", fragments);
}

// Every dtype with its edge values, bit patterns included (NaN payloads, -0, denormals, extremes).
std::map<std::string, Tensor> every_dtype() {
  std::map<std::string, Tensor> t;
  t["bool"] = Tensor::from(buffer_of<uint8_t>(dtypes::bool_, {0, 1, 1, 0}), Shape{2, 2});
  t["u8"] = Tensor::from(buffer_of<uint8_t>(dtypes::uint8, {0, 1, 127, 128, 255}));
  t["i8"] = Tensor::from(buffer_of<int8_t>(dtypes::int8, {-128, -1, 0, 127}));
  t["u16"] = Tensor::from(buffer_of<uint16_t>(dtypes::uint16, {0, 1, 0x8000, 0xffff}));
  t["i16"] = Tensor::from(buffer_of<int16_t>(dtypes::int16, {INT16_MIN, -1, 0, INT16_MAX}));
  t["u32"] = Tensor::from(buffer_of<uint32_t>(dtypes::uint32, {0, 1, 0x80000000u, UINT32_MAX}));
  t["i32"] = Tensor::from(buffer_of<int32_t>(dtypes::int32, {INT32_MIN, -1, 0, INT32_MAX}), Shape{1, 4, 1});
  t["u64"] = Tensor::from(buffer_of<uint64_t>(dtypes::uint64, {0, 1, 1ull << 63, UINT64_MAX}));
  t["i64"] = Tensor::from(buffer_of<int64_t>(dtypes::int64, {INT64_MIN, -1, 0, INT64_MAX}));
  // float16 / bfloat16: -0, smallest denormal, max, -inf, quiet NaN with payload, signalling NaN
  t["f16"] = Tensor::from(buffer_of<uint16_t>(dtypes::float16, {0x8000, 0x0001, 0x7bff, 0xfc00, 0x7e01, 0x7c01}));
  t["bf16"] = Tensor::from(buffer_of<uint16_t>(dtypes::bfloat16, {0x8000, 0x0001, 0x7f7f, 0xff80, 0x7fc1, 0xff81}));
  t["f32"] = Tensor::from(buffer_of<uint32_t>(dtypes::float32, {0x80000000u, 0x00000001u, 0x7f7fffffu, 0xff800000u,
                                                                0x7fc12345u, 0xff800001u}),
                          Shape{3, 2});
  t["f64"] = Tensor::from(buffer_of<uint64_t>(dtypes::float64, {0x8000000000000000ull, 1ull, 0x7fefffffffffffffull,
                                                                0x7ff8000000abcdefull, 0xfff0000000000001ull}));
  return t;
}

void expect_same(const std::map<std::string, Tensor>& want, const std::map<std::string, Tensor>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [name, w] : want) {
    ASSERT_TRUE(got.count(name)) << name;
    const Tensor& g = got.at(name);
    EXPECT_EQ(g.dtype(), w.dtype()) << name;
    EXPECT_EQ(g.shape(), w.shape()) << name;
    EXPECT_EQ(bytes_of(g), bytes_of(w)) << name;
  }
}

TEST(Safetensors, RoundTripsEveryDTypeBitExact) {
  const std::map<std::string, Tensor> tensors = every_dtype();
  const SafetensorsMetadata metadata = {{"format", "pt"}, {"note", "quote \" and é"}};
  const Bytes file = save_safetensors_bytes(tensors, metadata);
  EXPECT_EQ((8 + (file[0] | file[1] << 8)) % 8, 0);  // the data starts 8-byte aligned
  const Safetensors back = read_safetensors(file);
  expect_same(tensors, back.tensors);
  EXPECT_EQ(back.metadata, metadata);
  EXPECT_EQ(save_safetensors_bytes(back.tensors, back.metadata), file);  // saving is deterministic
}

TEST(Safetensors, ZeroDimAndEmptyTensors) {
  std::map<std::string, Tensor> tensors;
  tensors["scalar"] = Tensor::from(buffer_of<double>(dtypes::float64, {-0.0}), Shape{});
  tensors["flag"] = Tensor::from(buffer_of<uint8_t>(dtypes::bool_, {1}), Shape{});
  tensors["empty"] = Tensor::from(Buffer(dtypes::float32, 0), Shape{0});
  tensors["empty3"] = Tensor::from(Buffer(dtypes::int16, 0), Shape{2, 0, 3});
  const Bytes file = save_safetensors_bytes(tensors);
  expect_same(tensors, load_safetensors_bytes(file));
  EXPECT_EQ(save_safetensors_bytes({}), file_of("{}      "));  // no tensors: an empty object, padded
  EXPECT_TRUE(load_safetensors_bytes(file_of("{}")).empty());
}

TEST(Safetensors, MatchesAHandWrittenFile) {
  // {"a": float32 [1, -2], "bb": int8 -1 (0-d)}, metadata {"format": "pt"}: 137 header bytes + 7 spaces.
  const std::string header = R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                             R"("bb":{"dtype":"I8","shape":[],"data_offsets":[8,9]}}       )";
  ASSERT_EQ(header.size(), 144u);
  Bytes file = {144, 0, 0, 0, 0, 0, 0, 0};
  file.insert(file.end(), header.begin(), header.end());
  for (uint8_t b : {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0xff}) file.push_back(b);  // 1.0f, -2.0f, -1

  std::map<std::string, Tensor> tensors;
  tensors["a"] = Tensor::from(std::vector<float>{1.0f, -2.0f});
  tensors["bb"] = Tensor::from(std::vector<int8_t>{-1}, Shape{});
  EXPECT_EQ(save_safetensors_bytes(tensors, {{"format", "pt"}}), file);

  Safetensors back = read_safetensors(file);
  EXPECT_EQ(back.metadata, (SafetensorsMetadata{{"format", "pt"}}));
  EXPECT_EQ(back.tensors.at("a").to_vector<float>(), (std::vector<float>{1.0f, -2.0f}));
  EXPECT_EQ(back.tensors.at("bb").shape(), Shape{});
  EXPECT_EQ(back.tensors.at("bb").to_vector<int8_t>(), std::vector<int8_t>{-1});
}

TEST(Safetensors, LoadsOtherWritersLayouts) {
  // Keys in another order, whitespace, tensors stored out of name order, no padding.
  const std::string header =
      R"({ "z" : {"data_offsets": [0, 2], "shape": [1], "dtype": "BF16"}, "a": {"shape":[2],"dtype":"U8",)"
      R"("data_offsets":[2,4]} })";
  auto t = load_safetensors_bytes(file_of(header, {0x80, 0x3f, 7, 9}));
  EXPECT_EQ(t.at("z").dtype(), dtypes::bfloat16);
  EXPECT_EQ(bytes_of(t.at("z")), (Bytes{0x80, 0x3f}));
  EXPECT_EQ(t.at("a").to_vector<uint8_t>(), (std::vector<uint8_t>{7, 9}));
}

TEST(Safetensors, FileRoundTrip) {
  const std::string path = (std::filesystem::temp_directory_path() / "anvil_safetensors_test.safetensors").string();
  const std::map<std::string, Tensor> tensors = every_dtype();
  save_safetensors(path, tensors, {{"k", "v"}});
  expect_same(tensors, load_safetensors(path));
  EXPECT_EQ(read_safetensors_file(path).metadata, (SafetensorsMetadata{{"k", "v"}}));
  std::filesystem::remove(path);
  expect_error([&] { (void)load_safetensors(path); }, "load_safetensors", {"cannot open", path});
}

// One valid entry for malformation tests: a float32 [2] at [begin, end).
std::string f32_entry(const std::string& name, int begin, int end) {
  return "\"" + name + R"(":{"dtype":"F32","shape":[2],"data_offsets":[)" + std::to_string(begin) + "," +
         std::to_string(end) + "]}";
}

TEST(SafetensorsMalformed, TooShortForTheLength) { expect_load_error({1, 0, 0}, {"3 bytes", "8-byte header length"}); }

TEST(SafetensorsMalformed, HeaderLengthPastTheFile) {
  Bytes file = file_of("{}");
  file[0] = 3;
  expect_load_error(file, {"header length 3", "past the end of the file", "2 bytes"});
  expect_load_error({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'}, {"over the 100000000-byte limit"});
}

TEST(SafetensorsMalformed, HeaderOver100MB) {
  Bytes file = {0x01, 0xe1, 0xf5, 0x05, 0, 0, 0, 0};  // 100,000,001
  expect_load_error(file, {"header length 100000001", "limit"});
}

TEST(SafetensorsMalformed, InvalidJson) {
  expect_load_error(file_of(R"({"a": )"), {"not valid JSON", "header byte"});
  expect_load_error(file_of("{} x"), {"not valid JSON"});
  expect_load_error(file_of(R"({"a":1E400})"), {"not valid JSON", "number overflow"});  // out_of_range, not parse_error
  expect_load_error(file_of("{\"\xff\":1}"), {"not valid JSON"});                       // not UTF-8
  expect_load_error(file_of(""), {"must be a JSON object starting with '{'"});
}

TEST(SafetensorsMalformed, NotAnObject) {
  expect_load_error(file_of("[1, 2]"), {"JSON object"});
  expect_load_error(file_of(R"({"a": [1]})"), {"tensor 'a'", "must be an object", "an array"});
}

TEST(SafetensorsMalformed, NestedTooDeep) {
  expect_load_error(file_of(R"({"a":{"shape":[[1]]}})"), {"nests", "4 deep"});
}

TEST(SafetensorsMalformed, UnknownDType) {
  expect_load_error(file_of(R"({"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", {0}),
                    {"tensor 'a'", "unknown dtype \"F8_E4M3\"", "BF16"});
  expect_load_error(file_of(R"({"a":{"dtype":4,"shape":[1],"data_offsets":[0,1]}})", {0}), {"dtype must be a string"});
}

TEST(SafetensorsMalformed, MissingOrUnknownKeys) {
  expect_load_error(file_of(R"({"a":{"dtype":"U8","shape":[1]}})", {0}), {"tensor 'a'", "missing 'data_offsets'"});
  expect_load_error(file_of(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}})", {0}),
                    {"unknown key 'x'"});
}

TEST(SafetensorsMalformed, BadShape) {
  auto with_shape = [](const std::string& shape) {
    return file_of(R"({"a":{"dtype":"U8","shape":)" + shape + R"(,"data_offsets":[0,0]}})");
  };
  expect_load_error(with_shape("[-1]"), {"tensor 'a'", "shape[0] is -1", "integers in [0, 2^63)"});
  expect_load_error(with_shape("[2, 1.5]"), {"shape[1] is 1.5"});
  expect_load_error(with_shape("[\"2\"]"), {"shape[0] is \"2\""});
  expect_load_error(with_shape("[9223372036854775808]"), {"shape[0] is 9223372036854775808"});
  expect_load_error(with_shape("4"), {"shape must be an array"});
  expect_load_error(with_shape("[4294967296, 4294967296]"), {"has too many elements"});
}

TEST(SafetensorsMalformed, BadDataOffsets) {
  auto with_offsets = [](const std::string& offsets) {
    return file_of(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":)" + offsets + "}}", {1, 2});
  };
  for (const char* bad : {"[0]", "[0, 1, 2]", "[-1, 1]", "[\"0\", 2]", "[0.0, 2]", "7"})
    expect_load_error(with_offsets(bad), {"tensor 'a'", "data_offsets must be two non-negative integers"});
  expect_load_error(with_offsets("[2, 0]"), {"data_offsets [2, 0] are not ordered"});
}

TEST(SafetensorsMalformed, SpanSizeIsNotNumelTimesItemsize) {
  expect_load_error(file_of(R"({"a":{"dtype":"I32","shape":[2, 1],"data_offsets":[0,4]}})", {0, 0, 0, 0}),
                    {"tensor 'a'", "hold 4 bytes", "[2, 1] of I32 needs 8"});
}

TEST(SafetensorsMalformed, SpanPastTheDataSection) {
  expect_load_error(file_of("{" + f32_entry("a", 0, 8) + "}", Bytes(7)),
                    {"tensor 'a'", "[0, 8] run past the data section (7 bytes)"});
}

TEST(SafetensorsMalformed, OverlappingSpans) {
  expect_load_error(file_of("{" + f32_entry("a", 0, 8) + "," + f32_entry("b", 4, 12) + "}", Bytes(12)),
                    {"tensor 'b'", "[4, 12] overlap tensor 'a' [0, 8]"});
  expect_load_error(file_of("{" + f32_entry("a", 0, 8) + "," + f32_entry("b", 0, 8) + "}", Bytes(8)), {"overlap"});
}

TEST(SafetensorsMalformed, HoleInTheDataSection) {
  expect_load_error(file_of("{" + f32_entry("a", 0, 8) + "," + f32_entry("b", 12, 20) + "}", Bytes(20)),
                    {"hole", "bytes [8, 12)", "before tensor 'b'"});
  expect_load_error(file_of("{" + f32_entry("a", 4, 12) + "}", Bytes(12)), {"hole", "bytes [0, 4)"});
}

TEST(SafetensorsMalformed, TrailingBytes) {
  expect_load_error(file_of("{" + f32_entry("a", 0, 8) + "}", Bytes(9)), {"1 trailing bytes", "cover 8"});
  expect_load_error(file_of("{}", Bytes(3)), {"3 trailing bytes"});
}

TEST(SafetensorsMalformed, DuplicateNames) {
  expect_load_error(file_of("{" + f32_entry("a", 0, 8) + "," + f32_entry("a", 8, 16) + "}", Bytes(16)),
                    {"duplicate key \"a\"", "two tensors of one name"});
  expect_load_error(file_of(R"({"__metadata__":{"k":"1","k":"2"}})"), {"duplicate key \"k\""});
}

TEST(SafetensorsMalformed, NonStringMetadata) {
  expect_load_error(file_of(R"({"__metadata__":{"k":1}})"), {"__metadata__['k'] must be a string, got 1"});
  expect_load_error(file_of(R"({"__metadata__":["k"]})"), {"__metadata__ must be an object"});
}

TEST(SafetensorsMalformed, BoolBytesOtherThanZeroOrOne) {
  expect_load_error(file_of(R"({"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}})", {1, 2}),
                    {"tensor 'a'", "BOOL element 1 is byte 2"});
}

TEST(SafetensorsSave, RefusesWhatTheFormatCannotHold) {
  const Tensor x = Tensor::from(std::vector<float>{1.0f});
  expect_error([&] { (void)save_safetensors_bytes({{"__metadata__", x}}); }, "save_safetensors", {"__metadata__"});
  expect_error(
      [&] {
        (void)save_safetensors_bytes({{"bad\xff", x}});
      },
      "save_safetensors", {"tensor name", "not valid UTF-8"});
  expect_error(
      [&] {
        (void)save_safetensors_bytes({{"x", x}}, {{"k", "\xc3"}});
      },
      "save_safetensors", {"metadata value", "not valid UTF-8"});
  expect_error(
      [&] {
        (void)save_safetensors("/nonexistent-dir/x.safetensors", {{"x", x}});
      },
      "save_safetensors", {"cannot open"});
}

}  // namespace
}  // namespace anvil
