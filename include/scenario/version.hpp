#pragma once

namespace scenario {

/// Library version as "major.minor.patch".
const char* version() noexcept;

}  // namespace scenario
