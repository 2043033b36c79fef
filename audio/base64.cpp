#include "scenario/audio/base64.hpp"

#include <array>
#include <string>

#include "scenario/audio/errors.hpp"

// Written here rather than taken from OpenSSL (EVP_DecodeBlock accepts whitespace, pads the output
// length and reports no position) or Beast (an undocumented detail:: API): media messages need
// strict validation with an error that says where the text went wrong.
namespace scenario::audio {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> make_reverse() {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  return table;
}
constexpr auto kReverse = make_reverse();

std::string describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string("'") + c + "'";
  static constexpr char hex[] = "0123456789abcdef";
  return std::string("byte 0x") + hex[u >> 4] + hex[u & 0xF];
}

}  // namespace

void base64_encode(std::span<const std::uint8_t> bytes, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + (bytes.size() + 2) / 3 * 4);
  char* p = out.data() + start;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t v =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    *p++ = kAlphabet[(v >> 6) & 63];
    *p++ = kAlphabet[v & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    *p++ = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    *p++ = '=';
  }
}

std::string base64_encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  base64_encode(bytes, out);
  return out;
}

void base64_decode(std::string_view text, std::vector<std::uint8_t>& out) {
  if (text.size() % 4 != 0) {
    throw Base64Error("base64 text length " + std::to_string(text.size()) +
                      " is not a multiple of 4");
  }
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = (text[text.size() - 2] == '=') ? 2 : 1;
  const std::size_t start = out.size();
  out.resize(start + text.size() / 4 * 3 - padding);
  std::uint8_t* p = out.data() + start;
  const std::size_t data_chars = text.size() - padding;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t v = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (i + j >= data_chars) {
        v <<= 6;  // padding position
        continue;
      }
      const int d = kReverse[static_cast<unsigned char>(c)];
      if (d < 0) {
        out.resize(start);
        throw Base64Error("invalid base64 character " + describe(c) + " at offset " +
                          std::to_string(i + j));
      }
      v = (v << 6) | static_cast<std::uint32_t>(d);
    }
    const std::size_t produce = (i + 4 <= data_chars) ? 3 : 3 - padding;
    if (produce != 3) {
      // Non-canonical encodings (bits set in the discarded part) are rejected too.
      const std::uint32_t unused_mask = padding == 2 ? 0xFFFF : 0xFF;
      if ((v & unused_mask) != 0) {
        out.resize(start);
        throw Base64Error("base64 text has non-zero bits before its padding at offset " +
                          std::to_string(data_chars - 1));
      }
    }
    const std::uint8_t decoded[3] = {static_cast<std::uint8_t>(v >> 16),
                                     static_cast<std::uint8_t>(v >> 8),
                                     static_cast<std::uint8_t>(v)};
    for (std::size_t k = 0; k < produce; ++k) *p++ = decoded[k];
  }
}

std::vector<std::uint8_t> base64_decode_any_alphabet(std::string_view text) {
  // One text, one alphabet: a mix of the two is a corruption, not a dialect.
  if (text.find_first_of("+/") != std::string_view::npos &&
      text.find_first_of("-_") != std::string_view::npos)
    throw Base64Error("base64 text mixes the standard and the URL-safe alphabets");
  if (text.size() % 4 == 1) {
    throw Base64Error("base64 text length " + std::to_string(text.size()) +
                      " is not base64 with or without padding (4n+1)");
  }
  if (text.size() % 4 != 0 && text.find('=') != std::string_view::npos)
    throw Base64Error("base64 text has incomplete padding (length " + std::to_string(text.size()) +
                      ")");
  std::string standard(text);
  for (auto& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (standard.size() % 4 != 0) standard.append(4 - standard.size() % 4, '=');
  return base64_decode(standard);
}

std::vector<std::uint8_t> base64_decode(std::string_view text) {
  std::vector<std::uint8_t> out;
  base64_decode(text, out);
  return out;
}

}  // namespace scenario::audio
