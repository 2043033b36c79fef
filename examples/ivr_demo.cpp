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

namespace {

using namespace std::chrono_literals;
using scenario::ScenarioState;

bool has_event(const ScenarioState& s, const std::string& type, const std::string& key = "",
               const std::string& value = "") {
  for (const auto& e : s.timeline()) {
    if (e.type != type) continue;
    if (key.empty() || (e.metadata.contains(key) && e.metadata[key] == value)) return true;
  }
  return false;
}

// The bot's `clear` (agent_stopped) follows the barge-in by at most `limit` seconds.
bool stopped_within(const ScenarioState& s, double limit) {
  // (user_interrupt is recorded once the agent's reaction has been seen, after agent_stopped.)
  const auto& t = s.timeline();
  for (const auto& barge_in : t) {
    if (barge_in.type != "user_interrupt") continue;
    for (const auto& e : t) {
      if (e.type == "agent_stopped" && e.time >= barge_in.time && e.time - barge_in.time <= limit)
        return true;
    }
  }
  return false;
}

// Every caller input (a key press, the end of an utterance) is answered within `limit` seconds.
bool answers_within(const ScenarioState& s, double limit) {
  double input = -1.0;  // no input waiting for an answer
  int answers = 0;
  for (const auto& e : s.timeline()) {
    if (e.type == "dtmf_sent" || e.type == "user_stop_speaking") input = e.time;
    if (e.type == "agent_start_speaking" && input >= 0) {
      if (e.time - input > limit) return false;
      ++answers;
      input = -1.0;
    }
  }
  return answers >= 3;
}

}  // namespace

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
  auto checks = std::make_shared<scenario::CheckJudge>(std::vector<scenario::Check>{
      {"the billing menu was reached",
       [](const ScenarioState& s) { return has_event(s, "mark", "name", "menu:billing"); }},
      {"the bot stopped within 600 ms of the barge-in",
       [](const ScenarioState& s) { return stopped_within(s, 0.6); }},
      {"every answer started within 1.5 s of the caller",
       [](const ScenarioState& s) { return answers_within(s, 1.5); }},
      {"the bot re-prompted after the silence",
       [](const ScenarioState& s) { return has_event(s, "mark", "name", "prompt:reprompt"); }},
      {"the bot said goodbye and hung up",
       [](const ScenarioState& s) {
         return has_event(s, "mark", "name", "prompt:goodbye") && has_event(s, "agent_hung_up");
       }},
  });

  const auto result = scenario::run({
      .name = "ivr billing menu",
      .description =
          "A caller reaches billing by keypad, talks over the menu, goes quiet, hangs up",
      .agents = {ivr, checks},
      .script = {scenario::agent(),  // greeting and main menu
                 scenario::dtmf("1"),
                 scenario::interrupt("Wait, what was my balance again?", {.after_seconds = 2.0}),
                 scenario::agent(),  // "I can only understand key presses" + options
                 scenario::silence(1.0),
                 scenario::agent(),  // the re-prompt
                 scenario::dtmf("9"),
                 scenario::agent(),  // goodbye, then the bot hangs up
                 scenario::judge()},
  });

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
