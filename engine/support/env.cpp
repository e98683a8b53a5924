#include "engine/support/env.h"

#include <cstdlib>

#include "engine/support/error.h"

namespace anvil {

std::string env_string(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : fallback;
}

int64_t env_int(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  char* end = nullptr;
  long long parsed = std::strtoll(value, &end, 10);
  if (*end != '\0') (ErrorBuilder("env") << name << " must be an integer, got '" << value << "'").raise();
  return parsed;
}

int debug_level() {
  static const int level = static_cast<int>(env_int("ANVIL_DEBUG", 0));
  return level;
}

}  // namespace anvil
