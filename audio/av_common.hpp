#pragma once
// Internal to scenario_audio: RAII holders and error text for FFmpeg objects. Never include from a
// public header.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libswresample/swresample.h>
}

namespace scenario::audio::detail {

/// libavformat/libavcodec log warnings (e.g. "Could not update timestamps for skipped samples")
/// to stderr on their own; scenario reports problems as exceptions, so only errors are let
/// through. Called before any libav use; a program may raise the level again afterwards.
void quiet_libav_logs();

/// Seek arithmetic for in-memory AVIO (SEEK_SET/CUR/END, AVSEEK_SIZE). Returns the new position
/// or a negative AVERROR; `past_end_ok` lets writers seek beyond the current size.
inline std::int64_t memory_seek(std::int64_t& pos, std::int64_t size, std::int64_t offset,
                                int whence, bool past_end_ok) {
  if (whence == AVSEEK_SIZE) return size;
  std::int64_t target = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case SEEK_SET:
      target = offset;
      break;
    case SEEK_CUR:
      target = pos + offset;
      break;
    case SEEK_END:
      target = size + offset;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (target < 0 || (!past_end_ok && target > size)) return AVERROR(EINVAL);
  pos = target;
  return target;
}

inline std::string av_error_text(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwrDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};

using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;

}  // namespace scenario::audio::detail
