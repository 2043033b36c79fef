#include <opus.h>

#include <string>

#include "scenario/audio/errors.hpp"
#include "scenario/audio/opus.hpp"

namespace scenario::audio {
namespace {

void check_format(int rate, int channels) {
  if (rate != 48000 && rate != 24000 && rate != 16000 && rate != 12000 && rate != 8000) {
    throw UnsupportedFormatError("Opus takes 48000, 24000, 16000, 12000 or 8000 Hz, got " +
                                 std::to_string(rate));
  }
  if (channels != 1 && channels != 2) {
    throw UnsupportedFormatError("Opus takes 1 or 2 channels, got " + std::to_string(channels));
  }
}

std::string opus_text(int code) {
  return opus_strerror(code);
}

}  // namespace

struct OpusFrameEncoder::Impl {
  ::OpusEncoder* encoder = nullptr;
  int rate = 0;
  int channels = 0;
  ~Impl() { opus_encoder_destroy(encoder); }
};

OpusFrameEncoder::OpusFrameEncoder(int sample_rate, int channels, int bit_rate,
                                   OpusApplication application)
    : impl_(std::make_unique<Impl>()) {
  check_format(sample_rate, channels);
  int err = OPUS_OK;
  impl_->encoder = opus_encoder_create(
      sample_rate, channels,
      application == OpusApplication::voip ? OPUS_APPLICATION_VOIP : OPUS_APPLICATION_AUDIO, &err);
  if (err != OPUS_OK || impl_->encoder == nullptr)
    throw OpusError("cannot create an Opus encoder: " + opus_text(err));
  impl_->rate = sample_rate;
  impl_->channels = channels;
  opus_encoder_ctl(impl_->encoder, OPUS_SET_BITRATE(bit_rate));
}

OpusFrameEncoder::~OpusFrameEncoder() = default;
OpusFrameEncoder::OpusFrameEncoder(OpusFrameEncoder&&) noexcept = default;
OpusFrameEncoder& OpusFrameEncoder::operator=(OpusFrameEncoder&&) noexcept = default;

int OpusFrameEncoder::frame_samples() const noexcept {
  return impl_->rate / 50 * impl_->channels;
}

int OpusFrameEncoder::lookahead() const {
  opus_int32 samples = 0;
  opus_encoder_ctl(impl_->encoder, OPUS_GET_LOOKAHEAD(&samples));
  return samples;
}

std::vector<std::uint8_t> OpusFrameEncoder::encode(std::span<const std::int16_t> frame) {
  if (static_cast<int>(frame.size()) != frame_samples()) {
    throw UnsupportedFormatError("Opus frame must hold exactly " + std::to_string(frame_samples()) +
                                 " samples (20 ms), got " + std::to_string(frame.size()));
  }
  std::vector<std::uint8_t> packet(4000);
  const int n = opus_encode(impl_->encoder, frame.data(), impl_->rate / 50, packet.data(),
                            static_cast<opus_int32>(packet.size()));
  if (n < 0) throw OpusError("Opus encoding failed: " + opus_text(n));
  packet.resize(static_cast<std::size_t>(n));
  return packet;
}

struct OpusFrameDecoder::Impl {
  ::OpusDecoder* decoder = nullptr;
  int rate = 0;
  int channels = 0;
  ~Impl() { opus_decoder_destroy(decoder); }
};

OpusFrameDecoder::OpusFrameDecoder(int sample_rate, int channels)
    : impl_(std::make_unique<Impl>()) {
  check_format(sample_rate, channels);
  int err = OPUS_OK;
  impl_->decoder = opus_decoder_create(sample_rate, channels, &err);
  if (err != OPUS_OK || impl_->decoder == nullptr)
    throw OpusError("cannot create an Opus decoder: " + opus_text(err));
  impl_->rate = sample_rate;
  impl_->channels = channels;
}

OpusFrameDecoder::~OpusFrameDecoder() = default;
OpusFrameDecoder::OpusFrameDecoder(OpusFrameDecoder&&) noexcept = default;
OpusFrameDecoder& OpusFrameDecoder::operator=(OpusFrameDecoder&&) noexcept = default;

std::vector<std::int16_t> OpusFrameDecoder::decode(std::span<const std::uint8_t> packet) {
  if (packet.empty())
    throw OpusError("Opus packet is empty (use decode_lost() for a missing frame)");
  // Up to 120 ms per packet, as Opus allows.
  std::vector<std::int16_t> out(
      static_cast<std::size_t>(impl_->rate / 1000 * 120 * impl_->channels));
  const int n = opus_decode(impl_->decoder, packet.data(), static_cast<opus_int32>(packet.size()),
                            out.data(), impl_->rate / 1000 * 120, 0);
  if (n < 0)
    throw OpusError("corrupt Opus packet of " + std::to_string(packet.size()) +
                    " bytes: " + opus_text(n));
  out.resize(static_cast<std::size_t>(n * impl_->channels));
  return out;
}

std::vector<std::int16_t> OpusFrameDecoder::decode_lost() {
  std::vector<std::int16_t> out(static_cast<std::size_t>(impl_->rate / 50 * impl_->channels));
  const int n = opus_decode(impl_->decoder, nullptr, 0, out.data(), impl_->rate / 50, 0);
  if (n < 0) throw OpusError("Opus loss concealment failed: " + opus_text(n));
  out.resize(static_cast<std::size_t>(n * impl_->channels));
  return out;
}

}  // namespace scenario::audio
