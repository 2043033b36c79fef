#include "scenario/voice/recorder.hpp"

#include <algorithm>
#include <cmath>

namespace scenario {
namespace {

constexpr int kRate = audio::kCanonicalSampleRate;
// A pause longer than this between two chunks of one speaker starts a new segment.
constexpr std::int64_t kSegmentGapSamples = kRate * 3 / 10;

}  // namespace

std::string_view to_string(Speaker speaker) noexcept {
  return speaker == Speaker::user ? "user" : "agent";
}

std::int64_t to_sample(std::chrono::nanoseconds t) {
  // round(t · 24000 / 1e9) in integers
  return (t.count() * kRate + 500'000'000LL) / 1'000'000'000LL;
}

double to_seconds(std::int64_t sample) {
  return static_cast<double>(sample) / kRate;
}

Recorder::Recorder(std::shared_ptr<Clock> clock) : clock_(std::move(clock)) {
  if (!clock_) throw std::invalid_argument("a Recorder needs a clock");
}

std::int64_t Recorder::place(Track& t, Speaker who, const audio::AudioChunk& chunk,
                             std::int64_t at) {
  const std::int64_t start = std::max(at, t.cursor);
  if (t.new_segment || t.segments.empty() || start - t.cursor > kSegmentGapSamples) {
    t.segments.push_back({who, to_seconds(start), to_seconds(start), "", false});
    t.new_segment = false;
  }
  const auto end = start + static_cast<std::int64_t>(chunk.samples.size());
  if (static_cast<std::int64_t>(t.samples.size()) < end)
    t.samples.resize(static_cast<std::size_t>(end), 0);
  std::copy(chunk.samples.begin(), chunk.samples.end(), t.samples.begin() + start);
  t.cursor = end;
  Segment& seg = t.segments.back();
  seg.end = to_seconds(end);
  if (chunk.transcript && !chunk.transcript->empty()) {
    seg.transcript += (seg.transcript.empty() ? "" : " ") + *chunk.transcript;
  }
  return start;
}

void Recorder::user_audio(const audio::AudioChunk& chunk,
                          std::optional<std::chrono::nanoseconds> sent_at) {
  place(user_, Speaker::user, chunk, to_sample(sent_at.value_or(clock_->now())));
}

std::chrono::nanoseconds Recorder::agent_audio(const audio::AudioChunk& chunk,
                                               std::optional<std::chrono::nanoseconds> arrived_at) {
  const auto start =
      place(agent_, Speaker::agent, chunk, to_sample(arrived_at.value_or(clock_->now())));
  return std::chrono::nanoseconds(start * 1'000'000'000LL / kRate);
}

std::chrono::nanoseconds Recorder::cut_agent(std::optional<std::chrono::nanoseconds> at) {
  const std::int64_t cut = to_sample(at.value_or(clock_->now()));
  const auto size = static_cast<std::int64_t>(agent_.samples.size());
  std::int64_t dropped = 0;
  if (size > cut) {
    dropped = size - cut;
    agent_.samples.resize(static_cast<std::size_t>(cut));
  }
  agent_.cursor = std::min(agent_.cursor, cut);
  if (dropped > 0) {
    const double cut_seconds = to_seconds(cut);
    std::erase_if(agent_.segments, [&](const Segment& s) { return s.start >= cut_seconds; });
  }
  if (!agent_.segments.empty() && dropped > 0) {
    Segment& last = agent_.segments.back();
    if (last.end > to_seconds(cut)) {
      last.end = to_seconds(cut);
      last.transcript_truncated = true;
    }
  }
  agent_.new_segment = true;
  return std::chrono::nanoseconds(dropped * 1'000'000'000LL / kRate);
}

void Recorder::start_turn(Speaker speaker) {
  track(speaker).new_segment = true;
}

void Recorder::add_transcript(Speaker speaker, const std::string& text) {
  Track& t = track(speaker);
  if (t.segments.empty() || text.empty()) return;
  auto& transcript = t.segments.back().transcript;
  transcript += (transcript.empty() ? "" : " ") + text;
}

void Recorder::event(VoiceEvent e) {
  events_.push_back(std::move(e));
}

std::chrono::nanoseconds Recorder::agent_playout_end() const {
  return std::chrono::nanoseconds(agent_.cursor * 1'000'000'000LL / kRate);
}

double Recorder::duration_seconds() const {
  return to_seconds(
      static_cast<std::int64_t>(std::max(user_.samples.size(), agent_.samples.size())));
}

VoiceRecording Recorder::recording() const {
  VoiceRecording r;
  r.sample_rate = kRate;
  r.user = user_.samples;
  r.agent = agent_.samples;
  const std::size_t n = std::max(r.user.size(), r.agent.size());
  r.user.resize(n, 0);
  r.agent.resize(n, 0);
  r.segments = segments();
  r.events = events_;
  return r;
}

std::vector<Segment> Recorder::segments() const {
  std::vector<Segment> all = user_.segments;
  all.insert(all.end(), agent_.segments.begin(), agent_.segments.end());
  std::stable_sort(all.begin(), all.end(),
                   [](const Segment& a, const Segment& b) { return a.start < b.start; });
  return all;
}

}  // namespace scenario
