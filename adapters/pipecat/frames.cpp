// pipecat.Frame on libprotobuf (shared/protocols/pipecat.md §2).
#include "scenario/pipecat/frames.hpp"

#include "pipecat/frames.pb.h"  // generated from frames.proto
#include "scenario/audio/chunk.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/pcm_buffer.hpp"
#include "scenario/audio/wav.hpp"

namespace scenario::pipecat {
namespace {

constexpr int kMaxChannels = 8;
// The resampler's range (audio::Resampler::is_supported_rate): a frame the codec accepts can be
// played, so callers need no second check.
constexpr std::uint32_t kMinSampleRate = 4000;
constexpr std::uint32_t kMaxSampleRate = 384000;

bool rate_in_range(std::uint64_t rate) {
  return rate >= kMinSampleRate && rate <= kMaxSampleRate;
}

bool looks_like_wav(std::string_view bytes) {
  return bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WAVE";
}

AudioFrame decode_audio(const ::pipecat::AudioRawFrame& in) {
  AudioFrame out;
  out.id = in.id();
  out.name = in.name();
  if (in.has_pts()) out.pts = in.pts();
  const std::string_view bytes = in.audio();
  if (looks_like_wav(bytes)) {
    // add_wav_header=True: each chunk is a whole WAV file.
    audio::WavFile wav;
    try {
      wav = audio::read_wav(
          std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    } catch (const audio::AudioError& e) {
      throw FrameError(std::string("audio frame with a broken WAV header: ") + e.what());
    }
    if (in.sample_rate() != 0 && static_cast<int>(in.sample_rate()) != wav.info.sample_rate) {
      throw FrameError("audio frame says sample_rate " + std::to_string(in.sample_rate()) +
                       " but its WAV header says " + std::to_string(wav.info.sample_rate));
    }
    if (in.num_channels() != 0 && static_cast<int>(in.num_channels()) != wav.info.channels) {
      throw FrameError("audio frame says num_channels " + std::to_string(in.num_channels()) +
                       " but its WAV header says " + std::to_string(wav.info.channels));
    }
    if (wav.info.sample_rate <= 0 ||
        !rate_in_range(static_cast<std::uint64_t>(wav.info.sample_rate)) ||
        wav.info.channels <= 0 || wav.info.channels > kMaxChannels) {
      throw FrameError("audio frame whose WAV header says " + std::to_string(wav.info.sample_rate) +
                       " Hz, " + std::to_string(wav.info.channels) +
                       " channels (supported: 4000-384000 Hz, 1-8 channels)");
    }
    out.sample_rate = wav.info.sample_rate;
    out.num_channels = wav.info.channels;
    out.samples = std::move(wav.pcm.samples);
    out.had_wav_header = true;
    return out;
  }
  if (in.sample_rate() == 0)
    throw FrameError("audio frame without sample_rate (the serializer always sets it)");
  if (!rate_in_range(in.sample_rate()))
    throw FrameError("audio frame with sample_rate " + std::to_string(in.sample_rate()) +
                     " (4000-384000 Hz are supported)");
  if (in.num_channels() == 0)
    throw FrameError("audio frame without num_channels (the serializer always sets it)");
  if (in.num_channels() > kMaxChannels)
    throw FrameError("audio frame with " + std::to_string(in.num_channels()) +
                     " channels (at most 8 are supported)");
  if (bytes.size() % 2 != 0)
    throw FrameError("audio frame with odd-length PCM16 data (" + std::to_string(bytes.size()) +
                     " bytes)");
  const auto channels = static_cast<std::size_t>(in.num_channels());
  if ((bytes.size() / 2) % channels != 0)
    throw FrameError("audio frame of " + std::to_string(bytes.size() / 2) +
                     " samples is not a whole number of " + std::to_string(channels) +
                     "-channel frames");
  out.sample_rate = static_cast<int>(in.sample_rate());
  out.num_channels = static_cast<int>(channels);
  out.samples = audio::pcm16_from_le_bytes(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  return out;
}

void check_audio(std::size_t samples, int sample_rate, int num_channels) {
  if (sample_rate <= 0 || !rate_in_range(static_cast<std::uint64_t>(sample_rate)))
    throw std::invalid_argument("pipecat audio frame: sample_rate " + std::to_string(sample_rate) +
                                " is not in 4000..384000");
  if (num_channels <= 0 || num_channels > kMaxChannels)
    throw std::invalid_argument("pipecat audio frame: num_channels " +
                                std::to_string(num_channels) + " is not in 1..8");
  if (samples % static_cast<std::size_t>(num_channels) != 0)
    throw std::invalid_argument("pipecat audio frame: " + std::to_string(samples) +
                                " samples do not split into " + std::to_string(num_channels) +
                                " channels");
}

std::string serialize(const ::pipecat::Frame& frame) {
  std::string bytes;
  if (!frame.SerializeToString(&bytes))
    throw std::runtime_error("pipecat: protobuf serialization failed");
  return bytes;
}

}  // namespace

std::vector<std::int16_t> mono_samples(AudioFrame&& frame) {
  if (frame.num_channels <= 1) return std::move(frame.samples);
  return audio::downmix_to_mono({.sample_rate = frame.sample_rate,
                                 .channels = frame.num_channels,
                                 .samples = std::move(frame.samples)});
}

std::string_view kind_name(const Frame& frame) noexcept {
  static constexpr std::string_view names[] = {"audio", "text", "transcription", "message",
                                               "interruption"};
  return names[frame.index()];
}

Frame decode_frame(std::string_view bytes) {
  ::pipecat::Frame frame;
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw FrameError("not a pipecat.Frame: the protobuf does not parse (" +
                     std::to_string(bytes.size()) + " bytes)");
  }
  switch (frame.frame_case()) {
    case ::pipecat::Frame::kAudio:
      return decode_audio(frame.audio());
    case ::pipecat::Frame::kText:
      return TextFrame{
          .text = frame.text().text(), .id = frame.text().id(), .name = frame.text().name()};
    case ::pipecat::Frame::kTranscription: {
      const auto& t = frame.transcription();
      return TranscriptionFrame{.text = t.text(),
                                .user_id = t.user_id(),
                                .timestamp = t.timestamp(),
                                .id = t.id(),
                                .name = t.name()};
    }
    case ::pipecat::Frame::kMessage: {
      MessageFrame m;
      try {
        m.data = nlohmann::json::parse(frame.message().data());
      } catch (const nlohmann::json::exception& e) {
        throw FrameError(std::string("message frame whose data is not JSON: ") + e.what());
      }
      return m;
    }
    case ::pipecat::Frame::kInterruption:
      return InterruptionFrame{.id = frame.interruption().id(),
                               .name = frame.interruption().name()};
    case ::pipecat::Frame::FRAME_NOT_SET:
      break;
  }
  const auto& unknown = frame.GetReflection()->GetUnknownFields(frame);
  if (unknown.field_count() > 0) {
    throw FrameError("a pipecat.Frame of a kind this library does not know (field " +
                     std::to_string(unknown.field(0).number()) + ")");
  }
  throw FrameError("an empty pipecat.Frame (" + std::to_string(bytes.size()) +
                   " bytes, no frame set)");
}

std::string encode_audio(std::span<const std::int16_t> samples, int sample_rate, int num_channels) {
  check_audio(samples.size(), sample_rate, num_channels);
  ::pipecat::Frame frame;
  auto* audio = frame.mutable_audio();
  const auto le = audio::pcm16_to_le_bytes(samples);
  audio->set_audio(le.data(), le.size());
  audio->set_sample_rate(static_cast<std::uint32_t>(sample_rate));
  audio->set_num_channels(static_cast<std::uint32_t>(num_channels));
  return serialize(frame);
}

std::string encode_frame(const Frame& frame) {
  ::pipecat::Frame out;
  std::visit(
      [&out](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, AudioFrame>) {
          check_audio(f.samples.size(), f.sample_rate, f.num_channels);
          auto* a = out.mutable_audio();
          a->set_id(f.id);
          a->set_name(f.name);
          const auto le = audio::pcm16_to_le_bytes(f.samples);
          a->set_audio(le.data(), le.size());
          a->set_sample_rate(static_cast<std::uint32_t>(f.sample_rate));
          a->set_num_channels(static_cast<std::uint32_t>(f.num_channels));
          if (f.pts) a->set_pts(*f.pts);
        } else if constexpr (std::is_same_v<T, TextFrame>) {
          auto* t = out.mutable_text();
          t->set_id(f.id);
          t->set_name(f.name);
          t->set_text(f.text);
        } else if constexpr (std::is_same_v<T, TranscriptionFrame>) {
          auto* t = out.mutable_transcription();
          t->set_id(f.id);
          t->set_name(f.name);
          t->set_text(f.text);
          t->set_user_id(f.user_id);
          t->set_timestamp(f.timestamp);
        } else if constexpr (std::is_same_v<T, MessageFrame>) {
          out.mutable_message()->set_data(f.data.dump());
        } else {
          auto* i = out.mutable_interruption();
          i->set_id(f.id);
          i->set_name(f.name);
        }
      },
      frame);
  return serialize(out);
}

}  // namespace scenario::pipecat
