#include "scenario/version.hpp"

namespace scenario::adapters {

// Keeps the adapters library non-empty until the first adapter lands; returns the core version.
const char* version() noexcept {
  return scenario::version();
}

}  // namespace scenario::adapters
