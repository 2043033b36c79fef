#include "scenario/voice/steps.hpp"

#include "../executor.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/media.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario {
namespace {

VoiceSession& session_of(ScenarioState& state, const std::string& step) {
  if (state.voice_session() == nullptr) {
    throw UnsupportedCapabilityError(
        "this run", step, "add a voice adapter (a VoiceAgentAdapter) to the scenario's agents");
  }
  return *state.voice_session();
}

std::chrono::nanoseconds from_seconds(double seconds) {
  if (!(seconds >= 0.0) || seconds > 3600.0)
    throw std::invalid_argument("duration must be within 0..3600 s");
  return std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
}

// Speaks audio now and adds it to the conversation as a user message, marked as already spoken
// so the adapter's next turn does not say it again.
void speak_now(ScenarioState& state, audio::AudioChunk chunk, const std::string& label) {
  auto& session = session_of(state, label);
  session.recorder().start_turn(Speaker::user);
  session.speak(chunk);
  Message m{.role = Role::user};
  m.parts.push_back(ContentPart::audio_part(std::move(chunk)));
  m.spoken = true;
  detail::Executor::of(state).user(std::move(m));
}

}  // namespace

Step play_audio(std::filesystem::path file) {
  const std::string label = "play_audio(" + file.filename().string() + ")";
  return Step(
      [file](ScenarioState& s) { speak_now(s, audio::load_canonical(file), "play_audio()"); },
      label);
}

Step play_audio(std::vector<std::uint8_t> encoded) {
  return Step(
      [encoded](ScenarioState& s) { speak_now(s, audio::load_canonical(encoded), "play_audio()"); },
      "play_audio(bytes)");
}

Step silence(double seconds) {
  const auto duration = from_seconds(seconds);
  return Step([duration](ScenarioState& s) { session_of(s, "silence()").send_silence(duration); },
              "silence(" + std::to_string(seconds) + " s)");
}

Step sleep(double seconds) {
  const auto duration = from_seconds(seconds);
  return Step([duration](ScenarioState& s) { session_of(s, "sleep()").wait(duration); },
              "sleep(" + std::to_string(seconds) + " s)");
}

Step interrupt(std::string content, InterruptOptions options) {
  if (options.after_seconds && *options.after_seconds < 0)
    throw std::invalid_argument("interrupt after_seconds must not be negative");
  if (options.after_words && *options.after_words <= 0)
    throw std::invalid_argument("interrupt after_words must be positive");
  return Step(
      [content, options](ScenarioState& s) {
        return detail::Executor::of(s).voice_interrupt(content, options);
      },
      "interrupt(\"" + content + "\")");
}

Step dtmf(std::string digits, DtmfOptions options) {
  for (const char c : digits) {
    if (!audio::is_dtmf_digit(c))
      throw std::invalid_argument(std::string("'") + c + "' is not a DTMF key (0-9 * # A-D)");
  }
  return Step(
      [digits, options](ScenarioState& s) {
        auto& session = session_of(s, "dtmf()");
        const bool native = session.adapter().capabilities().dtmf && !options.in_band;
        s.record_event({.time = std::chrono::duration<double>(session.clock().now()).count(),
                        .type = "dtmf_sent",
                        .metadata = {{"digits", digits}, {"native", native}}});
        if (native) {
          session.adapter().send_dtmf(digits);
          session.note_user_input(session.clock().now());
          session.note_trigger(TurnTrigger::dtmf);
        } else {
          audio::AudioChunk tones;
          tones.samples =
              audio::generate_dtmf(digits, {.sample_rate = audio::kCanonicalSampleRate});
          session.recorder().start_turn(Speaker::user);
          session.speak(tones);
          session.note_trigger(TurnTrigger::dtmf);
        }
      },
      "dtmf(" + digits + ")");
}

}  // namespace scenario
