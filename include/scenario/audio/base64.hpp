#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace scenario::audio {

/// Standard base64 (RFC 4648 §4, with padding), as carried in JSON media messages.
std::string base64_encode(std::span<const std::uint8_t> bytes);
/// Appends to `out` (no allocation when it has capacity).
void base64_encode(std::span<const std::uint8_t> bytes, std::string& out);

/// Strict decoding: length a multiple of 4, only the standard alphabet, '=' only as final padding.
/// Throws Base64Error naming the offending position and character.
std::vector<std::uint8_t> base64_decode(std::string_view text);
void base64_decode(std::string_view text, std::vector<std::uint8_t>& out);
/// Either alphabet, standard or URL-safe ('-' and '_' for '+' and '/', RFC 4648 §5), padded or
/// not: what protocols whose clients differ send (Gemini Live: the Python SDK sends URL-safe).
/// Otherwise as strict as base64_decode (a length of 4n+1 is never valid).
std::vector<std::uint8_t> base64_decode_any_alphabet(std::string_view text);

}  // namespace scenario::audio
