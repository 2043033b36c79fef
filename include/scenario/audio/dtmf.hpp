#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace scenario::audio {

/// The low- and high-group frequencies (Hz) of a DTMF key: 0-9 * # A B C D.
/// Throws UnsupportedFormatError for any other character.
std::pair<double, double> dtmf_frequencies(char digit);
bool is_dtmf_digit(char c) noexcept;

struct DtmfToneOptions {
  std::chrono::milliseconds tone{100};
  std::chrono::milliseconds gap{100};
  int sample_rate = 8000;
  /// Level of the low-group tone, dBFS (RMS of a full-scale sine = −3 dBFS).
  double level_dbfs = -10.0;
  /// High-group level minus low-group level, dB ("twist").
  double twist_db = 0.0;
  /// Relative offset applied to both frequencies (0.02 = 2 % high), for detector tests.
  double frequency_offset = 0.0;
};

/// Generates the digits as tone/gap pairs (the gap after the last digit included).
std::vector<std::int16_t> generate_dtmf(std::string_view digits,
                                        const DtmfToneOptions& options = {});

struct DtmfDigit {
  char digit;
  std::int64_t start_sample;
  std::int64_t end_sample;  ///< one past the last sample of the tone
};

struct DtmfDetectorOptions {
  /// Tones shorter than this are rejected (Q.24: ≥ 40 ms accepted, ≤ 20 ms rejected).
  std::chrono::milliseconds min_tone{30};
  /// Accepted frequency deviation (Q.24: ≤ 1.5 % accepted, ≥ 3.5 % rejected).
  double max_frequency_deviation = 0.025;
  /// Accepted twist, high minus low group level: Q.24 asks +4 dB / −8 dB to be accepted.
  double max_normal_twist_db = 6.0;
  double max_reverse_twist_db = 10.0;
  /// Each tone must be at least this loud (dBFS).
  double min_level_dbfs = -40.0;
};

/// Streaming DTMF detector: Goertzel filters over Hann-windowed 20 ms blocks with a 5 ms hop,
/// each candidate checked for frequency deviation (fine Goertzel search), twist, tone purity
/// (the two tones carry at least 80 % of the block's energy, which speech never does) and duration.
class DtmfDetector {
 public:
  explicit DtmfDetector(int sample_rate, DtmfDetectorOptions options = {});
  ~DtmfDetector();
  DtmfDetector(DtmfDetector&&) noexcept;
  DtmfDetector& operator=(DtmfDetector&&) noexcept;

  /// Feeds samples; returns digits whose tone ended within them.
  std::vector<DtmfDigit> push(std::span<const std::int16_t> samples);
  /// End of stream: reports a tone still sounding.
  std::vector<DtmfDigit> finish();
  int sample_rate() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::vector<DtmfDigit> detect_dtmf(std::span<const std::int16_t> samples, int sample_rate,
                                   const DtmfDetectorOptions& options = {});

}  // namespace scenario::audio
