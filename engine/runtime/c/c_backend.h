#pragma once
// The `c` backend: render_c's source compiled by the system C compiler (ANVIL_CC, else `cc`) into a
// shared object, cached on disk by (source, compiler id), loaded with dlopen.
//
// The cache lives in ANVIL_CACHE_DIR, else $XDG_CACHE_HOME/anvil, else ~/.cache/anvil. A shared
// object is written under a unique temporary name and renamed into place, so concurrent processes
// never load a half-written file; two that compile the same kernel at once both rename, harmlessly.
#include <filesystem>
#include <string>

#include "engine/runtime/backend.h"

namespace anvil {

const Backend& c_backend();

// Where compiled kernels are cached (created on first use).
std::filesystem::path c_cache_dir();

}  // namespace anvil
