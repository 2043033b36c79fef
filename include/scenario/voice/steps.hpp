#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "scenario/script.hpp"

namespace scenario {

/// Plays an audio file (Python's `audio()`; `scenario::audio` is the DSP namespace here) (any format scenario::audio decodes; URLs and protocols are refused) to
/// the agent now, as the user, in paced 20 ms frames. The agent's reply is collected by a later
/// agent() step.
Step play_audio(std::filesystem::path file);
/// The same from encoded bytes in memory (wav, flac, mp3, ogg …).
Step play_audio(std::vector<std::uint8_t> encoded);

/// Real silent frames on the wire for `seconds` (the agent hears silence; turn detectors run).
Step silence(double seconds);

/// Lets `seconds` pass without sending audio; agent events keep being recorded.
Step sleep(double seconds);

/// Key presses: native DTMF events when the adapter has them, otherwise in-band tones on the
/// audio (100 ms tones, 100 ms gaps). Throws UnsupportedCapabilityError on a text-only run.
Step dtmf(std::string digits);

}  // namespace scenario
