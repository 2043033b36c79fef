// Recorder cost per second of call audio, the resident memory of a 30-minute call, and how much
// faster than real time a whole ten-turn voice scenario runs on the virtual clock.
//
//   voice_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <fstream>
#include <string>

#include "scenario/scenario.hpp"
#include "scenario/voice/recorder.hpp"
#include "support/fixtures.hpp"
#include "support/loopback_agent.hpp"

namespace {

using namespace scenario;
using namespace std::chrono_literals;

long status_kb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}
long peak_rss_kb() {
  return status_kb("VmHWM");
}
/// Heap and other anonymous memory now resident (mapped spill files are not counted: the kernel
/// can drop those pages at any time).
long anon_rss_kb() {
  return status_kb("RssAnon");
}

// One second of a call: 50 user frames at their wire times and 50 agent chunks on the playout
// cursor, as a paced transport delivers them.
void record_second(Recorder& rec, VirtualClock& clock, std::int64_t second,
                   const audio::AudioChunk& frame) {
  for (int k = 0; k < 50; ++k) {
    const auto t = std::chrono::nanoseconds(second * 1'000'000'000LL + k * 20'000'000LL);
    clock.sleep_until(t);
    rec.user_audio(frame, t);
    rec.agent_audio(frame, t);
  }
}

void BM_RecorderPerSecondOfAudio(benchmark::State& state) {
  audio::AudioChunk frame;
  frame.samples = test::sine(440.0, 24000, 0.02, 5000.0);
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  std::int64_t second = 0;
  for (auto _ : state) record_second(rec, *clock, second++, frame);
  state.SetLabel("user + agent tracks, 20 ms frames; time per second of call audio");
  state.counters["realtime_factor"] =
      benchmark::Counter(1.0, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_RecorderPerSecondOfAudio);

void BM_ThirtyMinuteCallMemory(benchmark::State& state) {
  audio::AudioChunk frame;
  frame.samples = test::sine(440.0, 24000, 0.02, 5000.0);
  for (auto _ : state) {
    const long before = anon_rss_kb();
    const long peak_before = peak_rss_kb();
    auto clock = std::make_shared<VirtualClock>();
    Recorder rec(clock);
    long during = 0;
    for (std::int64_t s = 0; s < 30 * 60; ++s) {
      record_second(rec, *clock, s, frame);
      if (s % 60 == 0) during = std::max(during, anon_rss_kb() - before);
    }
    const auto recording = rec.recording();
    benchmark::DoNotOptimize(recording.user.data());
    state.counters["anon_rss_growth_during_call_mb"] = static_cast<double>(during) / 1024.0;
    state.counters["anon_rss_growth_after_recording_mb"] =
        static_cast<double>(anon_rss_kb() - before) / 1024.0;
    state.counters["peak_rss_growth_mb"] =
        static_cast<double>(peak_rss_kb() - peak_before) / 1024.0;
    state.counters["spilled_mb"] =
        static_cast<double>(rec.spilled_samples() * 2) / (1024.0 * 1024.0);
    state.counters["pcm_mb"] =
        static_cast<double>(2 * recording.user.size() * sizeof(std::int16_t)) / (1024.0 * 1024.0);
  }
  state.SetLabel("record 30 min (2 min memory window), then take the stereo recording");
}
BENCHMARK(BM_ThirtyMinuteCallMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

// A full run (TTS of every user line, pacing, recording, VAD turn ends, latency) against the
// in-process loopback agent on the virtual clock: `realtime_factor` is seconds of call audio per
// second of wall time, the figure a user of deterministic in-process tests gets.
void BM_TenTurnScenarioOnTheVirtualClock(benchmark::State& state) {
  const std::vector<std::string> lines = {"Hi, I have a question about my order",
                                          "It is order four five six", "When will it arrive",
                                          "Can I change the address", "Thank you very much"};
  double audio_seconds = 0;
  for (auto _ : state) {
    test::LoopbackOptions options;
    options.replies = {"Sure, I can help with that.", "It should arrive on Friday."};
    options.response_delays = {450ms};
    std::vector<Step> script;
    for (int i = 0; i < 10; ++i) {
      script.push_back(user(lines[static_cast<std::size_t>(i) % lines.size()]));
      script.push_back(agent());
    }
    script.push_back(succeed());
    const auto r = run({.name = "ten turns",
                        .description = "bench",
                        .agents = {std::make_shared<test::LoopbackVoiceAgent>(options)},
                        .script = script,
                        .clock = std::make_shared<VirtualClock>()});
    if (!r.success) state.SkipWithError(r.reasoning.c_str());
    audio_seconds += r.recording.duration_seconds();
  }
  state.counters["realtime_factor"] =
      benchmark::Counter(audio_seconds, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_TenTurnScenarioOnTheVirtualClock)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
