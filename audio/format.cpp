#include "scenario/audio/format.hpp"

#include <string>

#include "scenario/audio/errors.hpp"

namespace scenario::audio {

std::string_view to_string(Encoding encoding) noexcept {
  switch (encoding) {
    case Encoding::pcm16:
      return "pcm16";
    case Encoding::mulaw:
      return "mulaw";
    case Encoding::alaw:
      return "alaw";
  }
  return "unknown";
}

Encoding parse_encoding(std::string_view text) {
  if (text == "pcm16" || text == "s16le" || text == "pcm") return Encoding::pcm16;
  if (text == "mulaw" || text == "ulaw" || text == "pcm_mulaw" || text == "g711_ulaw")
    return Encoding::mulaw;
  if (text == "alaw" || text == "pcm_alaw" || text == "g711_alaw") return Encoding::alaw;
  throw UnsupportedFormatError("unknown audio encoding '" + std::string(text) +
                               "' (expected pcm16, mulaw or alaw)");
}

std::size_t bytes_per_sample(Encoding encoding) noexcept {
  return encoding == Encoding::pcm16 ? 2 : 1;
}

unsigned char silence_byte(Encoding encoding) noexcept {
  switch (encoding) {
    case Encoding::mulaw:
      return 0xFF;
    case Encoding::alaw:
      return 0xD5;
    case Encoding::pcm16:
      return 0x00;
  }
  return 0x00;
}

}  // namespace scenario::audio
