#include "support/loopback_agent.hpp"

#include <algorithm>
#include <sstream>

#include "scenario/audio/resampler.hpp"
#include "scenario/speech.hpp"

namespace scenario::test {
namespace {

using namespace std::chrono_literals;
constexpr int kRate = 24000;
constexpr std::size_t kChunk = kRate / 50;

std::chrono::nanoseconds at_sample(std::int64_t s) {
  return std::chrono::nanoseconds(s * 1'000'000'000LL / kRate);
}

}  // namespace

LoopbackVoiceAgent::LoopbackVoiceAgent(LoopbackOptions options)
    : VoiceAgentAdapter(options.turn), options_(std::move(options)) {}

void LoopbackVoiceAgent::send_tool_result(const std::string& call_id,
                                          const nlohmann::json& result) {
  if (!options_.client_tools) VoiceAgentAdapter::send_tool_result(call_id, result);
  tool_results_.emplace_back(call_id, result, clock_->now());
}

void LoopbackVoiceAgent::interrupt(const HeardSoFar& heard) {
  if (!native_interrupt_) VoiceAgentAdapter::interrupt(heard);
  heard_.push_back(heard);
  // Cancel: nothing more of the current reply is sent.
  const auto now = clock_->now();
  std::erase_if(scheduled_, [&](const TransportEvent& e) { return e.at >= now; });
  speaking_until_ = std::min(speaking_until_, now);
}

void LoopbackVoiceAgent::send_dtmf(std::string_view digits) {
  if (!native_dtmf_) VoiceAgentAdapter::send_dtmf(digits);
  dtmf_received_ += digits;
}

AdapterCapabilities LoopbackVoiceAgent::capabilities() const {
  return {.streaming_transcripts = options_.stream_transcripts,
          .native_vad = true,
          .dtmf = native_dtmf_,
          .native_interruption = native_interrupt_,
          .input_format = {},
          .output_format = {}};
}

void LoopbackVoiceAgent::connect(std::shared_ptr<Clock> clock) {
  clock_ = std::move(clock);
  vad_ = std::make_unique<audio::VoiceActivityDetector>(
      kRate, audio::VadOptions{.aggressiveness = 2, .hangover = 300ms});
  input_samples_ = 0;
  input_times_.clear();
  input_end_ = clock_->now();
  stream_end_.reset();
  scheduled_.clear();
  next_silence_ = clock_->now();
}

std::chrono::nanoseconds LoopbackVoiceAgent::time_of_input(std::int64_t sample) const {
  // The frame that holds the sample, and the offset inside it.
  auto it = std::upper_bound(input_times_.begin(), input_times_.end(), sample,
                             [](std::int64_t s, const auto& entry) { return s < entry.first; });
  if (it == input_times_.begin()) return at_sample(sample);
  --it;
  return it->second + at_sample(sample - it->first);
}

void LoopbackVoiceAgent::feed(std::span<const std::int16_t> samples,
                              std::chrono::nanoseconds first_sample_time) {
  input_times_.emplace_back(input_samples_, first_sample_time);
  input_samples_ += static_cast<std::int64_t>(samples.size());
  input_end_ = first_sample_time + at_sample(static_cast<std::int64_t>(samples.size()));
  for (const auto& e : vad_->push(samples)) {
    if (e.kind == audio::VadEvent::Kind::speech_start)
      on_user_speech_start(time_of_input(e.sample));
    if (e.kind == audio::VadEvent::Kind::speech_end)
      on_user_speech_end(time_of_input(e.sample), input_end_);
  }
}

void LoopbackVoiceAgent::send_audio(const audio::AudioChunk& frame) {
  ++frames_received_;
  const auto now = clock_->now();
  // Like an agent behind a jitter buffer, time the caller's audio by its samples, not by when each
  // frame happened to arrive: a frame that continues the stream starts where the previous one
  // ended, so a sender woken a few ms late (a busy CI machine) does not move the speech it carries.
  // After a pause the stream restarts at the arrival time.
  constexpr auto kJitterAllowance = 15ms;
  if (stream_end_ && now >= *stream_end_ && now < *stream_end_ + kJitterAllowance) {
    feed(frame.samples, *stream_end_);
  } else {
    catch_up(now);  // any silence before this frame (the caller was quiet)
    feed(frame.samples, now);
  }
  stream_end_ = input_end_;
}

void LoopbackVoiceAgent::catch_up(std::chrono::nanoseconds until) {
  // Time passing without frames is silence on the line.
  const std::vector<std::int16_t> quiet(kRate / 100, 0);
  while (input_end_ + 10ms <= until) feed(quiet, input_end_);
}

void LoopbackVoiceAgent::on_user_speech_start(std::chrono::nanoseconds at) {
  if (speaking_until_ <= at) return;
  // Barge-in: stop reaction_time after the user started, dropping what was not sent yet.
  const auto stop_at =
      std::max(at + std::chrono::nanoseconds(options_.reaction_time), clock_->now());
  barge_ins_.emplace_back(at, stop_at);
  std::erase_if(scheduled_, [&](const TransportEvent& e) { return e.at >= stop_at; });
  scheduled_.push_back({.at = stop_at, .body = transport::AgentStopped{.by = "barge_in"}});
  speaking_until_ = stop_at;
}

void LoopbackVoiceAgent::on_user_speech_end(std::chrono::nanoseconds at,
                                            std::chrono::nanoseconds decided) {
  user_ends_.push_back(at);
  const std::size_t i = reply_index_++;
  const auto& delays = options_.response_delays;
  const auto delay = std::chrono::nanoseconds(delays[std::min(i, delays.size() - 1)]);
  const auto start = std::max(at + delay, decided);
  const std::string text = options_.replies[std::min(i, options_.replies.size() - 1)];
  const audio::AudioChunk speech = synthesize(text, options_.voice);
  reply_starts_.push_back(start);
  if (options_.tool_call && options_.tool_call->first == i) {
    const std::string call_id = "call_" + std::to_string(i);
    scheduled_.push_back(
        {.at = start,
         .body = transport::ToolCall{
             .call_id = call_id, .name = options_.tool_call->second, .arguments = {{"reply", i}}}});
    if (!options_.client_tools)
      scheduled_.push_back(
          {.at = start,
           .body = transport::ToolResult{
               .call_id = call_id, .name = options_.tool_call->second, .result = {{"ok", true}}}});
  }
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  const int rate = options_.wire_rate;
  const auto wire = rate == kRate ? speech.samples : audio::resample(speech.samples, kRate, rate);
  const auto per_chunk = static_cast<std::size_t>(rate / 50);
  const std::size_t n = wire.size();
  for (std::size_t pos = 0, k = 0; pos < n; pos += per_chunk, ++k) {
    const auto chunk_at =
        options_.realtime_delivery ? start + static_cast<std::int64_t>(k) * 20ms : start;
    transport::AgentAudio chunk{.sample_rate = rate, .response_id = "reply_" + std::to_string(i)};
    chunk.samples.assign(wire.begin() + static_cast<std::ptrdiff_t>(pos),
                         wire.begin() + static_cast<std::ptrdiff_t>(std::min(n, pos + per_chunk)));
    scheduled_.push_back({.at = chunk_at, .body = std::move(chunk)});
    if (options_.stream_transcripts && !words.empty()) {
      // Word j is announced when playback reaches j/n of the utterance.
      for (std::size_t j = 0; j < words.size(); ++j) {
        const std::size_t word_at = j * n / words.size();
        if (word_at >= pos && word_at < pos + per_chunk) {
          scheduled_.push_back(
              {.at = chunk_at,
               .body = transport::TranscriptDelta{.text = (j ? " " : "") + words[j]}});
        }
      }
    }
  }
  const auto end = start + std::chrono::nanoseconds(static_cast<std::int64_t>(n) * 1'000'000'000 / rate);
  if (options_.send_end_of_turn) scheduled_.push_back({.at = end, .body = transport::TurnEnded{}});
  speaking_until_ = end;
  next_silence_ = std::max(next_silence_, end);
  std::stable_sort(scheduled_.begin(), scheduled_.end(),
                   [](const auto& a, const auto& b) { return a.at < b.at; });
}

std::optional<TransportEvent> LoopbackVoiceAgent::receive(std::chrono::nanoseconds deadline) {
  // Advance our view of the caller's line in 10 ms steps, so a reply decided on the way is
  // delivered at its own time, not at the deadline.
  while (true) {
    const bool silence_due = options_.silence_between_replies && next_silence_ <= deadline &&
                             (scheduled_.empty() || next_silence_ < scheduled_.front().at) &&
                             speaking_until_ <= next_silence_;
    const auto next_event = !scheduled_.empty() ? scheduled_.front().at : deadline + 1ns;
    const auto next = std::min(silence_due ? next_silence_ : next_event, next_event);
    if (input_end_ + 10ms <= std::min(next, deadline)) {
      catch_up(std::min(next, deadline));
      continue;  // catching up may have scheduled something earlier
    }
    if (silence_due && next_silence_ <= next_event) {
      TransportEvent quiet{
          .at = next_silence_,
          .body = transport::AgentAudio{.samples = std::vector<std::int16_t>(kChunk, 0)}};
      next_silence_ += 20ms;
      clock_->sleep_until(quiet.at);
      return quiet;
    }
    if (!scheduled_.empty() && scheduled_.front().at <= deadline) {
      TransportEvent e = std::move(scheduled_.front());
      scheduled_.pop_front();
      clock_->sleep_until(e.at);
      return e;
    }
    clock_->sleep_until(deadline);
    return std::nullopt;
  }
}

}  // namespace scenario::test
