#pragma once

#include <stdexcept>
#include <string>

namespace scenario::audio {

/// Base of every error thrown by scenario::audio.
class AudioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// PCM16 given as bytes whose count is odd: half a sample cannot exist.
class OddByteLengthError : public AudioError {
 public:
  using AudioError::AudioError;
};

/// A sample rate, encoding, channel count or parameter the operation does not support.
class UnsupportedFormatError : public AudioError {
 public:
  using AudioError::AudioError;
};

/// A WAV header that lies, is truncated, or describes an unsupported layout.
class WavFormatError : public AudioError {
 public:
  using AudioError::AudioError;
};

/// libavformat/libavcodec could not open, decode or encode the media.
class MediaError : public AudioError {
 public:
  using AudioError::AudioError;
};

/// Input that names a URL or a non-file protocol (http:, concat:, …): refused, never opened.
class UnsafeInputError : public AudioError {
 public:
  using AudioError::AudioError;
};

/// Malformed base64 text (bad character, bad padding, bad length).
class Base64Error : public AudioError {
 public:
  using AudioError::AudioError;
};

/// libopus refused to encode or decode.
class OpusError : public AudioError {
 public:
  using AudioError::AudioError;
};

}  // namespace scenario::audio
