#pragma once

#include <filesystem>
#include <string>

namespace scenario {

/// The root of run artifacts: $SCENARIO_ARTIFACTS_DIR, else "scenario-artifacts" under the current
/// directory (ctest runs each test in its build directory, so artifacts land in the build tree).
std::filesystem::path artifacts_root();

/// Turns any text into one safe path component: letters, digits, '-', '_' and '.' kept, anything
/// else (including '/', '..' and spaces) replaced by '_'. Never empty, never "." or "..".
std::string safe_path_component(std::string_view text);

/// `root / a / b` where a and b are made safe first, created on disk.
std::filesystem::path artifacts_dir_for(std::string_view suite, std::string_view test);

}  // namespace scenario
