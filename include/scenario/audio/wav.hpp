#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "scenario/audio/pcm_buffer.hpp"

namespace scenario::audio {

/// Sample formats the WAV reader understands (and the writer produces).
enum class WavSampleFormat { pcm8, pcm16, pcm24, pcm32, float32, mulaw, alaw };

std::string_view to_string(WavSampleFormat format) noexcept;

struct WavInfo {
  WavSampleFormat format = WavSampleFormat::pcm16;
  int sample_rate = 0;
  int channels = 0;
  bool extensible = false;  ///< the header used WAVE_FORMAT_EXTENSIBLE
  std::size_t frames = 0;
};

struct WavFile {
  WavInfo info;
  PcmBuffer pcm;  ///< samples converted to PCM16 (rounded, clamped), channels interleaved
};

/// Parses a RIFF/WAVE file held in memory. Unknown chunks are skipped, odd-sized chunks are padded
/// as RIFF requires. A header that is truncated, lies about sizes, or describes something
/// unsupported throws WavFormatError saying what was expected and what was found. Never reads out
/// of bounds.
WavFile read_wav(std::span<const std::uint8_t> bytes);
WavFile read_wav_file(const std::filesystem::path& path);

/// Writes samples as a WAV file in the given sample format (default PCM16; mono or stereo or more).
std::vector<std::uint8_t> write_wav(const PcmBuffer& pcm,
                                    WavSampleFormat format = WavSampleFormat::pcm16);
void write_wav_file(const std::filesystem::path& path, const PcmBuffer& pcm,
                    WavSampleFormat format = WavSampleFormat::pcm16);
/// Writes a 16-bit stereo WAV from two channels (the shorter padded with silence), streaming:
/// memory use does not grow with the length.
void write_wav_stereo_file(const std::filesystem::path& path, std::span<const std::int16_t> left,
                           std::span<const std::int16_t> right, int sample_rate);

}  // namespace scenario::audio
