// The shared on-disk kernel cache: where it lives, keys, and sealed entries that notice damage.
#include "engine/runtime/kernel_cache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace anvil {
namespace {

namespace fs = std::filesystem;

TEST(KernelCache, DirFollowsAnvilCacheDirThenXdg) {
  const char* old_dir = std::getenv("ANVIL_CACHE_DIR");
  const std::string saved = old_dir ? old_dir : "";
  const fs::path base = fs::temp_directory_path() / ("anvil-kc-test-" + kernel_cache_unique_suffix());
  setenv("ANVIL_CACHE_DIR", (base / "explicit").c_str(), 1);
  EXPECT_EQ(kernel_cache_dir(), base / "explicit");
  EXPECT_TRUE(fs::is_directory(base / "explicit"));
  unsetenv("ANVIL_CACHE_DIR");
  const char* old_xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved_xdg = old_xdg ? old_xdg : "";
  setenv("XDG_CACHE_HOME", (base / "xdg").c_str(), 1);
  EXPECT_EQ(kernel_cache_dir(), base / "xdg" / "anvil");
  if (old_xdg) {
    setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
  } else {
    unsetenv("XDG_CACHE_HOME");
  }
  if (old_dir) setenv("ANVIL_CACHE_DIR", saved.c_str(), 1);
  std::error_code ec;
  fs::remove_all(base, ec);
}

TEST(KernelCache, KeyIs128BitsAndTellsInputsApart) {
  const std::string k = kernel_cache_key(std::string("source\0id", 9));
  EXPECT_EQ(k.size(), 32u);
  EXPECT_EQ(k, kernel_cache_key(std::string("source\0id", 9)));
  EXPECT_NE(k, kernel_cache_key(std::string("source\0ie", 9)));
  EXPECT_NE(k, kernel_cache_key("source"));
  EXPECT_NE(kernel_cache_key("a"), kernel_cache_key("b"));
}

// Every truncation and every single-bit flip of a sealed entry reads as a miss.
TEST(KernelCache, SealedEntryNoticesAnyDamage) {
  const std::string payload = std::string(
                                  "\x7f"
                                  "ELF",
                                  4) +
                              std::string(40, '\0') + "code bytes";
  const std::string sealed = kernel_cache_seal(payload);
  ASSERT_EQ(kernel_cache_unseal(sealed), payload);
  EXPECT_EQ(kernel_cache_unseal(kernel_cache_seal("")), "");
  for (size_t n = 0; n < sealed.size(); ++n) EXPECT_FALSE(kernel_cache_unseal(sealed.substr(0, n))) << n;
  EXPECT_FALSE(kernel_cache_unseal(sealed + "x"));
  for (size_t i = 0; i < sealed.size(); ++i)
    for (int bit = 0; bit < 8; ++bit) {
      std::string d = sealed;
      d[i] = static_cast<char>(d[i] ^ (1 << bit));
      EXPECT_FALSE(kernel_cache_unseal(d)) << "byte " << i << " bit " << bit;
    }
}

TEST(KernelCache, AtomicWriteReplacesAndReads) {
  const fs::path dir = fs::temp_directory_path() / ("anvil-kc-test-" + kernel_cache_unique_suffix());
  fs::create_directories(dir);
  const fs::path f = dir / "entry";
  EXPECT_FALSE(kernel_cache_read(f));
  ASSERT_TRUE(kernel_cache_write_atomic(f, "one"));
  ASSERT_TRUE(kernel_cache_write_atomic(f, std::string("two\0three", 9)));
  EXPECT_EQ(kernel_cache_read(f), std::string("two\0three", 9));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temporary left behind
  EXPECT_FALSE(kernel_cache_write_atomic(dir / "missing" / "entry", "x"));
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace anvil
