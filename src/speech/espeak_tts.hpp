#pragma once
// Internal: local speech through libespeak-ng (offline, deterministic).

#include <string_view>

#include "scenario/audio/chunk.hpp"

namespace scenario::detail {

/// Canonical audio of `text` spoken by espeak-ng voice `voice` ("en-us", "en-gb+f3" …).
/// libespeak-ng keeps global state, so calls are serialised.
audio::AudioChunk espeak_synthesize(std::string_view text, std::string_view voice, double speed);

}  // namespace scenario::detail
