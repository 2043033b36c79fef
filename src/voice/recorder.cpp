#include "scenario/voice/recorder.hpp"

#include <algorithm>
#include <cmath>

#include "spill_file.hpp"

namespace scenario {
namespace {

constexpr int kRate = audio::kCanonicalSampleRate;
// A pause longer than this between two chunks of one speaker starts a new segment.
constexpr std::int64_t kSegmentGapSamples = kRate * 3 / 10;

// Copies samples [0, count) of one spill file into another, a block at a time.
void copy_samples(const detail::SpillFile& from, detail::SpillFile& to, std::int64_t count) {
  std::vector<std::int16_t> block(std::size_t{1} << 16);
  for (std::int64_t at = 0; at < count; at += static_cast<std::int64_t>(block.size())) {
    const auto n = static_cast<std::size_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(block.size()), count - at));
    from.read(at, std::span(block.data(), n));
    to.write(at, std::span<const std::int16_t>(block.data(), n));
  }
}

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

Recorder::Recorder(std::shared_ptr<Clock> clock, RecorderOptions options)
    : clock_(std::move(clock)), options_(std::move(options)) {
  if (!clock_) throw std::invalid_argument("a Recorder needs a clock");
  if (options_.memory_window.count() <= 0)
    throw std::invalid_argument("RecorderOptions::memory_window must be positive");
  if (options_.spill_directory.empty())
    options_.spill_directory = std::filesystem::temp_directory_path();
}

Recorder::~Recorder() = default;

void Recorder::spill_old(Track& t, std::optional<std::int64_t> hold) {
  const std::int64_t window = options_.memory_window.count() * kRate;
  std::int64_t boundary = std::min(t.playout.end(), to_sample(clock_->now())) - window;
  if (hold) boundary = std::min(boundary, *hold);
  boundary = std::min(boundary, t.size());
  // Move a quarter window at a time: the front erase stays cheap per sample.
  if (boundary - t.base < window / 4) return;
  if (!t.spill) t.spill = std::make_unique<detail::SpillFile>(options_.spill_directory);
  unseal(t);
  const auto count = static_cast<std::size_t>(boundary - t.base);
  const std::span<const std::int16_t> leaving(t.window.data(), count);
  t.spill->write(t.base, leaving);
  find_speech(t, leaving);
  t.window.erase(t.window.begin(), t.window.begin() + static_cast<std::ptrdiff_t>(count));
  t.base = boundary;
}

void Recorder::find_speech(Track& t, std::span<const std::int16_t> final_samples) {
  if (speech_state_ != SpeechState::live) return;
  if (!t.speech) t.speech = std::make_unique<audio::SpeechSegmenter>(kRate, latency_vad_options());
  t.speech->push(final_samples);
}

void Recorder::changed_after_close() {
  for (Track* t : {&user_, &agent_}) unseal(*t);
  if (speech_state_ != SpeechState::closed) return;
  speech_state_ = SpeechState::given_up;
  user_.speech_found.clear();
  agent_.speech_found.clear();
}

void Recorder::unseal(Track& t) {
  if (!t.sealed) return;
  auto copy = std::make_unique<detail::SpillFile>(options_.spill_directory);
  copy_samples(*t.spill, *copy, t.base);
  t.spill = std::move(copy);
  t.sealed = false;
}

void Recorder::close() {
  if (speech_state_ != SpeechState::live) return;
  // Both tracks are as long as the recording (the shorter one ends in silence), as measured.
  const std::int64_t frames = std::max(user_.size(), agent_.size());
  // A track that has spilled is completed in its file, which recordings then map as it is: the
  // end of many calls at once costs no copy of their audio.
  for (Track* t : {&user_, &agent_}) {
    if (!t->spill) continue;
    t->spill->write(t->base, t->window);
    t->spill->resize(frames);
    t->sealed = true;
    t->sealed_frames = frames;
  }
  const std::vector<std::int16_t> silence(static_cast<std::size_t>(kRate), 0);
  for (Track* t : {&user_, &agent_}) {
    find_speech(*t, t->window);
    for (std::int64_t left = frames - t->size(); left > 0;) {
      const auto n = static_cast<std::size_t>(
          std::min<std::int64_t>(left, static_cast<std::int64_t>(silence.size())));
      find_speech(*t, std::span(silence).first(n));
      left -= static_cast<std::int64_t>(n);
    }
    if (t->speech) t->speech_found = t->speech->finish();
    t->speech.reset();
  }
  speech_state_ = SpeechState::closed;
}

std::int64_t Recorder::place(Track& t, Speaker who, const audio::AudioChunk& chunk,
                             std::int64_t at) {
  changed_after_close();
  const std::int64_t gap = std::max<std::int64_t>(0, at - t.playout.end());
  const std::int64_t start = t.playout.play(static_cast<std::int64_t>(chunk.samples.size()), at);
  if (t.new_segment || t.segments.empty() || gap > kSegmentGapSamples) {
    t.segments.push_back({who, to_seconds(start), to_seconds(start), "", false});
    t.new_segment = false;
  }
  const auto end = start + static_cast<std::int64_t>(chunk.samples.size());
  if (t.size() < end) t.window.resize(static_cast<std::size_t>(end - t.base), 0);
  std::copy(chunk.samples.begin(), chunk.samples.end(), t.window.begin() + (start - t.base));
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
  spill_old(user_, std::nullopt);
}

std::chrono::nanoseconds Recorder::agent_audio(const audio::AudioChunk& chunk,
                                               std::optional<std::chrono::nanoseconds> arrived_at) {
  const auto start =
      place(agent_, Speaker::agent, chunk, to_sample(arrived_at.value_or(clock_->now())));
  spill_old(agent_, agent_hold_);
  return std::chrono::nanoseconds(start * 1'000'000'000LL / kRate);
}

std::chrono::nanoseconds Recorder::cut_agent(std::optional<std::chrono::nanoseconds> at) {
  // What has left memory was heard long ago: a cut cannot reach it.
  const std::int64_t cut = std::max(agent_.base, to_sample(at.value_or(clock_->now())));
  const std::int64_t dropped = agent_.playout.clear(cut).dropped;
  if (dropped > 0) changed_after_close();
  if (dropped > 0) agent_.window.resize(static_cast<std::size_t>(cut - agent_.base));
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
  return std::chrono::nanoseconds(agent_.playout.end() * 1'000'000'000LL / kRate);
}

double Recorder::duration_seconds() const {
  return to_seconds(std::max(user_.size(), agent_.size()));
}

std::int64_t Recorder::agent_sample_count() const noexcept {
  return agent_.size();
}

std::span<const std::int16_t> Recorder::agent_samples_from(std::int64_t from) const {
  if (from < agent_.base) {
    throw std::logic_error("agent samples before " + std::to_string(agent_.base) +
                           " have left memory (hold them with keep_agent_from)");
  }
  const auto offset = static_cast<std::size_t>(std::min(from, agent_.size()) - agent_.base);
  return std::span<const std::int16_t>(agent_.window).subspan(offset);
}

SampleTrack Recorder::snapshot(const Track& t, std::int64_t frames) const {
  if (!t.spill && user_.base == 0 && agent_.base == 0) {
    std::vector<std::int16_t> samples(t.window);
    samples.resize(static_cast<std::size_t>(frames), 0);
    return SampleTrack(std::move(samples));
  }
  if (t.sealed && t.sealed_frames == frames)
    return SampleTrack::map_file(t.spill->fd(), static_cast<std::size_t>(frames));
  // A copy of the spilled part plus the window in a fresh file: the recorder's own spill file
  // keeps changing while the call goes on, the snapshot must not.
  detail::SpillFile copy(options_.spill_directory);
  if (t.spill) copy_samples(*t.spill, copy, t.base);  // a track that never spilled has none
  copy.write(t.base, t.window);
  copy.resize(frames);
  return SampleTrack::map_file(copy.fd(), static_cast<std::size_t>(frames));
}

VoiceRecording Recorder::recording() const {
  VoiceRecording r;
  r.sample_rate = kRate;
  const std::int64_t frames = std::max(user_.size(), agent_.size());
  r.user = snapshot(user_, frames);
  r.agent = snapshot(agent_, frames);
  r.segments = segments();
  r.events = events();
  if (speech_state_ == SpeechState::closed)
    r.speech = RecordedSpeech{.user = user_.speech_found, .agent = agent_.speech_found};
  return r;
}

std::vector<VoiceEvent> Recorder::events() const {
  std::vector<VoiceEvent> sorted = events_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const VoiceEvent& a, const VoiceEvent& b) { return a.time < b.time; });
  return sorted;
}

std::vector<Segment> Recorder::segments() const {
  std::vector<Segment> all = user_.segments;
  all.insert(all.end(), agent_.segments.begin(), agent_.segments.end());
  std::stable_sort(all.begin(), all.end(),
                   [](const Segment& a, const Segment& b) { return a.start < b.start; });
  return all;
}

}  // namespace scenario
