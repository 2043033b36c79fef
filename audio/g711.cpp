#include "scenario/audio/g711.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>

#include "scenario/audio/chunk.hpp"

namespace scenario::audio {
namespace {

// Decoding, straight from the G.711 definition (as in the reference g711.c): the code is stored
// inverted (μ-law) or with even bits inverted (A-law); 3 exponent bits and 4 mantissa bits.
constexpr std::int16_t mulaw_decode_formula(std::uint8_t code) {
  const int u = static_cast<std::uint8_t>(~code);
  int t = ((u & 0x0F) << 3) + 0x84;  // mantissa with the 0x84 bias
  t <<= (u & 0x70) >> 4;
  return static_cast<std::int16_t>((u & 0x80) ? (0x84 - t) : (t - 0x84));
}

constexpr std::int16_t alaw_decode_formula(std::uint8_t code) {
  const int a = code ^ 0x55;
  int t = (a & 0x0F) << 4;
  const int seg = (a & 0x70) >> 4;
  if (seg == 0) {
    t += 8;
  } else if (seg == 1) {
    t += 0x108;
  } else {
    t += 0x108;
    t <<= seg - 1;
  }
  return static_cast<std::int16_t>((a & 0x80) ? t : -t);
}

template <std::int16_t (*Decode)(std::uint8_t)>
constexpr std::array<std::int16_t, 256> make_decode_table() {
  std::array<std::int16_t, 256> table{};
  for (int c = 0; c < 256; ++c)
    table[static_cast<std::size_t>(c)] = Decode(static_cast<std::uint8_t>(c));
  return table;
}

constexpr auto kMulawDecode = make_decode_table<mulaw_decode_formula>();
constexpr auto kAlawDecode = make_decode_table<alaw_decode_formula>();

// Nearest-level encoder table over all 65 536 inputs. Built once from the decode table so the
// two can never disagree: sort the reconstruction levels, and give each input the nearest one
// (a tie goes to the smaller magnitude).
struct EncodeTable {
  std::array<std::uint8_t, 65536> code{};

  explicit EncodeTable(const std::array<std::int16_t, 256>& decode, std::uint8_t zero_code) {
    std::array<std::pair<int, std::uint8_t>, 256> levels{};
    for (int c = 0; c < 256; ++c) {
      levels[static_cast<std::size_t>(c)] = {decode[static_cast<std::size_t>(c)],
                                             static_cast<std::uint8_t>(c)};
    }
    std::sort(levels.begin(), levels.end());
    // Drop duplicate levels (μ-law has +0 and −0): keep the canonical zero code.
    std::vector<std::pair<int, std::uint8_t>> unique;
    for (const auto& level : levels) {
      if (!unique.empty() && unique.back().first == level.first) {
        if (level.second == zero_code) unique.back().second = zero_code;
        continue;
      }
      unique.push_back(level);
    }
    std::size_t k = 0;
    for (int x = -32768; x <= 32767; ++x) {
      while (k + 1 < unique.size() && unique[k + 1].first <= x) ++k;
      std::size_t best = k;
      if (k + 1 < unique.size() && x > unique[k].first) {
        const int below = x - unique[k].first;
        const int above = unique[k + 1].first - x;
        // Ties go to the smaller magnitude; for x = 0 (A-law has ±8) to the positive level.
        const int mag_above = std::abs(unique[k + 1].first);
        const int mag_below = std::abs(unique[k].first);
        if (above < below || (above == below && mag_above <= mag_below)) {
          best = k + 1;
        }
      }
      code[static_cast<std::size_t>(x + 32768)] = unique[best].second;
    }
  }
};

const EncodeTable& mulaw_table() {
  static const EncodeTable table(kMulawDecode, 0xFF);
  return table;
}

const EncodeTable& alaw_table() {
  static const EncodeTable table(kAlawDecode, 0xD5);
  return table;
}

}  // namespace

std::int16_t mulaw_decode(std::uint8_t code) noexcept {
  return kMulawDecode[code];
}
std::int16_t alaw_decode(std::uint8_t code) noexcept {
  return kAlawDecode[code];
}

std::uint8_t mulaw_encode(std::int16_t sample) noexcept {
  return mulaw_table().code[static_cast<std::size_t>(sample + 32768)];
}

std::uint8_t alaw_encode(std::int16_t sample) noexcept {
  return alaw_table().code[static_cast<std::size_t>(sample + 32768)];
}

void mulaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept {
  const auto& table = mulaw_table().code;
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = table[static_cast<std::size_t>(in[i] + 32768)];
}

void alaw_encode(std::span<const std::int16_t> in, std::span<std::uint8_t> out) noexcept {
  const auto& table = alaw_table().code;
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = table[static_cast<std::size_t>(in[i] + 32768)];
}

void mulaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = kMulawDecode[in[i]];
}

void alaw_decode(std::span<const std::uint8_t> in, std::span<std::int16_t> out) noexcept {
  const std::size_t n = std::min(in.size(), out.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = kAlawDecode[in[i]];
}

std::vector<std::uint8_t> encode_samples(Encoding encoding, std::span<const std::int16_t> samples) {
  if (encoding == Encoding::pcm16) return pcm16_to_le_bytes(samples);
  std::vector<std::uint8_t> out(samples.size());
  if (encoding == Encoding::mulaw) {
    mulaw_encode(samples, out);
  } else {
    alaw_encode(samples, out);
  }
  return out;
}

std::vector<std::int16_t> decode_samples(Encoding encoding, std::span<const std::uint8_t> bytes) {
  if (encoding == Encoding::pcm16) return pcm16_from_le_bytes(bytes);
  std::vector<std::int16_t> out(bytes.size());
  if (encoding == Encoding::mulaw) {
    mulaw_decode(bytes, out);
  } else {
    alaw_decode(bytes, out);
  }
  return out;
}

}  // namespace scenario::audio
