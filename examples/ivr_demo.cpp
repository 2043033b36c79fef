// The main job: an offline voice scenario against the reference IVR bot, through the Pipecat
// adapter (we play Twilio Media Streams towards the bot over a real WebSocket on loopback).
//
//   ivr_demo [ARTIFACTS_DIR]
//
// Greeting, a DTMF menu choice, a barge-in, a silence, a goodbye; judged by deterministic checks.
// Prints a summary; the last line is the artifacts directory (stereo WAV, segments, manifest).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include <scenario/adapters/pipecat.hpp>
#include <scenario/scenario.hpp>

#include "ivr_bot.hpp"
#include "ivr_demo_scenario.hpp"

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  const std::filesystem::path out = argc > 1 ? argv[1] : "artifacts/ivr_demo";
  scenario::net::EventLoop loop(1);
  scenario::examples::IvrBot bot(
      loop, {.response_delay = 300ms, .reaction_time = 120ms, .reprompt_after = 2500ms});
  auto ivr = std::make_shared<scenario::adapters::PipecatAgentAdapter>(
      scenario::adapters::PipecatOptions{.url = bot.url(),
                                         .custom_parameters = {{"caller", "+15550001111"}},
                                         .turn = {.hangover = 700ms},
                                         .loop = &loop});
  const auto result = scenario::run(scenario::examples::ivr_demo_scenario(ivr));

  auto recording = result.recording;
  recording.save_segments(out);
  recording.save(out / "call.flac");

  std::printf("verdict: %s\n", result.success ? "PASS" : "FAIL");
  std::printf("reasoning: %s\n", result.reasoning.c_str());
  for (const auto& c : result.passed_criteria) std::printf("  pass: %s\n", c.c_str());
  for (const auto& c : result.failed_criteria) std::printf("  FAIL: %s\n", c.c_str());
  for (std::size_t i = 0; i < result.latency.response_latencies.size(); ++i) {
    std::printf("turn %zu: response latency %.0f ms\n", i + 1,
                result.latency.response_latencies[i] * 1000);
  }
  for (const double irt : result.latency.interrupt_response_times)
    std::printf("interrupt response time: %.0f ms\n", irt * 1000);
  // The bot's own account of the same call (its VAD's 300 ms hangover and its 300 ms response
  // delay make most of the answer's latency): what the figures above measured from the audio.
  for (const auto& call : bot.calls()) {
    for (const double ms : call.speech_answer_ms)
      std::printf("bot's own timing: answer %.1f ms after the caller's speech ended\n", ms);
    for (const double ms : call.barge_in_stop_ms)
      std::printf("bot's own timing: silent %.1f ms after the caller spoke over it\n", ms);
  }
  const auto stats = ivr->stats();
  std::printf(
      "frames sent %llu (silence %llu), clears %llu, marks echoed %llu, pacing p99 %.1f ms\n",
      static_cast<unsigned long long>(stats.frames_sent),
      static_cast<unsigned long long>(stats.silence_frames),
      static_cast<unsigned long long>(stats.clears),
      static_cast<unsigned long long>(stats.marks_echoed), stats.pacing.percentile_ms(99));
  std::printf("recording: %.1f s stereo (left caller, right bot)\n", recording.duration_seconds());
  std::cout << std::filesystem::weakly_canonical(out).string() << std::endl;
  return result.success ? 0 : 1;
}
