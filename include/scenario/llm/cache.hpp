#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "scenario/audio/chunk.hpp"

namespace scenario::llm {

/// off: always call. record: always call and store. replay: only from the cache (a miss is an
/// error). auto: from the cache when present, else call and store.
enum class CacheMode { off, record, replay, auto_mode };

/// "off", "record", "replay", "auto"; std::invalid_argument otherwise.
CacheMode parse_cache_mode(std::string_view text);

/// Replay mode and the request is not in the cache.
class CacheMissError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The one record/replay cache every model, TTS and STT call goes through. Keyed by the SHA-256 of
/// the canonical JSON of (cache key, provider, model, request). Entries are readable JSON files
/// `<hash>.json` holding the request and the response; audio is stored beside them as `<hash>.wav`.
/// Secrets are never part of a key or an entry. Thread-safe.
class CallCache {
 public:
  CallCache(std::filesystem::path directory, CacheMode mode);

  /// SCENARIO_CACHE (off|record|replay|auto, default off) and SCENARIO_CACHE_DIR (default
  /// ./scenario-cache).
  static std::shared_ptr<CallCache> from_environment();

  CacheMode mode() const noexcept { return mode_; }
  const std::filesystem::path& directory() const noexcept { return directory_; }
  static std::string hash_of(const nlohmann::json& key);

  /// Returns the cached response, or calls `call` and (record/auto) stores its result.
  /// `description` names the request in a replay-miss error.
  nlohmann::json through(const nlohmann::json& key, std::string_view description,
                         const std::function<nlohmann::json()>& call);
  /// The same for audio (TTS results).
  audio::AudioChunk through_audio(const nlohmann::json& key, std::string_view description,
                                  const std::function<audio::AudioChunk()>& call);

 private:
  std::optional<nlohmann::json> load(const std::string& hash) const;
  void save(const std::string& hash, const nlohmann::json& key, const nlohmann::json& response);

  std::filesystem::path directory_;
  CacheMode mode_;
  std::mutex mutex_;
};

}  // namespace scenario::llm
