#pragma once
// Where the sources (corpus/, regress/) and the built suites live. Baked in at build time;
// ANVIL_SOURCE_DIR / ANVIL_BINARY_DIR in the environment override them.
#include <string>

#include "engine/support/env.h"

namespace anvil::cli {

inline std::string source_dir() { return env_string("ANVIL_SOURCE_DIR", ANVIL_SOURCE_DIR_DEFAULT); }
inline std::string binary_dir() { return env_string("ANVIL_BINARY_DIR", ANVIL_BINARY_DIR_DEFAULT); }

}  // namespace anvil::cli
