// The caller's side of a Twilio-shaped call on a clock that wakes late: every frame that leaves is
// exactly one 20 ms μ-law frame (160 bytes), one per slot, and the recording places the caller's
// audio where it is in the stream the far end receives: a clock late every time delays the whole
// stream (the recorder used to place frames at their deadlines, so the bot heard the end of speech
// later than the recording showed), while one late frame that the pacer catches up on is jitter,
// which moves nothing (placing each frame where it left shifted the rest of the utterance).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

#include "scenario/adapters/pipecat.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/twilio/media_streams.hpp"
#include "scenario/voice/adapter.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;

/// Every wake-up it schedules comes `lateness` after the time asked for (timers of the network
/// code and sleeps alike); its readings of the time are true.
class LateWakingClock final : public RealClock {
 public:
  explicit LateWakingClock(std::chrono::nanoseconds lateness) : lateness_(lateness) {}
  std::chrono::steady_clock::time_point steady_time(
      std::chrono::nanoseconds t) const noexcept override {
    return RealClock::steady_time(t) +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(lateness_);
  }

 private:
  std::chrono::nanoseconds lateness_;
};

/// A bot that only listens: it keeps every message of the call with the run time it arrived.
class ListeningBot {
 public:
  struct Media {
    std::size_t bytes = 0;
    int peak = 0;  ///< of the decoded frame
    int last_loud = -1;  ///< the frame's last sample over 1000, or -1
    std::chrono::nanoseconds arrived{0};
    std::int64_t timestamp_ms = 0;  ///< the sender's: when it left, since the stream started
  };

  /// `stall`: once, on the `stall_at`-th loud frame, the bot holds the loop's only thread that
  /// long (the caller's pacer shares it: its next slots leave late, then it catches up).
  ListeningBot(net::EventLoop& loop, std::shared_ptr<Clock> clock,
               std::chrono::milliseconds stall = {}, std::size_t stall_at = 0)
      : clock_(std::move(clock)),
        stall_(stall),
        stall_at_(stall_at),
        server_(loop, {}, [this](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
          c->start({.on_message = [this](std::string data, bool) { on_message(data); },
                    .on_close = {}});
        }) {}

  std::string url() const { return server_.ws_url("/ws"); }
  std::vector<Media> media() const {
    std::lock_guard lock(mutex_);
    return media_;
  }

 private:
  void on_message(const std::string& data) {
    const auto arrived = clock_->now();
    const auto m = twilio::parse(data);
    if (m.event != twilio::Event::media) return;
    std::vector<std::int16_t> pcm(m.payload.size());
    audio::mulaw_decode(m.payload, pcm);
    int peak = 0, last_loud = -1;
    for (std::size_t i = 0; i < pcm.size(); ++i) {
      peak = std::max(peak, std::abs(static_cast<int>(pcm[i])));
      if (std::abs(static_cast<int>(pcm[i])) > 1000) last_loud = static_cast<int>(i);
    }
    {
      std::lock_guard lock(mutex_);
      media_.push_back({m.payload.size(), peak, last_loud, arrived,
                        static_cast<std::int64_t>(m.timestamp_ms.value_or(0))});
    }
    if (peak > 4000 && ++loud_ == stall_at_) std::this_thread::sleep_for(stall_);
  }

  std::shared_ptr<Clock> clock_;
  const std::chrono::milliseconds stall_;
  const std::size_t stall_at_;
  std::size_t loud_ = 0;
  mutable std::mutex mutex_;
  std::vector<Media> media_;
  net::Server server_;
};

audio::AudioChunk tone(std::chrono::milliseconds length) {
  audio::AudioChunk chunk;
  const auto n = static_cast<std::size_t>(24 * length.count());
  chunk.samples.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    chunk.samples[i] = static_cast<std::int16_t>(8000 * std::sin(2 * M_PI * 1000.0 * i / 24000.0));
  return chunk;
}

double ms(std::chrono::nanoseconds t) {
  return std::chrono::duration<double, std::milli>(t).count();
}

TEST(UplinkPacing, EveryFrameOfAScriptedCallIsOneSlotAndRecordedWhereTheStreamIs) {
  constexpr auto kLate = 60ms;  // three frames: a schedule-placed recording is visibly off
  auto clock = std::make_shared<LateWakingClock>(kLate);
  net::EventLoop loop(1);
  ListeningBot bot(loop, clock);
  adapters::PipecatAgentAdapter adapter({.url = bot.url(), .loop = &loop});
  ASSERT_EQ(adapter.capabilities().uplink, UplinkPacing::transport);

  std::vector<Segment> user_segments;
  std::vector<VoiceEvent> events;
  std::chrono::nanoseconds on_wire{0};
  {
    VoiceSession session(adapter, clock);
    session.wait(200ms);
    session.speak(tone(400ms));
    // Well past the recorder's 300 ms segment gap, however late the last frame of the tone left.
    session.wait(800ms);
    session.speak(tone(300ms));
    session.wait(300ms);
    for (const auto& s : session.recorder().segments())
      if (s.speaker == Speaker::user) user_segments.push_back(s);
    events = session.events();
    on_wire = adapter.uplink_delay();
  }
  const auto media = bot.media();
  ASSERT_GT(media.size(), 50u);

  // Exactly 160 bytes each, and one frame per slot. On the sender's own stamps (media
  // timestamps, taken as each frame left) frame k leaves near t + 20·k: a frame spliced in beside
  // caller audio, or a slot skipped, shifts every later frame by 20 ms. Medians over each half
  // keep a loaded machine's jitter at either end out of it.
  for (const auto& m : media) ASSERT_EQ(m.bytes, 160u);
  auto median_offset = [&](std::size_t from, std::size_t to) {
    std::vector<std::int64_t> offsets;
    for (std::size_t k = from; k < to; ++k)
      offsets.push_back(media[k].timestamp_ms - 20 * static_cast<std::int64_t>(k));
    std::nth_element(offsets.begin(), offsets.begin() + offsets.size() / 2, offsets.end());
    return offsets[offsets.size() / 2];
  };
  const auto half = media.size() / 2;
  EXPECT_LT(std::abs(median_offset(half, media.size()) - median_offset(0, half)), 10)
      << "frames per slot drifted: one was added or skipped";

  // The two tones, as the bot received them: the first loud frame after a quiet one.
  std::vector<std::chrono::nanoseconds> onsets;
  for (std::size_t i = 0; i < media.size(); ++i)
    if (media[i].peak > 4000 && (i == 0 || media[i - 1].peak < 1000))
      onsets.push_back(media[i].arrived);
  ASSERT_EQ(onsets.size(), 2u);

  ASSERT_EQ(user_segments.size(), 2u);
  const std::vector<double> tone_starts = {user_segments.front().start,
                                           user_segments.back().start};
  for (std::size_t i = 0; i < 2; ++i) {
    // Where the recording says the tone left (its start less the converter's look-ahead) …
    const auto recorded_left = std::chrono::nanoseconds(
                                   static_cast<std::int64_t>(tone_starts[i] * 1e9)) -
                               on_wire;
    // … is when it did: before the bot had it (1 ms for rounding to samples) and not the slot's
    // deadline, 60 ms earlier (loopback delivery takes well under 40 ms even on a loaded machine).
    const auto gap = onsets[i] - recorded_left;
    EXPECT_GE(ms(gap), -1.0) << "tone " << i << " recorded after the bot received it";
    EXPECT_LT(ms(gap), 40.0) << "tone " << i << " recorded " << ms(gap)
                             << " ms before it reached the bot: placed on the schedule?";
  }

  // A clock that wakes 60 ms late is past the pacing bound: the run says so.
  const auto degraded = std::count_if(events.begin(), events.end(), [](const VoiceEvent& e) {
    return e.type == "measurement_degraded";
  });
  EXPECT_GE(degraded, 2);
}

TEST(UplinkPacing, OneLateFrameIsJitterAndMovesNothingInTheRecording) {
  // The loop's thread is held 45 ms by the bot in the middle of a 400 ms tone: a few frames leave
  // late, then the pacer catches up on its slots. The bot times the stream by its samples from
  // the earliest arrival, as a jitter buffer does; the recording must agree on where the tone
  // ends (placing frames where they left put it 45 ms later).
  constexpr auto kStall = 45ms;
  auto clock = std::make_shared<RealClock>();
  net::EventLoop loop(1);
  ListeningBot bot(loop, clock, kStall, 8);
  adapters::PipecatAgentAdapter adapter({.url = bot.url(), .loop = &loop});
  std::vector<Segment> user_segments;
  std::vector<VoiceEvent> events;
  {
    VoiceSession session(adapter, clock);
    session.wait(300ms);
    session.speak(tone(400ms));
    session.wait(300ms);
    for (const auto& s : session.recorder().segments())
      if (s.speaker == Speaker::user) user_segments.push_back(s);
    events = session.events();
  }
  const auto media = bot.media();
  ASSERT_EQ(user_segments.size(), 1u);
  EXPECT_NEAR(user_segments[0].end - user_segments[0].start, 0.4, 0.021)
      << "the late frames stretched the tone in the recording";
  // The bot's clock for the stream: frame k is due at the earliest (arrival - 20 ms·k).
  auto anchor = media.front().arrived;
  for (std::size_t k = 0; k < media.size(); ++k)
    anchor = std::min(anchor, media[k].arrived - static_cast<std::int64_t>(k) * 20ms);
  std::size_t last = 0;
  for (std::size_t k = 0; k < media.size(); ++k)
    if (media[k].last_loud >= 0) last = k;
  // (The recording places the caller's audio as the wire carries it, the converter's look-ahead
  // included.)
  const auto tone_end_at_bot = anchor + static_cast<std::int64_t>(last) * 20ms +
                               (media[last].last_loud + 1) * 125us;
  const auto tone_end_recorded =
      std::chrono::nanoseconds(static_cast<std::int64_t>(user_segments[0].end * 1e9));
  EXPECT_NEAR(ms(tone_end_recorded - tone_end_at_bot), 0.0, 2.0)
      << "the recording and the far end disagree on where the tone ended";
  const auto degraded = std::count_if(events.begin(), events.end(), [](const VoiceEvent& e) {
    return e.type == "measurement_degraded";
  });
  EXPECT_GE(degraded, 1) << "frames 45 ms late reached the bot late: the run owns up to it";
}

}  // namespace
}  // namespace scenario
