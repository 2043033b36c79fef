#include "scenario/version.hpp"

namespace scenario {

const char* version() noexcept {
  return "0.1.0";
}

}  // namespace scenario
