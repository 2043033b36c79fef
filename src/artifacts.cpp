#include "scenario/artifacts.hpp"

#include <cstdlib>

namespace scenario {

std::filesystem::path artifacts_root() {
  if (const char* env = std::getenv("SCENARIO_ARTIFACTS_DIR"); env != nullptr && *env != '\0')
    return env;
  return std::filesystem::current_path() / "scenario-artifacts";
}

std::string safe_path_component(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "_" + out;
  return out;
}

std::filesystem::path artifacts_dir_for(std::string_view suite, std::string_view test) {
  const auto dir = artifacts_root() / safe_path_component(suite) / safe_path_component(test);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace scenario
