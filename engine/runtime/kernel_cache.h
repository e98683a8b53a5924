#pragma once
// The on-disk cache of compiled kernels shared by the compiled backends (c, llvm).
//
// It lives in ANVIL_CACHE_DIR, else $XDG_CACHE_HOME/anvil, else ~/.cache/anvil. Entries are keyed
// by a 128-bit hash of (source, compiler id); a file is written under a unique temporary name and
// renamed into place, so concurrent processes never read a half-written entry, and two that
// write the same entry at once both rename, harmlessly.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace anvil {

// Where compiled kernels are cached (created on first use); nullopt when it cannot be created.
std::optional<std::filesystem::path> try_kernel_cache_dir();
// The same, for a backend that cannot work without it: a folder that cannot be made is an ANVIL_CHECK.
std::filesystem::path kernel_cache_dir();

// 32 hex digits: two independent 64-bit hashes of `text`.
std::string kernel_cache_key(std::string_view text);

// A name no other thread or process uses at the same time, for files renamed into place.
std::string kernel_cache_unique_suffix();

// Writes `bytes` to `path` through a temporary file in the same directory and a rename; false
// when it could not (a full disk is not an error: the kernel just stays uncached).
bool kernel_cache_write_atomic(const std::filesystem::path& path, std::string_view bytes);

// A sealed entry carries a header with its payload's size and hash, so a truncated or corrupted
// file reads as a miss (nullopt) instead of feeding garbage to a loader.
std::string kernel_cache_seal(std::string_view payload);
std::optional<std::string> kernel_cache_unseal(std::string_view sealed);

// The whole file, or nullopt when it does not exist or cannot be read.
std::optional<std::string> kernel_cache_read(const std::filesystem::path& path);

}  // namespace anvil
