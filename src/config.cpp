#include "scenario/config.hpp"

#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <string>

namespace scenario {
namespace {

std::mutex config_mutex;
ScenarioConfig configured;  // only what configure() set

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

std::optional<bool> env_bool(const char* name) {
  const auto v = env(name);
  if (!v) return std::nullopt;
  if (*v == "1" || *v == "true" || *v == "TRUE" || *v == "yes") return true;
  if (*v == "0" || *v == "false" || *v == "FALSE" || *v == "no") return false;
  throw std::invalid_argument(std::string(name) + " must be 1/true/yes or 0/false/no, got '" + *v +
                              "'");
}

std::optional<int> env_int(const char* name) {
  const auto v = env(name);
  if (!v) return std::nullopt;
  std::size_t used = 0;
  int parsed = 0;
  try {
    parsed = std::stoi(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->size() || parsed <= 0) {
    throw std::invalid_argument(std::string(name) + " must be a positive whole number, got '" + *v +
                                "'");
  }
  return parsed;
}

}  // namespace

ScenarioConfig ScenarioConfig::merged_with(const ScenarioConfig& other) const {
  ScenarioConfig out = *this;
  if (other.default_model) out.default_model = other.default_model;
  if (other.max_turns) out.max_turns = other.max_turns;
  if (other.verbose) out.verbose = other.verbose;
  if (other.cache_key) out.cache_key = other.cache_key;
  if (other.debug) out.debug = other.debug;
  return out;
}

void configure(const ScenarioConfig& config) {
  if (config.max_turns && *config.max_turns <= 0)
    throw std::invalid_argument("max_turns must be positive");
  const std::lock_guard lock(config_mutex);
  configured = configured.merged_with(config);
}

void reset_configuration() {
  const std::lock_guard lock(config_mutex);
  configured = {};
}

ScenarioConfig effective_configuration() {
  ScenarioConfig defaults{.default_model = std::nullopt,
                          .max_turns = 10,
                          .verbose = false,
                          .cache_key = std::nullopt,
                          .debug = false};
  const ScenarioConfig from_env{.default_model = env("SCENARIO_DEFAULT_MODEL"),
                                .max_turns = env_int("SCENARIO_MAX_TURNS"),
                                .verbose = env_bool("SCENARIO_VERBOSE"),
                                .cache_key = env("SCENARIO_CACHE_KEY"),
                                .debug = env_bool("SCENARIO_DEBUG")};
  const std::lock_guard lock(config_mutex);
  return defaults.merged_with(from_env).merged_with(configured);
}

}  // namespace scenario
