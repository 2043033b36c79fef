#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

#include "av_common.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/media.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/audio/wav.hpp"

namespace scenario::audio {
namespace {

using namespace detail;

// Seekable in-memory output so muxers can patch their headers (sizes, FLAC STREAMINFO).
struct MemoryWriter {
  std::vector<std::uint8_t> data;
  std::int64_t pos = 0;

  static int write(void* opaque, std::uint8_t* buf, int size) {
    auto* self = static_cast<MemoryWriter*>(opaque);
    const auto end = static_cast<std::size_t>(self->pos) + static_cast<std::size_t>(size);
    if (end > self->data.size()) self->data.resize(end);
    std::memcpy(self->data.data() + self->pos, buf, static_cast<std::size_t>(size));
    self->pos += size;
    return size;
  }
  static std::int64_t seek(void* opaque, std::int64_t offset, int whence) {
    auto* self = static_cast<MemoryWriter*>(opaque);
    return memory_seek(self->pos, static_cast<std::int64_t>(self->data.size()), offset, whence,
                       true);
  }
};

struct OutputContext {
  AVFormatContext* ctx = nullptr;
  AVIOContext* avio = nullptr;
  ~OutputContext() {
    if (avio != nullptr) {
      av_freep(&avio->buffer);
      avio_context_free(&avio);
    }
    avformat_free_context(ctx);
  }
};

struct CodecChoice {
  const char* muxer;
  const char* encoder;
};

CodecChoice choose(Container c) {
  switch (c) {
    case Container::flac:
      return {"flac", "flac"};
    case Container::mp3:
      return {"mp3", "libmp3lame"};
    case Container::ogg_opus:
      return {"ogg", "libopus"};
    case Container::wav:
      break;
  }
  return {"wav", "pcm_s16le"};
}

int opus_rate_for(int rate) {
  for (const int r : {8000, 12000, 16000, 24000, 48000}) {
    if (r == rate) return r;
  }
  return 48000;
}

AVSampleFormat pick_sample_format(const AVCodec* codec) {
  const AVSampleFormat* fmts = codec->sample_fmts;
  if (fmts == nullptr) return AV_SAMPLE_FMT_S16;
  for (const AVSampleFormat* f = fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
    if (*f == AV_SAMPLE_FMT_S16) return *f;
  }
  return fmts[0];
}

void check(int rc, const std::string& what) {
  if (rc < 0) throw MediaError("encoding: " + what + " failed: " + av_error_text(rc));
}

}  // namespace

Container container_from_extension(const std::filesystem::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (ext == ".wav") return Container::wav;
  if (ext == ".flac") return Container::flac;
  if (ext == ".mp3") return Container::mp3;
  if (ext == ".ogg" || ext == ".opus") return Container::ogg_opus;
  throw UnsupportedFormatError("cannot tell the audio container from '" + path.string() +
                               "' (expected .wav, .flac, .mp3, .ogg or .opus)");
}

std::vector<std::uint8_t> encode_media(const PcmBuffer& input, Container container,
                                       const EncodeOptions& options) {
  if (input.channels < 1 || input.channels > 2 || input.sample_rate <= 0) {
    throw UnsupportedFormatError(
        "encode_media takes mono or stereo PCM with a positive rate, got " +
        std::to_string(input.channels) + " channels at " + std::to_string(input.sample_rate) +
        " Hz");
  }
  if (container == Container::wav) return write_wav(input);

  PcmBuffer pcm = input;
  if (container == Container::ogg_opus && opus_rate_for(pcm.sample_rate) != pcm.sample_rate) {
    const int target = opus_rate_for(pcm.sample_rate);
    pcm.samples = resample(pcm.samples, pcm.sample_rate, target, pcm.channels);
    pcm.sample_rate = target;
  }

  quiet_libav_logs();
  const CodecChoice choice = choose(container);
  const AVCodec* codec = avcodec_find_encoder_by_name(choice.encoder);
  if (codec == nullptr)
    throw MediaError(std::string("encoder '") + choice.encoder +
                     "' is not available in libavcodec");

  OutputContext out;
  check(avformat_alloc_output_context2(&out.ctx, nullptr, choice.muxer, nullptr),
        "creating the muxer");
  MemoryWriter writer;
  constexpr int kBufferSize = 32768;
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(kBufferSize));
  out.avio = avio_alloc_context(buffer, kBufferSize, 1, &writer, nullptr, &MemoryWriter::write,
                                &MemoryWriter::seek);
  if (out.avio == nullptr) {
    av_free(buffer);
    throw MediaError("out of memory setting up in-memory output");
  }
  out.ctx->pb = out.avio;
  out.ctx->flags |= AVFMT_FLAG_CUSTOM_IO;

  CodecContextPtr enc(avcodec_alloc_context3(codec));
  enc->sample_rate = pcm.sample_rate;
  av_channel_layout_default(&enc->ch_layout, pcm.channels);
  enc->sample_fmt = pick_sample_format(codec);
  enc->time_base = AVRational{1, pcm.sample_rate};
  if (container != Container::flac) enc->bit_rate = options.bit_rate;
  if (out.ctx->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check(avcodec_open2(enc.get(), codec, nullptr), std::string("opening ") + choice.encoder);

  AVStream* stream = avformat_new_stream(out.ctx, nullptr);
  if (stream == nullptr) throw MediaError("encoding: cannot add a stream");
  check(avcodec_parameters_from_context(stream->codecpar, enc.get()), "copying codec parameters");
  stream->time_base = enc->time_base;
  check(avformat_write_header(out.ctx, nullptr), "writing the header");

  SwrContext* raw_swr = nullptr;
  AVChannelLayout layout;
  av_channel_layout_default(&layout, pcm.channels);
  check(swr_alloc_set_opts2(&raw_swr, &layout, enc->sample_fmt, pcm.sample_rate, &layout,
                            AV_SAMPLE_FMT_S16, pcm.sample_rate, 0, nullptr),
        "setting up sample conversion");
  SwrPtr swr(raw_swr);
  check(swr_init(swr.get()), "initialising sample conversion");

  const bool variable = (codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
  const int frame_size = (enc->frame_size > 0 && !variable) ? enc->frame_size : 4096;
  FramePtr frame(av_frame_alloc());
  PacketPtr packet(av_packet_alloc());

  auto write_packets = [&]() {
    while (true) {
      const int r = avcodec_receive_packet(enc.get(), packet.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      check(r, "receiving an encoded packet");
      av_packet_rescale_ts(packet.get(), enc->time_base, stream->time_base);
      packet->stream_index = stream->index;
      check(av_interleaved_write_frame(out.ctx, packet.get()), "writing a packet");
    }
  };

  const std::size_t total_frames = pcm.frames();
  std::int64_t pts = 0;
  for (std::size_t pos = 0; pos < total_frames;) {
    const int n = static_cast<int>(
        std::min<std::size_t>(static_cast<std::size_t>(frame_size), total_frames - pos));
    av_frame_unref(frame.get());
    const bool small_last_ok = (codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
    frame->nb_samples = (enc->frame_size > 0 && !variable && !small_last_ok) ? frame_size : n;
    frame->format = enc->sample_fmt;
    frame->sample_rate = enc->sample_rate;
    check(av_channel_layout_copy(&frame->ch_layout, &enc->ch_layout), "copying the channel layout");
    check(av_frame_get_buffer(frame.get(), 0), "allocating a frame");
    // A codec that cannot take a short last frame gets it padded with silence.
    av_samples_set_silence(frame->extended_data, 0, frame->nb_samples, pcm.channels,
                           enc->sample_fmt);
    const auto* src = reinterpret_cast<const std::uint8_t*>(
        pcm.samples.data() + pos * static_cast<std::size_t>(pcm.channels));
    check(swr_convert(swr.get(), frame->extended_data, n, &src, n), "converting samples");
    frame->pts = pts;
    pts += n;
    pos += static_cast<std::size_t>(n);
    check(avcodec_send_frame(enc.get(), frame.get()), "sending a frame to the encoder");
    write_packets();
  }
  check(avcodec_send_frame(enc.get(), nullptr), "flushing the encoder");
  write_packets();
  check(av_write_trailer(out.ctx), "writing the trailer");
  avio_flush(out.avio);
  return std::move(writer.data);
}

void encode_media_file(const std::filesystem::path& path, const PcmBuffer& pcm,
                       std::optional<Container> container, const EncodeOptions& options) {
  const Container c = container ? *container : container_from_extension(path);
  const auto bytes = encode_media(pcm, c, options);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw MediaError("cannot create '" + path.string() + "'");
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw MediaError("failed writing '" + path.string() + "'");
}

}  // namespace scenario::audio
