#include <algorithm>
#include <cstring>
#include <string>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include "av_common.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/media.hpp"
#include "scenario/audio/resampler.hpp"

namespace scenario::audio {
namespace {

using namespace detail;

// Demuxers we let libavformat pick from: audio containers only, none that open further inputs
// (no concat, hls, dash, image2 sequences, playlists).
constexpr const char* kFormatWhitelist =
    "wav,w64,flac,mp3,ogg,mov,mp4,m4a,matroska,webm,aac,aiff,caf,au,wv,opus";

// A path that starts with "scheme:" is a URL or protocol to libavformat ("http:", "concat:",
// "pipe:" …); refuse it before anything is opened. "./odd:name.wav" is a plain path.
void refuse_urls(const std::string& text) {
  const auto colon = text.find(':');
  const auto slash = text.find('/');
  if (colon != std::string::npos && (slash == std::string::npos || colon < slash)) {
    throw UnsafeInputError("refusing to open '" + text +
                           "': it looks like a URL or protocol, and only local files are read "
                           "(write ./" +
                           text + " for a file whose name contains ':')");
  }
}

struct FormatInput {
  AVFormatContext* ctx = nullptr;
  AVIOContext* avio = nullptr;
  ~FormatInput() {
    avformat_close_input(&ctx);
    if (avio != nullptr) {
      av_freep(&avio->buffer);
      avio_context_free(&avio);
    }
  }
};

struct MemoryReader {
  std::span<const std::uint8_t> data;
  std::int64_t pos = 0;

  static int read(void* opaque, std::uint8_t* buf, int size) {
    auto* self = static_cast<MemoryReader*>(opaque);
    const auto left = static_cast<std::int64_t>(self->data.size()) - self->pos;
    if (left <= 0) return AVERROR_EOF;
    const auto n = static_cast<int>(std::min<std::int64_t>(left, size));
    std::memcpy(buf, self->data.data() + self->pos, static_cast<std::size_t>(n));
    self->pos += n;
    return n;
  }
  static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
    auto* self = static_cast<MemoryReader*>(opaque);
    return memory_seek(self->pos, static_cast<std::int64_t>(self->data.size()), offset, whence,
                       false);
  }
};

PcmBuffer decode_opened(FormatInput& in, const std::string& what) {
  int rc = avformat_find_stream_info(in.ctx, nullptr);
  if (rc < 0) throw MediaError("cannot read stream info of " + what + ": " + av_error_text(rc));
  const AVCodec* codec = nullptr;
  const int stream_index = av_find_best_stream(in.ctx, AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (stream_index < 0 || codec == nullptr)
    throw MediaError(what + " has no decodable audio stream");
  AVStream* stream = in.ctx->streams[stream_index];

  CodecContextPtr dec(avcodec_alloc_context3(codec));
  if (!dec) throw MediaError("out of memory allocating a decoder");
  if ((rc = avcodec_parameters_to_context(dec.get(), stream->codecpar)) < 0 ||
      (rc = avcodec_open2(dec.get(), codec, nullptr)) < 0) {
    throw MediaError("cannot open the " + std::string(codec->name) + " decoder for " + what + ": " +
                     av_error_text(rc));
  }
  const int channels = dec->ch_layout.nb_channels;
  if (channels < 1 || channels > 8 || dec->sample_rate <= 0) {
    throw MediaError(what + ": unsupported audio layout (" + std::to_string(channels) +
                     " channels, " + std::to_string(dec->sample_rate) + " Hz)");
  }

  PcmBuffer out;
  out.sample_rate = dec->sample_rate;
  out.channels = channels;
  SwrPtr swr;
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());

  auto drain = [&]() {
    while (true) {
      const int r = avcodec_receive_frame(dec.get(), frame.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) throw MediaError("decoding " + what + " failed: " + av_error_text(r));
      if (frame->ch_layout.nb_channels != channels || frame->sample_rate != out.sample_rate) {
        throw MediaError(what + ": the audio format changes mid-stream, which is not supported");
      }
      if (!swr) {
        SwrContext* s = nullptr;
        if (swr_alloc_set_opts2(&s, &frame->ch_layout, AV_SAMPLE_FMT_S16, frame->sample_rate,
                                &frame->ch_layout, static_cast<AVSampleFormat>(frame->format),
                                frame->sample_rate, 0, nullptr) < 0 ||
            swr_init(s) < 0) {
          swr_free(&s);
          throw MediaError(what + ": cannot convert decoded samples to 16-bit PCM");
        }
        swr.reset(s);
      }
      const std::size_t base = out.samples.size();
      out.samples.resize(base + static_cast<std::size_t>(frame->nb_samples) *
                                    static_cast<std::size_t>(channels));
      auto* dst = reinterpret_cast<std::uint8_t*>(out.samples.data() + base);
      const int n =
          swr_convert(swr.get(), &dst, frame->nb_samples,
                      const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
      if (n < 0) throw MediaError(what + ": sample format conversion failed");
      out.samples.resize(base + static_cast<std::size_t>(n) * static_cast<std::size_t>(channels));
      av_frame_unref(frame.get());
    }
  };

  int errors = 0;
  while ((rc = av_read_frame(in.ctx, packet.get())) >= 0) {
    if (packet->stream_index == stream_index) {
      const int s = avcodec_send_packet(dec.get(), packet.get());
      // A damaged packet in the middle of a file is skipped (as players do); a file that is all
      // damage is an error.
      if (s < 0 && s != AVERROR(EAGAIN) && ++errors > 100) {
        av_packet_unref(packet.get());
        throw MediaError(what + ": too many undecodable packets: " + av_error_text(s));
      }
      drain();
    }
    av_packet_unref(packet.get());
  }
  if (rc != AVERROR_EOF && out.samples.empty()) {
    throw MediaError("reading " + what + " failed: " + av_error_text(rc));
  }
  avcodec_send_packet(dec.get(), nullptr);
  drain();
  return out;
}

void open_input(FormatInput& in, const char* url, const std::string& what) {
  quiet_libav_logs();
  AVDictionary* options = nullptr;
  av_dict_set(&options, "protocol_whitelist", in.avio ? "" : "file", 0);
  av_dict_set(&options, "format_whitelist", kFormatWhitelist, 0);
  const int rc = avformat_open_input(&in.ctx, url, nullptr, &options);
  av_dict_free(&options);
  if (rc < 0) throw MediaError("cannot open " + what + ": " + av_error_text(rc));
}

}  // namespace

namespace detail {
void quiet_libav_logs() {
  static const bool once = [] {
    av_log_set_level(AV_LOG_ERROR);
    return true;
  }();
  (void)once;
}
}  // namespace detail

PcmBuffer decode_media_file(const std::filesystem::path& path) {
  const std::string text = path.string();
  refuse_urls(text);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw MediaError("cannot open '" + text + "': not a readable regular file");
  }
  FormatInput in;
  const std::string url = "file:" + std::filesystem::absolute(path).string();
  open_input(in, url.c_str(), "'" + text + "'");
  return decode_opened(in, "'" + text + "'");
}

PcmBuffer decode_media(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) throw MediaError("cannot decode empty media data");
  MemoryReader reader{bytes, 0};
  FormatInput in;
  constexpr int kBufferSize = 32768;
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kBufferSize));
  in.avio = avio_alloc_context(buffer, kBufferSize, 0, &reader, &MemoryReader::read, nullptr,
                               &MemoryReader::seek);
  if (in.avio == nullptr) {
    av_free(buffer);
    throw MediaError("out of memory setting up in-memory media I/O");
  }
  in.ctx = avformat_alloc_context();
  in.ctx->pb = in.avio;
  in.ctx->flags |= AVFMT_FLAG_CUSTOM_IO;
  open_input(in, nullptr, "in-memory media (" + std::to_string(bytes.size()) + " bytes)");
  return decode_opened(in, "in-memory media");
}

AudioChunk to_canonical(const PcmBuffer& pcm) {
  if (pcm.sample_rate <= 0 || pcm.channels <= 0) {
    throw UnsupportedFormatError("to_canonical: buffer has no sample rate or channels");
  }
  AudioChunk chunk;
  const auto mono = downmix_to_mono(pcm);
  chunk.samples = resample(mono, pcm.sample_rate, kCanonicalSampleRate, 1);
  return chunk;
}

AudioChunk load_canonical(const std::filesystem::path& path) {
  return to_canonical(decode_media_file(path));
}
AudioChunk load_canonical(std::span<const std::uint8_t> bytes) {
  return to_canonical(decode_media(bytes));
}

}  // namespace scenario::audio
