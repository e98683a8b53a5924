#include "examples/idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "engine/tensor/tensor_test_util.h"

namespace anvil::examples {
namespace {

using testing::expect_error;

std::string write_gz(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  gzFile f = gzopen(path.c_str(), "wb");
  EXPECT_TRUE(f);
  if (!bytes.empty()) gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return path;
}

TEST(Idx, ReadsLabelsAndImages) {
  Idx labels = read_idx(write_gz("anvil_idx_labels.gz", {0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9}), 1);
  EXPECT_EQ(labels.shape, std::vector<int64_t>{3});
  EXPECT_EQ(labels.data, (std::vector<uint8_t>{7, 8, 9}));
  Idx first = read_idx(write_gz("anvil_idx_labels.gz", {0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9}), 1, 2);
  EXPECT_EQ(first.data, (std::vector<uint8_t>{7, 8}));
  Idx images =
      read_idx(write_gz("anvil_idx_images.gz", {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4}), 3);
  EXPECT_EQ(images.shape, (std::vector<int64_t>{1, 2, 2}));
}

TEST(Idx, MalformedFilesRaise) {
  expect_error([] { read_idx("/nonexistent/anvil.gz", 1); }, "read_idx", {"cannot open"});
  expect_error(
      [] {
        read_idx(write_gz("anvil_idx_bad.gz", {0, 0, 8, 3, 0, 0, 0, 1}), 1);
      },
      "read_idx", {"magic 0x803, expected 0x801"});
  expect_error([] { read_idx(write_gz("anvil_idx_bad.gz", {0, 0, 8}), 1); }, "read_idx", {"ends inside the header"});
  expect_error(
      [] {
        read_idx(write_gz("anvil_idx_bad.gz", {0, 0, 8, 1, 0, 0, 0, 5, 1, 2}), 1);
      },
      "read_idx", {"ends inside the data"});
  expect_error(
      [] {
        read_idx(write_gz("anvil_idx_bad.gz", {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}), 3);
      },
      "read_idx", {"dimension 1 is 0"});
  std::filesystem::remove(std::filesystem::temp_directory_path() / "anvil_idx_bad.gz");
}

}  // namespace
}  // namespace anvil::examples
