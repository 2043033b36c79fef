#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "scenario/audio/format.hpp"

namespace scenario::audio {

/// G.711 (ITU-T, 1988) companding.
///
/// Decoding follows the G.711 tables exactly (μ-law: ±32124 full scale, A-law: ±32256).
/// Encoding rule: each 16-bit sample maps to the code whose decoded value is *nearest*; an input
/// exactly halfway between two decoded values maps to the one of smaller magnitude (0, halfway
/// between A-law's ±8, maps to +8: 0xD5). Hence
/// |x − decode(encode(x))| is at most half a quantization step (inside the codec's range), and
/// encode(decode(c)) == c for every code except μ-law 0x7F ("negative zero"), which decodes to 0
/// like 0xFF and so encodes back as 0xFF.
std::int16_t mulaw_decode(std::uint8_t code) noexcept;
std::uint8_t mulaw_encode(std::int16_t sample) noexcept;
std::int16_t alaw_decode(std::uint8_t code) noexcept;
std::uint8_t alaw_encode(std::int16_t sample) noexcept;

/// Bulk forms; `out` must be as long as `in`.
void mulaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept;
void mulaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept;
void alaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept;
void alaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept;

/// Encodes PCM16 samples into `encoding`'s bytes (pcm16: little-endian bytes).
std::vector<std::uint8_t> encode_samples(Encoding encoding, std::span<const std::int16_t> samples);
/// Decodes bytes of `encoding` into samples. pcm16 with an odd byte count: OddByteLengthError.
std::vector<std::int16_t> decode_samples(Encoding encoding, std::span<const std::uint8_t> bytes);

}  // namespace scenario::audio
