#include "espeak_tts.hpp"

#include <espeak-ng/speak_lib.h>

#include <strings.h>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/audio/resampler.hpp"

namespace scenario::detail {
namespace {

std::mutex espeak_mutex;
int espeak_rate = 0;

// libespeak-ng keeps waveform state between syntheses (its pitch "flutter" runs on), so the same
// text comes out a few samples different each time. Remembering what was said keeps a line
// byte-identical for the life of the process, which reruns and recordings rely on.
struct Memo {
  std::map<std::string, audio::AudioChunk> chunks;
  std::deque<std::string> order;
  static constexpr std::size_t kMaxEntries = 256;
};
Memo memo;

// "en-gb" is a language, not a voice name: find the voice file that speaks it ("gmw/en"), keeping
// any "+variant".
bool select_voice(const std::string& name) {
  if (espeak_SetVoiceByName(name.c_str()) == EE_OK) return true;
  const auto plus = name.find('+');
  const std::string language = name.substr(0, plus);
  const std::string variant = plus == std::string::npos ? "" : name.substr(plus);
  const espeak_VOICE** voices = espeak_ListVoices(nullptr);
  for (const espeak_VOICE** v = voices; v != nullptr && *v != nullptr; ++v) {
    // languages: repeated (priority byte, NUL-terminated name), ending with a 0 byte.
    for (const char* l = (*v)->languages; l != nullptr && *l != 0; l += std::strlen(l + 1) + 2) {
      if (strcasecmp(l + 1, language.c_str()) == 0 && (*v)->identifier != nullptr) {
        const std::string id = std::string((*v)->identifier) + variant;
        if (espeak_SetVoiceByName(id.c_str()) == EE_OK) return true;
      }
    }
  }
  return false;
}

int collect(short* wav, int count, espeak_EVENT* events) {
  if (wav != nullptr && count > 0 && events != nullptr && events->user_data != nullptr) {
    auto* out = static_cast<std::vector<std::int16_t>*>(events->user_data);
    out->insert(out->end(), wav, wav + count);
  }
  return 0;  // continue
}

}  // namespace

audio::AudioChunk espeak_synthesize(std::string_view text, std::string_view voice, double speed) {
  const std::lock_guard lock(espeak_mutex);
  if (espeak_rate == 0) {
    espeak_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr, 0);
    if (espeak_rate <= 0) {
      espeak_rate = 0;
      throw std::runtime_error("libespeak-ng failed to initialise (is espeak-ng-data installed?)");
    }
    espeak_SetSynthCallback(&collect);
  }
  const std::string voice_name(voice);
  const std::string key = voice_name + "|" + std::to_string(speed) + "|" + std::string(text);
  if (const auto it = memo.chunks.find(key); it != memo.chunks.end()) return it->second;
  if (!select_voice(voice_name)) {
    throw std::invalid_argument("espeak-ng has no voice '" + voice_name +
                                "' (try en-us, en-gb, en-us+f3; espeak-ng --voices lists them)");
  }
  espeak_SetParameter(espeakRATE, static_cast<int>(std::lround(175.0 * speed)), 0);
  std::vector<std::int16_t> samples;
  const std::string utf8(text);
  const auto rc = espeak_Synth(utf8.c_str(), utf8.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8,
                               nullptr, &samples);
  if (rc != EE_OK)
    throw std::runtime_error("espeak-ng could not synthesize the text (error " +
                             std::to_string(rc) + ")");
  espeak_Synchronize();
  audio::AudioChunk chunk;
  chunk.samples = audio::resample(samples, espeak_rate, audio::kCanonicalSampleRate);
  memo.chunks[key] = chunk;
  memo.order.push_back(key);
  if (memo.order.size() > Memo::kMaxEntries) {
    memo.chunks.erase(memo.order.front());
    memo.order.pop_front();
  }
  return chunk;
}

}  // namespace scenario::detail
