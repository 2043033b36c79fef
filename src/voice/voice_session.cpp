#include <algorithm>
#include <utility>

#include "scenario/audio/vad.hpp"
#include "scenario/speech.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
constexpr int kRate = audio::kCanonicalSampleRate;
constexpr std::size_t kFrame = kRate / 50;  // 20 ms
constexpr std::chrono::nanoseconds kFrameDuration = 20ms;
/// A caller frame leaving later than this after its deadline may reach the agent spaced
/// differently from the recording (a jitter buffer absorbs less than a frame): the run says its
/// figures are degraded instead of reporting them silently.
constexpr std::chrono::nanoseconds kPacingBound = 10ms;

double seconds_of(std::chrono::nanoseconds t) {
  return std::chrono::duration<double>(t).count();
}
std::chrono::nanoseconds time_of(std::int64_t sample) {
  return std::chrono::nanoseconds(sample * 1'000'000'000LL / kRate);
}

}  // namespace

std::string_view to_string(TurnTrigger trigger) noexcept {
  switch (trigger) {
    case TurnTrigger::speech:
      return "speech";
    case TurnTrigger::dtmf:
      return "dtmf";
    case TurnTrigger::silence:
      return "silence";
    case TurnTrigger::none:
      break;
  }
  return "none";
}

void VoiceAgentAdapter::interrupt(const HeardSoFar&) {
  throw UnsupportedCapabilityError(name(), "native interruption",
                                   "interrupt() falls back to barge-in: speak over the agent");
}

void VoiceAgentAdapter::send_tool_result(const std::string&, const nlohmann::json&) {
  throw UnsupportedCapabilityError(name(), "tool results",
                                   "its agent runs its tools itself; do not set turn.tools");
}

void VoiceAgentAdapter::send_dtmf(std::string_view) {
  throw UnsupportedCapabilityError(
      name(), "DTMF events", "dtmf() sends in-band tones instead when the adapter carries audio");
}

VoiceSession::VoiceSession(VoiceAgentAdapter& adapter, std::shared_ptr<Clock> clock)
    : adapter_(adapter), clock_(std::move(clock)), recorder_(clock_) {
  adapter_.connect(clock_);
}

VoiceSession::~VoiceSession() {
  try {
    adapter_.disconnect();
  } catch (...) {  // a destructor must not throw; the run's result already says what happened
  }
}

double VoiceSession::now_seconds() const {
  return seconds_of(clock_->now());
}

void VoiceSession::record(const std::string& type, std::optional<double> latency,
                          nlohmann::json metadata) {
  recorder_.event(
      {.time = now_seconds(), .type = type, .latency = latency, .metadata = std::move(metadata)});
}

void VoiceSession::handle(const TransportEvent& e) {
  std::visit(
      Overloaded{
          [&](const transport::AgentAudio& a) { on_agent_audio(a, e.at); },
          [&](const transport::TranscriptDelta& t) {
            reply_transcript_ += t.text;
            recorder_.add_transcript(Speaker::agent, t.text);
          },
          [&](const transport::TurnEnded&) { turn_ended_ = true; },
          [&](const transport::AgentStopped& s) { on_agent_stopped(s, e.at); },
          [&](const transport::ToolCall& c) { on_tool_call(c, e.at); },
          [&](const transport::ToolResult& r) {
            recorder_.event(
                {.time = seconds_of(e.at),
                 .type = "tool_result",
                 .metadata = {{"name", r.name}, {"call_id", r.call_id}, {"result", r.result}}});
          },
          [&](const transport::Dtmf& d) {
            recorder_.event({.time = seconds_of(e.at),
                             .type = "dtmf_received",
                             .metadata = {{"digits", d.digits}}});
          },
          [&](const transport::Error& err) {
            if (err.severity == transport::Severity::fatal)
              throw VoiceTurnError(adapter_.name() + " reported an error: " + err.message);
            // Recoverable: on the timeline for review, and the call goes on.
            nlohmann::json data = {{"adapter", adapter_.name()}, {"error", err.message}};
            if (!err.code.empty()) data["code"] = err.code;
            recorder_.event(
                {.time = seconds_of(e.at), .type = "transport_error", .metadata = std::move(data)});
          },
          [&](const transport::Note& n) {
            recorder_.event({.time = seconds_of(e.at), .type = n.type, .metadata = n.data});
          },
          [&](const transport::UplinkSent& u) { on_uplink_sent(u, e.at); },
          [&](const transport::Usage& u) {
            recorder_.event({.time = seconds_of(e.at),
                             .type = "token_usage",
                             .metadata = {{"response_id", u.response_id},
                                          {"input_tokens", u.input_tokens},
                                          {"output_tokens", u.output_tokens},
                                          {"total_tokens", u.total_tokens}}});
          },
          [&](const transport::HangUp& h) {
            hung_up_ = h.reason;
            turn_ended_ = true;
            recorder_.event({.time = seconds_of(e.at),
                             .type = "agent_hung_up",
                             .metadata = {{"adapter", adapter_.name()}, {"reason", h.reason}}});
          }},
      e.body);
}

void VoiceSession::on_agent_audio(const transport::AgentAudio& a, std::chrono::nanoseconds at) {
  audio::AudioChunk chunk;
  if (a.sample_rate == kRate) {
    chunk.samples = a.samples;
  } else {
    // One stateful converter per run, remade when the agent changes its rate: adapters hand over
    // audio as it came off the wire (shared/protocols/pipecat.md §2: the bot picks its rate).
    if (!from_wire_ || from_wire_->input_rate() != a.sample_rate)
      from_wire_ = std::make_unique<audio::Resampler>(a.sample_rate, kRate);
    if (at > recorder_.agent_playout_end() + kFrameDuration && from_wire_->input_frames() > 0) {
      // The caller's playout ran dry (the reply ended, or this audio is late): what the converter
      // still holds back is the end of what was heard, not the start of this audio (a click of
      // the old audio there, before the new reply's speech, shortened measured latencies).
      audio::AudioChunk tail;
      from_wire_->flush(tail.samples);
      if (!tail.samples.empty()) recorder_.agent_audio(tail, recorder_.agent_playout_end());
    }
    from_wire_->process(a.samples, chunk.samples);
  }
  if (!a.response_id.empty()) reply_ids_.response_id = a.response_id;
  if (!a.item_id.empty()) reply_ids_.item_id = a.item_id;
  const auto heard_at = recorder_.agent_audio(chunk, at);
  if (first_audio_at_.count() < 0) {
    first_audio_at_ = at;
    heard_at_ = heard_at;
    const nlohmann::json turn = {{"turn", agent_turn_},
                                 {"trigger", std::string(to_string(reply_trigger_))}};
    recorder_.event({.time = seconds_of(at),
                     .type = "agent_first_audio",
                     .latency = seconds_of(at - user_end_),
                     .metadata = turn});
    recorder_.event({.time = seconds_of(heard_at),
                     .type = "agent_start_speaking",
                     .latency = seconds_of(heard_at - user_end_),
                     .metadata = turn});
  }
  reply_audio_.samples.insert(reply_audio_.samples.end(), chunk.samples.begin(),
                              chunk.samples.end());
}

void VoiceSession::on_agent_stopped(const transport::AgentStopped& s, std::chrono::nanoseconds at) {
  if (stopped_) {
    // The agent confirming a stop already applied (a native interrupt that Pipecat's output
    // transport answers with an InterruptionFrame): one stop, one cut.
    recorder_.event(
        {.time = seconds_of(at), .type = "agent_stop_confirmed", .metadata = {{"by", s.by}}});
    return;
  }
  const auto dropped = recorder_.cut_agent(at);
  from_wire_.reset();  // what the converter held back was cut too
  recorder_.event(
      {.time = seconds_of(at),
       .type = "agent_stopped",
       .metadata = {{"dropped_ms",
                     std::chrono::duration_cast<std::chrono::milliseconds>(dropped).count()}}});
  stopped_ = true;
}

void VoiceSession::on_tool_call(const transport::ToolCall& c, std::chrono::nanoseconds at) {
  const std::string id =
      c.call_id.empty() ? "call_" + std::to_string(reply_tool_calls_.size() + 1) : c.call_id;
  recorder_.event({.time = seconds_of(at),
                   .type = "tool_call",
                   .metadata = {{"name", c.name}, {"call_id", id}, {"args", c.arguments}}});
  reply_tool_calls_.push_back({id, c.name, c.arguments.dump()});
  // A tool the test answers: the result goes back to the agent at once, as an app would send it.
  const auto& options = adapter_.turn_options();
  const auto by_name = options.tools.find(c.name);
  if (by_name == options.tools.end() && !options.tool_handler) return;
  nlohmann::json result;
  bool failed = false;
  try {
    result = by_name != options.tools.end()
                 ? by_name->second(c.arguments)
                 : options.tool_handler(ToolCall(reply_tool_calls_.back()));
  } catch (const std::exception& e) {
    // A failing tool is an answer the agent must cope with, not the end of the test.
    result = {{"error", e.what()}};
    failed = true;
  }
  adapter_.send_tool_result(id, result);
  nlohmann::json metadata = {{"name", c.name}, {"call_id", id}, {"result", std::move(result)}};
  if (failed) metadata["failed"] = true;
  recorder_.event(
      {.time = now_seconds(), .type = "tool_result_sent", .metadata = std::move(metadata)});
}

VoiceSession::OnWire VoiceSession::send_frames(const audio::AudioChunk& audio) {
  if (hung_up_) {
    throw VoiceTurnError("cannot speak: the call has ended (" + adapter_.name() +
                         " hung up: " + *hung_up_ + ")");
  }
  std::vector<audio::AudioChunk> frames;
  frames.reserve((audio.samples.size() + kFrame - 1) / kFrame);
  for (std::size_t pos = 0; pos < audio.samples.size(); pos += kFrame) {
    auto& frame = frames.emplace_back();
    frame.samples.assign(audio.samples.begin() + static_cast<std::ptrdiff_t>(pos),
                         audio.samples.begin() + static_cast<std::ptrdiff_t>(
                                                     std::min(audio.samples.size(), pos + kFrame)));
    frame.samples.resize(kFrame, 0);  // the last frame is completed with silence, as on a real line
    if (pos == 0) frame.transcript = audio.transcript;
  }
  if (frames.empty()) return {clock_->now(), clock_->now()};
  return adapter_.capabilities().uplink == UplinkPacing::transport
             ? send_frames_to_pacer(std::move(frames))
             : send_frames_paced_here(frames);
}

VoiceSession::OnWire VoiceSession::send_frames_paced_here(
    const std::vector<audio::AudioChunk>& frames) {
  // Frames leave on absolute deadlines t0 + k·20 ms (no drift); agent events that arrive while
  // the user is talking are handled in between, so barge-ins and overlaps are real.
  // What the agent hears of a frame is on the wire this much after the frame's slot.
  const auto on_wire = adapter_.uplink_delay();
  auto t0 = clock_->now();
  std::chrono::nanoseconds worst_late{0};
  std::size_t worst_frame = 0;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    auto deadline = t0 + static_cast<std::int64_t>(k) * kFrameDuration;
    while (auto event = adapter_.receive(deadline)) handle(*event);
    clock_->sleep_until(deadline);
    if (k == 0) {
      // The utterance starts on the line when its first frame leaves. If handling agent events or
      // a late wake-up held that frame back, the recording and the pacing grid start there too;
      // later frames' lateness is jitter inside the stream, which receivers absorb.
      t0 = std::max(t0, clock_->now());
      deadline = t0;
    }
    recorder_.user_audio(frames[k], deadline + on_wire);
    adapter_.send_audio(frames[k]);
    // Lateness counts until the agent has the frame, not until this thread woke: a thread
    // preempted between waking and handing the frame over delays what the agent hears just as
    // much, and on a loaded machine that gap alone can exceed the bound.
    if (const auto late = clock_->now() - deadline; late > worst_late) {
      worst_late = late;
      worst_frame = k;
    }
  }
  const auto end = t0 + static_cast<std::int64_t>(frames.size()) * kFrameDuration;
  clock_->sleep_until(end);
  adapter_.end_of_audio();
  own_up_to_late_frames(t0, worst_late, worst_frame, frames.size());
  return {t0, end};
}

VoiceSession::OnWire VoiceSession::send_frames_to_pacer(std::vector<audio::AudioChunk> frames) {
  // The transport's pacer owns the slots: the frames are queued at once and each is recorded when
  // the pacer reports it left (on_uplink_sent). Agent events are handled while they go out.
  const auto count = frames.size();
  uplink_sent_ = {};
  for (auto& frame : frames) {
    adapter_.send_audio(frame);
    uplink_pending_.push_back(std::move(frame));
  }
  adapter_.end_of_audio();
  // A pacer that has not sent them by twice their length plus a second is stalled, not late.
  const auto give_up = clock_->now() + 2 * static_cast<std::int64_t>(count) * kFrameDuration +
                       std::chrono::seconds(1);
  while (!uplink_pending_.empty()) {
    auto event = adapter_.receive(give_up);
    if (!event) {
      const auto left = uplink_pending_.size();
      uplink_pending_.clear();
      throw VoiceTurnError(adapter_.name() + ": " + std::to_string(left) + " of " +
                           std::to_string(count) +
                           " caller frames did not leave in time (the transport's pacer stalled)");
    }
    handle(*event);
    if (hung_up_ && !uplink_pending_.empty()) {
      uplink_pending_.clear();
      throw VoiceTurnError("the call ended while the caller was speaking (" + adapter_.name() +
                           " hung up: " + *hung_up_ + ")");
    }
  }
  own_up_to_late_frames(uplink_sent_.first, uplink_sent_.worst_late, uplink_sent_.worst_frame,
                        count);
  return {uplink_sent_.first, uplink_sent_.last + kFrameDuration};
}

void VoiceSession::on_uplink_sent(const transport::UplinkSent& sent, std::chrono::nanoseconds at) {
  if (sent.tail || uplink_pending_.empty()) return;  // the converter's tail: no frame of ours
  // Placed where it is in the stream (plus the converter's look-ahead): the far end times the
  // caller's audio by its samples, as a jitter buffer does. A frame that left late reached the
  // agent late (that is owned up to below), but it is not later speech: placing it where it left
  // shifted the rest of the utterance in the recording while the pacer caught up on the wire, and
  // the end of speech was off by that lateness.
  recorder_.user_audio(uplink_pending_.front(), sent.in_stream + adapter_.uplink_delay());
  uplink_pending_.pop_front();
  if (uplink_sent_.frames == 0) {
    uplink_sent_.first = at;
  } else if (sent.late > uplink_sent_.worst_late) {
    uplink_sent_.worst_late = sent.late;
    uplink_sent_.worst_frame = uplink_sent_.frames;
  }
  uplink_sent_.last = at;
  ++uplink_sent_.frames;
}

void VoiceSession::own_up_to_late_frames(std::chrono::nanoseconds at,
                                         std::chrono::nanoseconds worst, std::size_t frame,
                                         std::size_t frames) {
  if (worst <= kPacingBound) return;
  recorder_.event(
      {.time = seconds_of(at),
       .type = "measurement_degraded",
       .metadata = {
           {"reason", "caller frames left late: the machine is too loaded to pace"},
           {"lateness_ms", std::chrono::duration<double, std::milli>(worst).count()},
           {"bound_ms", std::chrono::duration<double, std::milli>(kPacingBound).count()},
           {"frame", frame},
           {"frames", frames}}});
}

void VoiceSession::speak(const audio::AudioChunk& audio) {
  if (audio.empty()) return;
  const auto sent = send_frames(audio);
  user_end_ = sent.end + adapter_.uplink_delay();
  trigger_ = TurnTrigger::speech;
  recorder_.event({.time = seconds_of(sent.start), .type = "user_start_speaking"});
  recorder_.event({.time = seconds_of(sent.end), .type = "user_stop_speaking"});
}

void VoiceSession::send_silence(std::chrono::nanoseconds duration) {
  audio::AudioChunk silent;
  silent.samples.assign(static_cast<std::size_t>(to_sample(duration)), 0);
  send_frames(silent);
  if (trigger_ == TurnTrigger::none) trigger_ = TurnTrigger::silence;
}

void VoiceSession::wait(std::chrono::nanoseconds duration) {
  // A hang-up ends the wait: nothing more can happen on the call, and a script that waits for it
  // (sleep() after a goodbye) should go on as soon as it came.
  const auto deadline = clock_->now() + duration;
  while (!hung_up_) {
    auto event = adapter_.receive(deadline);
    if (!event) break;
    handle(*event);
  }
  if (!hung_up_) clock_->sleep_until(deadline);
}

void VoiceSession::reset_reply() {
  // The caller did something since the last reply: its turn is over. Servers without their own
  // turn detection are told so here, before any reply (or interrupt) is awaited.
  if (trigger_ != TurnTrigger::none) adapter_.commit_user_turn();
  reply_audio_ = {};
  reply_transcript_.clear();
  reply_tool_calls_.clear();
  stopped_ = false;
  turn_ended_ = false;
  first_audio_at_ = std::chrono::nanoseconds(-1);
  heard_at_ = std::chrono::nanoseconds(-1);
  reply_ids_ = {};
  ++agent_turn_;
  reply_trigger_ = trigger_;
  trigger_ = TurnTrigger::none;
  recorder_.start_turn(Speaker::agent);
}

Message VoiceSession::take_reply_message() {
  Message reply{.role = Role::assistant};
  audio::AudioChunk audio = std::exchange(reply_audio_, {});
  audio.transcript =
      reply_transcript_.empty() ? std::nullopt : std::optional<std::string>(reply_transcript_);
  // The spoken reply carries its transcript; text() gives it to judges and text agents.
  if (!audio.empty()) {
    reply.parts.push_back(ContentPart::audio_part(std::move(audio)));
  } else if (!reply_transcript_.empty()) {
    reply.content = reply_transcript_;
  }
  reply.tool_calls = reply_tool_calls_;
  return reply;
}

HeardSoFar VoiceSession::heard_so_far(std::chrono::nanoseconds at) const {
  HeardSoFar heard{.response_id = reply_ids_.response_id, .item_id = reply_ids_.item_id};
  if (heard_at_.count() >= 0) {
    // What the caller has heard of this reply: from when it started being heard to `at`, never
    // past the end of what has arrived (truncation must say what was played, not received).
    heard.played =
        std::clamp(at, heard_at_, std::max(heard_at_, recorder_.agent_playout_end())) - heard_at_;
  }
  return heard;
}

Message VoiceSession::interrupt_reply(const audio::AudioChunk& user_speech,
                                      const InterruptOptions& options) {
  reset_reply();
  const auto start = clock_->now();
  const auto give_up =
      start +
      std::chrono::nanoseconds(static_cast<std::int64_t>(options.wait_for_speech_timeout * 1e9));
  while (first_audio_at_.count() < 0) {
    auto event = adapter_.receive(give_up);
    if (!event) {
      throw VoiceTurnError("interrupt(): " + adapter_.name() + " did not start speaking within " +
                           std::to_string(options.wait_for_speech_timeout) +
                           " s, so there was nothing to interrupt");
    }
    handle(*event);
  }
  if (options.after_words) {
    if (!adapter_.capabilities().streaming_transcripts) {
      throw UnsupportedCapabilityError(adapter_.name(),
                                       "streaming transcripts (interrupt after_words)",
                                       "use after_seconds instead");
    }
    auto words = [this] {
      int n = 0;
      bool in_word = false;
      for (const char c : reply_transcript_) {
        const bool space = c == ' ' || c == '\n' || c == '\t';
        if (!space && !in_word) ++n;
        in_word = !space;
      }
      return n;
    };
    while (words() < *options.after_words) {
      auto event = adapter_.receive(give_up);
      if (!event) {
        throw VoiceTurnError("interrupt(): " + adapter_.name() + " did not say " +
                             std::to_string(*options.after_words) + " words within " +
                             std::to_string(options.wait_for_speech_timeout) + " s");
      }
      handle(*event);
    }
  } else {
    // Measured from when the agent started being heard.
    const auto heard_from = first_audio_at_;
    wait(std::max(std::chrono::nanoseconds(0),
                  heard_from +
                      std::chrono::nanoseconds(
                          static_cast<std::int64_t>(options.after_seconds.value_or(0.0) * 1e9)) -
                      clock_->now()));
  }
  const bool native = adapter_.capabilities().native_interruption;
  const auto barge_at = clock_->now();
  if (native) {
    adapter_.interrupt(heard_so_far(barge_at));
    handle({.at = barge_at, .body = transport::AgentStopped{.by = "native_interrupt"}});
  }
  recorder_.start_turn(Speaker::user);
  speak(user_speech);
  // Observe the agent's reaction: it stops, or it plays on to the end of what it sent.
  const auto observe_until = clock_->now() + 5s;
  while (!stopped_ && clock_->now() < std::min(observe_until, recorder_.agent_playout_end())) {
    auto event = adapter_.receive(std::min(observe_until, recorder_.agent_playout_end()));
    if (!event) break;
    handle(*event);
  }
  recorder_.event(
      {.time = seconds_of(barge_at),
       .type = "user_interrupt",
       .metadata = {{"adapter", adapter_.name()},
                    {"native", native},
                    {"outcome", stopped_ ? "agent_stopped" : "agent_continued"},
                    // What was interrupted: the agent turn and when it started being heard.
                    {"interrupted_turn", agent_turn_},
                    {"interrupted_started_at", seconds_of(heard_at_)},
                    {"after_seconds", options.after_seconds ? nlohmann::json(*options.after_seconds)
                                                            : nlohmann::json(nullptr)},
                    {"after_words", options.after_words ? nlohmann::json(*options.after_words)
                                                        : nlohmann::json(nullptr)}}});
  return take_reply_message();
}

Message VoiceSession::collect_reply() {
  const auto& options = adapter_.turn_options();
  if (hung_up_)
    throw VoiceTurnError("the call has ended: " + adapter_.name() + " hung up (" + *hung_up_ + ")");
  reset_reply();

  // End of turn without a transport signal: VAD on the agent's audio in playout order, so silence
  // frames end a turn as well as an absent stream does.
  if (turn_vad_ && turn_vad_->options().hangover == options.hangover) {
    turn_vad_->reset();
  } else {
    turn_vad_.emplace(kRate, audio::VadOptions{.aggressiveness = 2, .hangover = options.hangover});
  }
  auto& vad = *turn_vad_;
  const std::int64_t origin = recorder_.agent_sample_count();  // VAD positions count from here
  auto fed = origin;
  recorder_.keep_agent_from(fed);  // the turn's audio stays in memory for the VAD
  struct Release {
    Recorder& r;
    ~Release() { r.keep_agent_from(std::nullopt); }
  } release{recorder_};
  std::optional<std::int64_t> speech_end;
  bool heard_speech = false;
  const auto start = clock_->now();
  const auto cap = start + std::chrono::nanoseconds(options.max_turn);
  bool capped = false;

  while (!turn_ended_ && !stopped_ && !speech_end) {
    std::chrono::nanoseconds deadline;
    if (first_audio_at_.count() < 0) {
      deadline = start + std::chrono::nanoseconds(options.first_audio_timeout);
    } else {
      deadline = std::min(cap, std::max(clock_->now(), recorder_.agent_playout_end()) +
                                   std::chrono::nanoseconds(options.hangover));
    }
    auto event = adapter_.receive(deadline);
    if (!event) {
      if (first_audio_at_.count() < 0) {
        throw VoiceTurnError("no audio from " + adapter_.name() + " within " +
                             std::to_string(options.first_audio_timeout.count()) +
                             " ms of the end of the user's turn");
      }
      capped = clock_->now() >= cap;
      break;  // nothing more arrived: the stream stopped (or the soft cap was reached)
    }
    handle(*event);
    const auto fresh = recorder_.agent_samples_from(fed);
    if (!fresh.empty()) {
      for (const auto& v : vad.push(fresh)) {
        if (v.kind == audio::VadEvent::Kind::speech_start) heard_speech = true;
        if (v.kind == audio::VadEvent::Kind::speech_end && heard_speech)
          speech_end = origin + v.sample;
      }
      fed += static_cast<std::int64_t>(fresh.size());
    }
    if (clock_->now() >= cap) {
      capped = true;
      break;
    }
  }
  if (hung_up_ && first_audio_at_.count() < 0) {
    throw VoiceTurnError(adapter_.name() + " hung up without answering (" + *hung_up_ + ")");
  }
  // The caller hears the agent to the end of its speech before the script goes on.
  std::int64_t audible_end = speech_end.value_or(recorder_.agent_sample_count());
  if (!speech_end && !stopped_) {
    for (const auto& v : vad.finish()) {
      if (v.kind == audio::VadEvent::Kind::speech_end) audible_end = origin + v.sample;
    }
  }
  if (!stopped_) clock_->sleep_until(std::max(clock_->now(), time_of(audible_end)));
  recorder_.event({.time = seconds_of(time_of(audible_end)),
                   .type = "agent_stop_speaking",
                   .metadata = {{"turn", agent_turn_},
                                {"ended_by", hung_up_      ? "hangup"
                                             : turn_ended_ ? "transport"
                                             : stopped_    ? "agent_stopped"
                                             : capped      ? "turn_cap"
                                                           : "vad"}}});

  return take_reply_message();
}

AgentReply VoiceAgentAdapter::call(const AgentInput& input) {
  if (session_ == nullptr) {
    throw std::logic_error(
        name() + " is a voice adapter: run it with scenario::run, which gives it a voice session");
  }
  for (const auto& m : input.new_messages) {
    if (m.role != Role::user || m.spoken) continue;
    audio::AudioChunk speech;
    for (const auto& p : m.parts) {
      if (p.kind == ContentPart::Kind::audio && p.audio) speech = *p.audio;
    }
    if (speech.empty() && !m.text().empty()) speech = synthesize(m.text(), options_.default_voice);
    session_->recorder().start_turn(Speaker::user);
    session_->speak(speech);
  }
  return session_->collect_reply();
}

}  // namespace scenario
