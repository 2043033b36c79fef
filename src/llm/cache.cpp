#include "scenario/llm/cache.hpp"

#include <openssl/evp.h>

#include <unistd.h>
#include <cstdlib>
#include <fstream>

#include "scenario/audio/wav.hpp"

namespace scenario::llm {

CacheMode parse_cache_mode(std::string_view text) {
  if (text == "off" || text.empty()) return CacheMode::off;
  if (text == "record") return CacheMode::record;
  if (text == "replay") return CacheMode::replay;
  if (text == "auto") return CacheMode::auto_mode;
  throw std::invalid_argument("cache mode must be off, record, replay or auto, got '" +
                              std::string(text) + "'");
}

CallCache::CallCache(std::filesystem::path directory, CacheMode mode)
    : directory_(std::move(directory)), mode_(mode) {}

std::shared_ptr<CallCache> CallCache::from_environment() {
  const char* mode = std::getenv("SCENARIO_CACHE");
  const char* dir = std::getenv("SCENARIO_CACHE_DIR");
  return std::make_shared<CallCache>(
      dir && *dir ? std::filesystem::path(dir) : std::filesystem::path("scenario-cache"),
      parse_cache_mode(mode ? mode : "off"));
}

std::string CallCache::hash_of(const nlohmann::json& key) {
  // nlohmann::json objects keep keys sorted, so dump() is canonical.
  const std::string text = key.dump();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

std::optional<nlohmann::json> CallCache::load(const std::string& hash) const {
  std::ifstream in(directory_ / (hash + ".json"));
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in).at("response");
  } catch (const std::exception& e) {
    throw std::runtime_error("cache entry " + (directory_ / (hash + ".json")).string() +
                             " is corrupt: " + e.what());
  }
}

void CallCache::save(const std::string& hash, const nlohmann::json& key,
                     const nlohmann::json& response) {
  std::filesystem::create_directories(directory_);
  // Write then rename: concurrent runs never see half an entry.
  const auto final_path = directory_ / (hash + ".json");
  const auto tmp = directory_ / (hash + ".json.tmp" + std::to_string(::getpid()));
  {
    std::ofstream out(tmp);
    out << nlohmann::json{{"request", key}, {"response", response}}.dump(2) << "\n";
    if (!out) throw std::runtime_error("cannot write cache entry " + tmp.string());
  }
  std::filesystem::rename(tmp, final_path);
}

nlohmann::json CallCache::through(const nlohmann::json& key, std::string_view description,
                                  const std::function<nlohmann::json()>& call) {
  if (mode_ == CacheMode::off) return call();
  const std::string hash = hash_of(key);
  if (mode_ == CacheMode::replay || mode_ == CacheMode::auto_mode) {
    std::optional<nlohmann::json> hit;
    {
      const std::lock_guard lock(mutex_);
      hit = load(hash);
    }
    if (hit) return *hit;
    if (mode_ == CacheMode::replay) {
      throw CacheMissError("SCENARIO_CACHE=replay but " + std::string(description) +
                           " is not in the cache " + directory_.string() + " (entry " + hash +
                           "); record it first with SCENARIO_CACHE=record or auto");
    }
  }
  nlohmann::json response = call();
  const std::lock_guard lock(mutex_);
  save(hash, key, response);
  return response;
}

audio::AudioChunk CallCache::through_audio(const nlohmann::json& key, std::string_view description,
                                           const std::function<audio::AudioChunk()>& call) {
  if (mode_ == CacheMode::off) return call();
  const std::string hash = hash_of(key);
  const auto wav_path = directory_ / (hash + ".wav");
  const nlohmann::json meta = through(key, description, [&] {
    const audio::AudioChunk chunk = call();
    std::filesystem::create_directories(directory_);
    audio::write_wav_file(wav_path,
                          audio::PcmBuffer{audio::AudioChunk::sample_rate, 1, chunk.samples});
    return nlohmann::json{{"audio_file", hash + ".wav"}, {"samples", chunk.samples.size()}};
  });
  audio::AudioChunk chunk;
  chunk.samples =
      audio::read_wav_file(directory_ / meta.at("audio_file").get<std::string>()).pcm.samples;
  return chunk;
}

}  // namespace scenario::llm
