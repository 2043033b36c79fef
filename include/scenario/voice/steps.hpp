#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "scenario/script.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario {

/// Plays an audio file (Python's `audio()`; `scenario::audio` is the DSP namespace here) (any
/// format scenario::audio decodes; URLs and protocols are refused) to the agent now, as the user,
/// in paced 20 ms frames. The agent's reply is collected by a later agent() step.
Step play_audio(std::filesystem::path file);
/// The same from encoded bytes in memory (wav, flac, mp3, ogg …).
Step play_audio(std::vector<std::uint8_t> encoded);

/// Real silent frames on the wire for `seconds` (the agent hears silence; turn detectors run).
Step silence(double seconds);

/// Lets `seconds` pass without sending audio; agent events keep being recorded. Ends early when
/// the agent hangs up, so `agent(), sleep(5.0)` after a goodbye waits for the hang-up itself (a
/// reply ends with its speech; the hang-up may follow it by a moment).
Step sleep(double seconds);

struct DtmfOptions {
  /// Send tones in the audio even when the adapter has native DTMF (tests a bot's tone decoder).
  bool in_band = false;
};

/// Key presses: native DTMF events when the adapter has them, otherwise in-band tones on the
/// audio (100 ms tones, 100 ms gaps). Throws UnsupportedCapabilityError on a text-only run.
Step dtmf(std::string digits, DtmfOptions options = {});

/// The agent starts answering what it has not heard yet; then the user interrupts with `content`
/// (spoken with the adapter's default voice): a native interrupt when the adapter has one,
/// otherwise a barge-in (the user's audio overlaps the agent's and the agent's own turn detection
/// must react). The agent's partial reply and the interruption are added to the conversation; a
/// later agent() collects the answer to the interruption. The timeline gets `user_interrupt`
/// (adapter, native, outcome) and the result an interrupt response time.
Step interrupt(std::string content = "", InterruptOptions options = {});

}  // namespace scenario
