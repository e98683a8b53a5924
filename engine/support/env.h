#pragma once
// Environment flags. Read once per process (the first call), so a hot path can ask freely.
#include <cstdint>
#include <string>

namespace anvil {

// ANVIL_DEBUG: 1 kernel count and times, 2 kernel source, 3 UOps, 4 every rule that fires.
int debug_level();

std::string env_string(const char* name, const std::string& fallback = "");
int64_t env_int(const char* name, int64_t fallback);

}  // namespace anvil
