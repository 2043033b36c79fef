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

}  // namespace scenario::audio
