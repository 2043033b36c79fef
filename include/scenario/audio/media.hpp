#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "scenario/audio/chunk.hpp"
#include "scenario/audio/pcm_buffer.hpp"

namespace scenario::audio {

/// Decodes any audio file libavformat knows (wav, flac, mp3, ogg/opus, m4a …) to PCM16 at its own
/// rate and channel count. Only plain file paths are opened: a URL or protocol prefix
/// ("http:", "concat:", "file:" …) is refused with UnsafeInputError before anything is opened.
PcmBuffer decode_media_file(const std::filesystem::path& path);
/// Same, from bytes in memory (custom AVIO, no protocol at all).
PcmBuffer decode_media(std::span<const std::uint8_t> bytes);

/// Brings any buffer to canonical audio: mixed to mono, resampled to 24 kHz.
AudioChunk to_canonical(const PcmBuffer& pcm);
AudioChunk load_canonical(const std::filesystem::path& path);
AudioChunk load_canonical(std::span<const std::uint8_t> bytes);

enum class Container { wav, flac, mp3, ogg_opus };

/// Picks the container from a file name's extension (.wav .flac .mp3 .ogg .opus);
/// UnsupportedFormatError otherwise.
Container container_from_extension(const std::filesystem::path& path);

struct EncodeOptions {
  /// Bit rate for lossy codecs (mp3, opus), bits per second.
  int bit_rate = 96000;
};

/// Encodes mono or stereo PCM16 into a container through libavcodec/libavformat. Rates a codec
/// cannot take (e.g. 22 050 Hz for Opus) are resampled to the nearest rate it can.
std::vector<std::uint8_t> encode_media(const PcmBuffer& pcm, Container container,
                                       const EncodeOptions& options = {});
void encode_media_file(const std::filesystem::path& path, const PcmBuffer& pcm,
                       std::optional<Container> container = std::nullopt,
                       const EncodeOptions& options = {});

}  // namespace scenario::audio
