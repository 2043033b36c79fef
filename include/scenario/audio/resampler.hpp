#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace scenario::audio {

/// Streaming sample-rate converter on libswresample (its polyphase engine, 64-tap Kaiser filter).
///
/// One object per stream and direction. Chunk boundaries add no discontinuity: the filter state
/// carries over. Over the life of a stream, after flush(), the number of output samples is exactly
/// round(N · out_rate / in_rate) for N input samples per channel (rounded once, half away from
/// zero), and output sample k corresponds to input time k / out_rate (no added delay). The output
/// does not depend on how the input is chunked (bit-exact), so reruns are reproducible.
///
/// Any rates from 4 kHz to 384 kHz (telephony 8k/16k, 22.05k, 24k, 44.1k, 48k are the tested ones).
class Resampler {
 public:
  Resampler(int input_rate, int output_rate, int channels = 1);
  ~Resampler();
  Resampler(Resampler&&) noexcept;
  Resampler& operator=(Resampler&&) noexcept;
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  /// Converts interleaved samples; appends the output available so far to `out`.
  void process(std::span<const std::int16_t> input, std::vector<std::int16_t>& out);
  std::vector<std::int16_t> process(std::span<const std::int16_t> input);

  /// Drains the filter at end of stream and appends the remaining samples so the total is exact.
  /// The resampler can be reused for a new stream afterwards.
  void flush(std::vector<std::int16_t>& out);
  std::vector<std::int16_t> flush();

  int input_rate() const noexcept;
  int output_rate() const noexcept;
  int channels() const noexcept;
  /// Frames (samples per channel) consumed / produced since the stream started.
  std::int64_t input_frames() const noexcept;
  std::int64_t output_frames() const noexcept;

  static bool is_supported_rate(int rate) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One-shot conversion of a whole signal (process + flush).
std::vector<std::int16_t> resample(std::span<const std::int16_t> input, int input_rate,
                                   int output_rate, int channels = 1);

/// round(frames · out / in), the exact output length of a whole stream.
std::int64_t resampled_length(std::int64_t frames, int input_rate, int output_rate) noexcept;

}  // namespace scenario::audio
