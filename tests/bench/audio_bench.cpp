// Cost of the per-frame audio work a telephony adapter does, and the detectors, with reference
// figures for the same work done by sox and ffmpeg in the same run.
//
//   audio_bench [--benchmark_filter=...]
//
// Each BM_*Frame benchmark measures one 20 ms frame (one iteration = one frame) on a stateful
// stream, the way an adapter calls it. BM_OutboundPathVsSoxAndFfmpeg converts 10 minutes of
// speech with our code and with both tools and reports microseconds per 20 ms frame for each.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "scenario/audio.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace {

using namespace scenario::audio;
using Clock = std::chrono::steady_clock;

// 10 s of real speech at 24 kHz, looped by the benchmarks.
const std::vector<std::int16_t>& speech_24k() {
  static const std::vector<std::int16_t> audio = [] {
    std::vector<std::int16_t> v;
    for (const auto& s : scenario::test::speech_sentences())
      scenario::test::append(v, scenario::test::speech(s, 24000));
    v.resize(240000);
    return v;
  }();
  return audio;
}

struct OutboundPath {
  Resampler to_8k{24000, 8000};
  std::vector<std::int16_t> narrow;
  std::vector<std::uint8_t> mulaw;
  std::string payload;

  void frame(std::span<const std::int16_t> pcm24k) {
    narrow.clear();
    to_8k.process(pcm24k, narrow);
    mulaw.resize(narrow.size());
    mulaw_encode(narrow, mulaw);
    payload.clear();
    base64_encode(mulaw, payload);
  }
};

void BM_OutboundTelephonyFrame(benchmark::State& state) {
  const auto& audio = speech_24k();
  OutboundPath path;
  std::size_t pos = 0;
  for (auto _ : state) {
    path.frame(std::span(audio).subspan(pos, 480));
    benchmark::DoNotOptimize(path.payload.data());
    pos = (pos + 480) % audio.size();
  }
  state.SetLabel("24 kHz PCM -> 8 kHz mu-law -> base64, per 20 ms frame");
}
BENCHMARK(BM_OutboundTelephonyFrame);

void BM_InboundTelephonyFrame(benchmark::State& state) {
  const auto& audio = speech_24k();
  // Pre-encode the stream as the wire would carry it.
  OutboundPath out;
  std::vector<std::string> payloads;
  for (std::size_t pos = 0; pos + 480 <= audio.size(); pos += 480) {
    out.frame(std::span(audio).subspan(pos, 480));
    payloads.push_back(out.payload);
  }
  Resampler to_24k(8000, 24000);
  std::vector<std::uint8_t> mulaw;
  std::vector<std::int16_t> narrow;
  std::vector<std::int16_t> wide;
  std::size_t i = 0;
  for (auto _ : state) {
    mulaw.clear();
    base64_decode(payloads[i], mulaw);
    narrow.resize(mulaw.size());
    mulaw_decode(mulaw, narrow);
    wide.clear();
    to_24k.process(narrow, wide);
    benchmark::DoNotOptimize(wide.data());
    i = (i + 1) % payloads.size();
  }
  state.SetLabel("base64 -> mu-law -> 24 kHz PCM, per 20 ms frame");
}
BENCHMARK(BM_InboundTelephonyFrame);

void BM_VadPer10ms(benchmark::State& state) {
  const auto& audio = speech_24k();
  VoiceActivityDetector vad(24000);
  std::size_t pos = 0;
  for (auto _ : state) {
    auto events = vad.push(std::span(audio).subspan(pos, 240));
    benchmark::DoNotOptimize(events.data());
    pos = (pos + 240) % audio.size();
  }
  state.SetLabel("WebRTC VAD + boundary refinement, 10 ms at 24 kHz");
}
BENCHMARK(BM_VadPer10ms);

void BM_DtmfDetectorPer20ms(benchmark::State& state) {
  const int rate = static_cast<int>(state.range(0));
  auto audio = resample(speech_24k(), 24000, rate);
  const auto keys = generate_dtmf("0123456789", {.sample_rate = rate});
  audio.insert(audio.end(), keys.begin(), keys.end());
  const auto frame = static_cast<std::size_t>(rate / 50);
  DtmfDetector detector(rate);
  std::size_t pos = 0;
  for (auto _ : state) {
    auto digits = detector.push(std::span(audio).subspan(pos, frame));
    benchmark::DoNotOptimize(digits.data());
    pos = (pos + frame) % (audio.size() - frame);
  }
  state.SetLabel("Goertzel DTMF detector, 20 ms at " + std::to_string(rate) + " Hz");
}
BENCHMARK(BM_DtmfDetectorPer20ms)->Arg(8000)->Arg(24000);

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void BM_OutboundPathVsSoxAndFfmpeg(benchmark::State& state) {
  // 10 minutes of speech, as a file for the tools and in memory for us.
  const auto dir = scenario::test::scratch_dir("bench_reference");
  std::vector<std::int16_t> long_audio;
  for (int i = 0; i < 60; ++i) scenario::test::append(long_audio, speech_24k());
  write_wav_file(dir / "in.wav", PcmBuffer{24000, 1, long_audio});
  const double frames = static_cast<double>(long_audio.size()) / 480.0;
  const std::string in = scenario::test::shell_quote((dir / "in.wav").string());
  const std::string out_sox = scenario::test::shell_quote((dir / "sox.ul").string());
  const std::string out_ffmpeg = scenario::test::shell_quote((dir / "ffmpeg.ul").string());
  double ours = 0, sox = 0, ffmpeg = 0;
  for (auto _ : state) {
    auto t0 = Clock::now();
    OutboundPath path;
    for (std::size_t pos = 0; pos + 480 <= long_audio.size(); pos += 480)
      path.frame(std::span(long_audio).subspan(pos, 480));
    benchmark::DoNotOptimize(path.payload.data());
    ours += seconds_since(t0);
    t0 = Clock::now();
    scenario::test::run_checked("sox -D " + in + " -r 8000 -e u-law -t ul " + out_sox);
    sox += seconds_since(t0);
    t0 = Clock::now();
    scenario::test::run_checked("ffmpeg -nostdin -loglevel error -y -i " + in +
                                " -ar 8000 -f mulaw " + out_ffmpeg);
    ffmpeg += seconds_since(t0);
  }
  const auto n = static_cast<double>(state.iterations());
  state.counters["ours_us_per_frame"] = ours / n / frames * 1e6;
  state.counters["sox_us_per_frame"] = sox / n / frames * 1e6;
  state.counters["ffmpeg_us_per_frame"] = ffmpeg / n / frames * 1e6;
  state.counters["sox_over_ours"] = sox / ours;
  state.counters["ffmpeg_over_ours"] = ffmpeg / ours;
  state.counters["realtime_factor"] = (frames * 0.02) / (ours / n);
  state.SetLabel(
      "10 min of speech, 24 kHz -> 8 kHz mu-law (+ base64 for ours); tools include process start");
}
BENCHMARK(BM_OutboundPathVsSoxAndFfmpeg)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
