#include "support/fixtures.hpp"

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <functional>
#include <mutex>
#include <numbers>

#include "scenario/audio/chunk.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/speech.hpp"
#include "support/tools.hpp"

namespace scenario::test {

std::vector<std::int16_t> speech(const std::string& text, int rate, const std::string& voice) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  const auto dir = std::filesystem::path(SCENARIO_TEST_DATA_DIR) / "speech";
  std::filesystem::create_directories(dir);
  const auto key =
      std::to_string(std::hash<std::string>{}(voice + "|" + text)) + "-" + std::to_string(rate);
  const auto raw = dir / (key + ".raw");
  if (!std::filesystem::exists(raw)) {
    // ctest runs test processes in parallel: build under names of our own, then rename (atomic)
    // so a concurrent process either sees no file or a complete one.
    const std::string unique = key + "." + std::to_string(::getpid());
    const auto wav = dir / (unique + ".espeak.wav");
    run_checked("espeak-ng -v " + shell_quote(voice) + " -w " + shell_quote(wav.string()) + " " +
                shell_quote(text));
    // Trim silence at both ends (threshold 0.1 %), then convert to 16-bit mono at the rate, no
    // dither.
    const auto tmp = dir / (unique + ".tmp.raw");
    run_checked("sox -D " + shell_quote(wav.string()) + " -t raw -e signed -b 16 -c 1 -r " +
                std::to_string(rate) + " " + shell_quote(tmp.string()) +
                " silence 1 0.005 0.1% reverse silence 1 0.005 0.1% reverse");
    std::filesystem::rename(tmp, raw);
    std::filesystem::remove(wav);
  }
  return audio::pcm16_from_le_bytes(read_bytes(raw));
}

const std::vector<std::string>& speech_sentences() {
  static const std::vector<std::string> sentences = {
      "Hello, thank you for calling Acme support. How can I help you today?",
      "My blender arrived broken and I would like a refund, please.",
      "Please press one for billing, two for technical support, or stay on the line.",
      "The quick brown fox jumps over the lazy dog near the riverbank.",
      "Could you repeat the order number? I think it was four five six seven.",
      "Sure, I can help with that. One moment while I look up your account.",
      "Zero one two three four five six seven eight nine, star, pound.",
      "I'm sorry, I didn't catch that. Could you say it again a little slower?",
  };
  return sentences;
}

std::vector<std::int16_t> sine(double frequency, int rate, double seconds, double amplitude) {
  const auto n = static_cast<std::size_t>(std::lround(seconds * rate));
  std::vector<std::int16_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<std::int16_t>(std::lround(
        amplitude * std::sin(2.0 * std::numbers::pi * frequency * static_cast<double>(i) / rate)));
  }
  return out;
}

std::vector<std::int16_t> silence(int rate, double seconds) {
  return std::vector<std::int16_t>(static_cast<std::size_t>(std::lround(seconds * rate)), 0);
}

void append(std::vector<std::int16_t>& to, const std::vector<std::int16_t>& what) {
  to.insert(to.end(), what.begin(), what.end());
}

double speech_onset_in(const std::string& text) {
  auto audio = silence(24000, 1.0);
  append(audio, synthesize(text, "espeak/en-us").samples);
  const auto segments = audio::detect_speech(audio, 24000);
  return segments.empty() ? 0.0
                          : static_cast<double>(segments.front().start_sample - 24000) / 24000;
}

}  // namespace scenario::test
