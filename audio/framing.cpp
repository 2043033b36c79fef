#include "scenario/audio/framing.hpp"

#include <string>

#include "scenario/audio/errors.hpp"

namespace scenario::audio {

std::size_t frame_size_bytes(const AudioFormat& format, std::chrono::milliseconds duration) {
  if (format.sample_rate <= 0 || format.channels <= 0 || duration.count() <= 0) {
    throw UnsupportedFormatError("frame needs a positive rate, channel count and duration");
  }
  const long long scaled = static_cast<long long>(format.sample_rate) * duration.count();
  if (scaled % 1000 != 0) {
    throw UnsupportedFormatError(std::to_string(duration.count()) + " ms at " +
                                 std::to_string(format.sample_rate) +
                                 " Hz is not a whole number of samples");
  }
  return static_cast<std::size_t>(scaled / 1000) * format.bytes_per_frame();
}

Framer::Framer(AudioFormat format, std::chrono::milliseconds frame_duration)
    : format_(format), frame_bytes_(frame_size_bytes(format, frame_duration)) {
  pending_.reserve(frame_bytes_);
}

std::vector<std::vector<std::uint8_t>> Framer::push(std::span<const std::uint8_t> bytes) {
  std::vector<std::vector<std::uint8_t>> frames;
  std::size_t pos = 0;
  if (!pending_.empty()) {
    const std::size_t take = std::min(frame_bytes_ - pending_.size(), bytes.size());
    pending_.insert(pending_.end(), bytes.begin(),
                    bytes.begin() + static_cast<std::ptrdiff_t>(take));
    pos = take;
    if (pending_.size() < frame_bytes_) return frames;
    frames.push_back(std::move(pending_));
    pending_ = {};
    pending_.reserve(frame_bytes_);
  }
  while (bytes.size() - pos >= frame_bytes_) {
    frames.emplace_back(bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                        bytes.begin() + static_cast<std::ptrdiff_t>(pos + frame_bytes_));
    pos += frame_bytes_;
  }
  pending_.insert(pending_.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos), bytes.end());
  return frames;
}

std::optional<std::vector<std::uint8_t>> Framer::flush(PadPolicy policy) {
  if (pending_.empty()) return std::nullopt;
  std::vector<std::uint8_t> last = std::move(pending_);
  pending_ = {};
  pending_.reserve(frame_bytes_);
  switch (policy) {
    case PadPolicy::drop:
      return std::nullopt;
    case PadPolicy::emit_short:
      return last;
    case PadPolicy::pad_with_silence:
      last.resize(frame_bytes_, silence_byte(format_.encoding));
      return last;
  }
  return std::nullopt;
}

}  // namespace scenario::audio
