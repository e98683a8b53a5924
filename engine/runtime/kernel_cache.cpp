#include "engine/runtime/kernel_cache.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/support/check.h"
#include "engine/support/hash.h"

namespace anvil {

namespace fs = std::filesystem;

namespace {
fs::path chosen_dir() {
  fs::path dir;
  if (const char* d = std::getenv("ANVIL_CACHE_DIR"); d && *d) {
    dir = d;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) {
    dir = fs::path(x) / "anvil";
  } else if (const char* h = std::getenv("HOME"); h && *h) {
    dir = fs::path(h) / ".cache" / "anvil";
  } else {
    dir = fs::temp_directory_path() / "anvil-cache";
  }
  return dir;
}
}  // namespace

std::optional<fs::path> try_kernel_cache_dir() {
  const fs::path dir = chosen_dir();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir, ec)) return std::nullopt;
  return dir;
}

fs::path kernel_cache_dir() {
  const std::optional<fs::path> dir = try_kernel_cache_dir();
  ANVIL_CHECK(dir) << "cannot create the kernel cache " << chosen_dir();
  return *dir;
}

std::string kernel_cache_key(std::string_view text) {
  char key[40];
  std::snprintf(key, sizeof key, "%016llx%016llx", static_cast<unsigned long long>(hash_bytes(text, 1)),
                static_cast<unsigned long long>(hash_bytes(text, 2)));
  return key;
}

std::string kernel_cache_unique_suffix() {
  static std::atomic<uint64_t> counter{0};
  const uint64_t tid = std::hash<std::thread::id>{}(std::this_thread::get_id());
  return std::to_string(getpid()) + "-" + std::to_string(tid % 1000000) + "-" + std::to_string(counter++);
}

bool kernel_cache_write_atomic(const fs::path& path, std::string_view bytes) {
  const fs::path tmp = path.parent_path() / ("tmp-" + kernel_cache_unique_suffix());
  {
    std::ofstream f(tmp, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f.good()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);  // atomic: readers see the old name or the whole file
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

namespace {
constexpr std::string_view kMagic = "anvil-kernel-cache 1\n";

std::string header(std::string_view payload) {
  char h[64];
  std::snprintf(h, sizeof h, "%020zu %s\n", payload.size(), kernel_cache_key(payload).c_str());
  return std::string(kMagic) + h;
}
}  // namespace

std::string kernel_cache_seal(std::string_view payload) { return header(payload) + std::string(payload); }

std::optional<std::string> kernel_cache_unseal(std::string_view sealed) {
  const size_t head = kMagic.size() + 20 + 1 + 32 + 1;
  if (sealed.size() < head || sealed.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  const std::string_view payload = sealed.substr(head);
  if (sealed.substr(0, head) != header(payload)) return std::nullopt;
  return std::string(payload);
}

std::optional<std::string> kernel_cache_read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return s.str();
}

}  // namespace anvil
