#pragma once
// Real audio for tests: espeak-ng speech and synthetic signals, generated on first use and cached
// under the build tree (tests/data), never committed.

#include <cstdint>
#include <string>
#include <vector>

#include "scenario/audio/pcm_buffer.hpp"

namespace scenario::test {

/// espeak-ng speaking `text` (voice `voice`), trimmed of leading/trailing silence by sox, as mono
/// PCM16 at `rate` (resampled by sox from espeak's 22 050 Hz).
std::vector<std::int16_t> speech(const std::string& text, int rate = 24000,
                                 const std::string& voice = "en-us");

/// A handful of different sentences and voices: the talk-off corpus and general speech material.
const std::vector<std::string>& speech_sentences();

/// A sine of `frequency` Hz at `amplitude` (peak, int16 scale).
std::vector<std::int16_t> sine(double frequency, int rate, double seconds,
                               double amplitude = 10000.0);

/// Digital silence.
std::vector<std::int16_t> silence(int rate, double seconds);

/// Concatenation helper.
void append(std::vector<std::int16_t>& to, const std::vector<std::int16_t>& what);
/// Where speech starts inside `text` spoken by espeak-ng (it sometimes leads with a little
/// silence), in seconds, found the way the runtime finds it: after silence, as on a call.
double speech_onset_in(const std::string& text);

}  // namespace scenario::test
