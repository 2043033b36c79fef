#include "scenario/audio/wav.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include "scenario/audio/errors.hpp"
#include "scenario/audio/g711.hpp"

namespace scenario::audio {
namespace {

constexpr std::uint16_t kFormatPcm = 0x0001;
constexpr std::uint16_t kFormatFloat = 0x0003;
constexpr std::uint16_t kFormatAlaw = 0x0006;
constexpr std::uint16_t kFormatMulaw = 0x0007;
constexpr std::uint16_t kFormatExtensible = 0xFFFE;

std::uint16_t u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t u32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

void put16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x));
  v.push_back(static_cast<std::uint8_t>(x >> 8));
}
void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
}
// push_back rather than insert(ptr range): GCC 12 warns falsely (-Wstringop-overflow) on the
// latter.
void put_tag(std::vector<std::uint8_t>& v, const char* tag) {
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<std::uint8_t>(tag[i]));
}

std::int16_t clamp16(double x) {
  return static_cast<std::int16_t>(std::clamp(std::lround(x), -32768L, 32767L));
}

std::size_t bytes_per_sample(WavSampleFormat f) {
  switch (f) {
    case WavSampleFormat::pcm8:
    case WavSampleFormat::mulaw:
    case WavSampleFormat::alaw:
      return 1;
    case WavSampleFormat::pcm16:
      return 2;
    case WavSampleFormat::pcm24:
      return 3;
    case WavSampleFormat::pcm32:
    case WavSampleFormat::float32:
      return 4;
  }
  return 2;
}

WavSampleFormat classify(std::uint16_t tag, std::uint16_t bits) {
  switch (tag) {
    case kFormatPcm:
      switch (bits) {
        case 8:
          return WavSampleFormat::pcm8;
        case 16:
          return WavSampleFormat::pcm16;
        case 24:
          return WavSampleFormat::pcm24;
        case 32:
          return WavSampleFormat::pcm32;
        default:
          break;
      }
      throw WavFormatError("WAV: integer PCM with " + std::to_string(bits) +
                           " bits per sample is not supported (expected 8, 16, 24 or 32)");
    case kFormatFloat:
      if (bits == 32) return WavSampleFormat::float32;
      throw WavFormatError("WAV: float PCM with " + std::to_string(bits) +
                           " bits per sample is not supported (expected 32)");
    case kFormatMulaw:
      if (bits == 8) return WavSampleFormat::mulaw;
      throw WavFormatError("WAV: mu-law must have 8 bits per sample, header says " +
                           std::to_string(bits));
    case kFormatAlaw:
      if (bits == 8) return WavSampleFormat::alaw;
      throw WavFormatError("WAV: A-law must have 8 bits per sample, header says " +
                           std::to_string(bits));
    default:
      break;
  }
  throw WavFormatError("WAV: unsupported format tag 0x" + [&] {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", tag);
    return std::string(buf);
  }());
}

std::int16_t convert_sample(const std::uint8_t* p, WavSampleFormat f) {
  switch (f) {
    case WavSampleFormat::pcm8:
      return static_cast<std::int16_t>((static_cast<int>(p[0]) - 128) * 256);
    case WavSampleFormat::pcm16:
      return static_cast<std::int16_t>(u16(p));
    case WavSampleFormat::pcm24: {
      // Round the 24-bit value to 16 bits (nearest, half away from zero), saturating.
      std::int32_t v =
          static_cast<std::int32_t>(std::uint32_t{p[0]} << 8 | std::uint32_t{p[1]} << 16 |
                                    std::uint32_t{p[2]} << 24) >>
          8;
      return clamp16(static_cast<double>(v) / 256.0);
    }
    case WavSampleFormat::pcm32: {
      const auto v = static_cast<std::int32_t>(u32(p));
      return clamp16(static_cast<double>(v) / 65536.0);
    }
    case WavSampleFormat::float32: {
      float f32;
      const std::uint32_t bits = u32(p);
      std::memcpy(&f32, &bits, 4);
      if (!std::isfinite(f32)) return 0;
      return clamp16(static_cast<double>(f32) * 32768.0);
    }
    case WavSampleFormat::mulaw:
      return mulaw_decode(p[0]);
    case WavSampleFormat::alaw:
      return alaw_decode(p[0]);
  }
  return 0;
}

}  // namespace

std::string_view to_string(WavSampleFormat format) noexcept {
  switch (format) {
    case WavSampleFormat::pcm8:
      return "pcm8";
    case WavSampleFormat::pcm16:
      return "pcm16";
    case WavSampleFormat::pcm24:
      return "pcm24";
    case WavSampleFormat::pcm32:
      return "pcm32";
    case WavSampleFormat::float32:
      return "float32";
    case WavSampleFormat::mulaw:
      return "mulaw";
    case WavSampleFormat::alaw:
      return "alaw";
  }
  return "unknown";
}

WavFile read_wav(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 12) {
    throw WavFormatError("WAV: file is " + std::to_string(bytes.size()) +
                         " bytes, too short for a RIFF header (12 bytes)");
  }
  if (std::memcmp(bytes.data(), "RIFF", 4) != 0 || std::memcmp(bytes.data() + 8, "WAVE", 4) != 0) {
    throw WavFormatError("WAV: not a RIFF/WAVE file (expected 'RIFF' .... 'WAVE' at offset 0)");
  }
  // The RIFF size is often wrong in streamed files (0 or 0xFFFFFFFF); trust the real length but
  // never read past it.
  const std::size_t end = bytes.size();
  std::size_t pos = 12;
  bool have_fmt = false;
  WavInfo info;
  std::uint16_t block_align = 0;
  std::size_t bytes_per = 0;
  while (pos + 8 <= end) {
    const std::uint8_t* header = bytes.data() + pos;
    const std::uint32_t size = u32(header + 4);
    const std::size_t body = pos + 8;
    const std::string id(reinterpret_cast<const char*>(header), 4);
    if (id == "fmt ") {
      if (size < 16 || body + size > end) {
        throw WavFormatError("WAV: 'fmt ' chunk of " + std::to_string(size) + " bytes at offset " +
                             std::to_string(pos) + " is " +
                             (size < 16 ? "too short (need 16)" : "truncated"));
      }
      const std::uint8_t* f = bytes.data() + body;
      std::uint16_t tag = u16(f);
      info.channels = u16(f + 2);
      info.sample_rate = static_cast<int>(u32(f + 4));
      block_align = u16(f + 12);
      std::uint16_t bits = u16(f + 14);
      if (tag == kFormatExtensible) {
        if (size < 40) {
          throw WavFormatError("WAV: WAVE_FORMAT_EXTENSIBLE 'fmt ' chunk is " +
                               std::to_string(size) + " bytes, expected at least 40");
        }
        info.extensible = true;
        const std::uint16_t valid_bits = u16(f + 18);
        tag = u16(f + 24);  // first two bytes of the SubFormat GUID are the format tag
        if (valid_bits != 0 && valid_bits != bits && bits != 24 && bits != 32) {
          throw WavFormatError("WAV: " + std::to_string(valid_bits) + " valid bits in " +
                               std::to_string(bits) + "-bit containers are not supported");
        }
      }
      if (info.channels < 1 || info.channels > 8) {
        throw WavFormatError("WAV: channel count " + std::to_string(info.channels) +
                             " (expected 1..8)");
      }
      if (info.sample_rate < 1000 || info.sample_rate > 384000) {
        throw WavFormatError("WAV: sample rate " + std::to_string(info.sample_rate) +
                             " Hz is out of range (1000..384000)");
      }
      info.format = classify(tag, bits);
      bytes_per = bytes_per_sample(info.format);
      if (block_align != bytes_per * static_cast<std::size_t>(info.channels)) {
        throw WavFormatError("WAV: block align " + std::to_string(block_align) +
                             " does not match " + std::to_string(info.channels) +
                             " channel(s) of " + std::to_string(bytes_per) + "-byte samples");
      }
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt) throw WavFormatError("WAV: 'data' chunk before any 'fmt ' chunk");
      std::size_t data_size = size;
      if (body + data_size > end) {
        // 0xFFFFFFFF/0 are "unknown length" in streamed WAVs; anything else that overruns is a lie.
        if (size == 0xFFFFFFFFu || size == 0) {
          data_size = end - body;
        } else {
          throw WavFormatError("WAV: 'data' chunk claims " + std::to_string(size) +
                               " bytes but only " + std::to_string(end - body) +
                               " follow (truncated file)");
        }
      }
      const std::size_t frames = data_size / block_align;
      WavFile out;
      info.frames = frames;
      out.info = info;
      out.pcm.sample_rate = info.sample_rate;
      out.pcm.channels = info.channels;
      out.pcm.samples.resize(frames * static_cast<std::size_t>(info.channels));
      const std::uint8_t* p = bytes.data() + body;
      for (std::size_t i = 0; i < out.pcm.samples.size(); ++i, p += bytes_per) {
        out.pcm.samples[i] = convert_sample(p, info.format);
      }
      return out;
    }
    // Chunks are padded to even sizes (RIFF); skip unknown ones.
    const std::size_t advance = 8 + static_cast<std::size_t>(size) + (size & 1U);
    if (advance > end - pos) break;
    pos += advance;
  }
  throw WavFormatError(have_fmt ? "WAV: no 'data' chunk found" : "WAV: no 'fmt ' chunk found");
}

WavFile read_wav_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw WavFormatError("WAV: cannot open '" + path.string() + "'");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  return read_wav(bytes);
}

namespace {

// RIFF/WAVE header up to and including the "data" chunk header; the RIFF size assumes nothing
// follows the data but its pad byte.
std::vector<std::uint8_t> wav_header(int channels, int sample_rate, WavSampleFormat format,
                                     std::size_t frames) {
  if (channels < 1 || channels > 8 || sample_rate <= 0) {
    throw UnsupportedFormatError("WAV writer: need 1..8 channels and a positive rate");
  }
  const std::size_t bps = bytes_per_sample(format);
  const std::size_t data_bytes = frames * static_cast<std::size_t>(channels) * bps;
  const bool extensible = channels > 2 || format == WavSampleFormat::pcm24;
  std::uint16_t tag = kFormatPcm;
  if (format == WavSampleFormat::float32) tag = kFormatFloat;
  if (format == WavSampleFormat::mulaw) tag = kFormatMulaw;
  if (format == WavSampleFormat::alaw) tag = kFormatAlaw;
  const bool companded = format == WavSampleFormat::mulaw || format == WavSampleFormat::alaw;
  const std::uint32_t fmt_size = extensible ? 40 : (companded || tag == kFormatFloat ? 18 : 16);

  std::vector<std::uint8_t> v;
  v.reserve(80);
  put_tag(v, "RIFF");
  put32(v, 0);  // patched below
  put_tag(v, "WAVE");
  put_tag(v, "fmt ");
  put32(v, fmt_size);
  put16(v, extensible ? kFormatExtensible : tag);
  put16(v, static_cast<std::uint16_t>(channels));
  put32(v, static_cast<std::uint32_t>(sample_rate));
  put32(v, static_cast<std::uint32_t>(sample_rate * channels * static_cast<int>(bps)));
  put16(v, static_cast<std::uint16_t>(channels * static_cast<int>(bps)));
  put16(v, static_cast<std::uint16_t>(bps * 8));
  if (extensible) {
    put16(v, 22);
    put16(v, static_cast<std::uint16_t>(bps * 8));
    put32(v, 0);  // channel mask: unspecified
    put16(v, tag);
    static constexpr std::uint8_t kGuidTail[14] = {0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80,
                                                   0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71};
    for (const std::uint8_t b : kGuidTail) v.push_back(b);
  } else if (fmt_size == 18) {
    put16(v, 0);
  }
  if (companded || tag == kFormatFloat) {
    put_tag(v, "fact");
    put32(v, 4);
    put32(v, static_cast<std::uint32_t>(frames));
  }
  put_tag(v, "data");
  put32(v, static_cast<std::uint32_t>(data_bytes));
  const auto riff_size = static_cast<std::uint32_t>(v.size() - 8 + data_bytes + (data_bytes & 1U));
  for (int i = 0; i < 4; ++i)
    v[4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(riff_size >> (8 * i));
  return v;
}

}  // namespace

std::vector<std::uint8_t> write_wav(const PcmBuffer& pcm, WavSampleFormat format) {
  std::vector<std::uint8_t> v = wav_header(pcm.channels, pcm.sample_rate, format, pcm.frames());
  const std::size_t data_bytes = pcm.samples.size() * bytes_per_sample(format);
  v.reserve(v.size() + data_bytes + 1);
  for (const std::int16_t s : pcm.samples) {
    switch (format) {
      case WavSampleFormat::pcm8:
        v.push_back(
            static_cast<std::uint8_t>(std::min((static_cast<int>(s) + 32768 + 128) >> 8, 255)));
        break;
      case WavSampleFormat::pcm16:
        put16(v, static_cast<std::uint16_t>(s));
        break;
      case WavSampleFormat::pcm24: {
        const auto x = static_cast<std::uint32_t>(static_cast<std::int32_t>(s) * 256);
        v.push_back(static_cast<std::uint8_t>(x));
        v.push_back(static_cast<std::uint8_t>(x >> 8));
        v.push_back(static_cast<std::uint8_t>(x >> 16));
        break;
      }
      case WavSampleFormat::pcm32:
        put32(v, static_cast<std::uint32_t>(static_cast<std::int32_t>(s) * 65536));
        break;
      case WavSampleFormat::float32: {
        const float f = static_cast<float>(s) / 32768.0f;
        std::uint32_t bits;
        std::memcpy(&bits, &f, 4);
        put32(v, bits);
        break;
      }
      case WavSampleFormat::mulaw:
        v.push_back(mulaw_encode(s));
        break;
      case WavSampleFormat::alaw:
        v.push_back(alaw_encode(s));
        break;
    }
  }
  if (data_bytes & 1U) v.push_back(0);  // RIFF pad byte
  return v;
}

void write_wav_file(const std::filesystem::path& path, const PcmBuffer& pcm,
                    WavSampleFormat format) {
  const auto bytes = write_wav(pcm, format);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw WavFormatError("WAV: cannot create '" + path.string() + "'");
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw WavFormatError("WAV: failed writing '" + path.string() + "'");
}

void write_wav_stereo_file(const std::filesystem::path& path, std::span<const std::int16_t> left,
                           std::span<const std::int16_t> right, int sample_rate) {
  const std::size_t frames = std::max(left.size(), right.size());
  const auto header = wav_header(2, sample_rate, WavSampleFormat::pcm16, frames);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw WavFormatError("WAV: cannot create '" + path.string() + "'");
  out.write(reinterpret_cast<const char*>(header.data()),
            static_cast<std::streamsize>(header.size()));
  // Interleave a block at a time: a long call is never held twice in memory.
  constexpr std::size_t kBlock = 1 << 15;
  std::vector<std::uint8_t> block;
  block.reserve(kBlock * 4);
  for (std::size_t at = 0; at < frames && out; at += kBlock) {
    block.clear();
    const std::size_t end = std::min(frames, at + kBlock);
    for (std::size_t i = at; i < end; ++i) {
      put16(block, static_cast<std::uint16_t>(i < left.size() ? left[i] : 0));
      put16(block, static_cast<std::uint16_t>(i < right.size() ? right[i] : 0));
    }
    out.write(reinterpret_cast<const char*>(block.data()),
              static_cast<std::streamsize>(block.size()));
  }
  if (!out) throw WavFormatError("WAV: failed writing '" + path.string() + "'");
}

}  // namespace scenario::audio
