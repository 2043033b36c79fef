// The Pipecat adapter against the reference IVR bot and against misbehaving bots, over real
// WebSockets on loopback, in real time.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include "ivr_bot.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/net/websocket.hpp"
#include "scenario/scenario.hpp"
#include "scenario/twilio/media_streams.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
using adapters::PipecatAgentAdapter;
using adapters::PipecatOptions;

std::size_t count_events(const ScenarioResult& r, const std::string& type) {
  return static_cast<std::size_t>(std::count_if(
      r.timeline.begin(), r.timeline.end(), [&](const VoiceEvent& e) { return e.type == type; }));
}

// A bot that talks on `start` and is slow to answer the caller's close: after `stop` it keeps its
// connection's strand busy for `close_delay`, so the closing handshake of a call is still in flight
// while the next call is connected and running.
class SlowClosingBot {
 public:
  explicit SlowClosingBot(std::chrono::milliseconds close_delay)
      : close_delay_(close_delay),
        speech_(audio::resample(synthesize("Hello, you are through.", "espeak/en-us").samples,
                                24000, 8000)),
        server_(loop_, {}, [this](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
          const int n = ++connections_;
          std::weak_ptr<net::WsConnection> weak = c;
          c->start({.on_message =
                        [this, weak, n](std::string data, bool) {
                          if (auto self = weak.lock()) on_message(self, data, n);
                        },
                    .on_close =
                        [this, n](const net::WsClose&) {
                          std::lock_guard lock(mutex_);
                          closed_at_[n] = std::chrono::steady_clock::now();
                        }});
        }) {}

  std::string url() const { return server_.ws_url("/ws"); }
  /// When connection n (from 1) started its call, and when its close completed.
  std::optional<std::chrono::steady_clock::time_point> started(int n) const {
    std::lock_guard lock(mutex_);
    const auto it = started_at_.find(n);
    return it == started_at_.end() ? std::nullopt : std::optional(it->second);
  }
  std::optional<std::chrono::steady_clock::time_point> closed(int n) const {
    std::lock_guard lock(mutex_);
    const auto it = closed_at_.find(n);
    return it == closed_at_.end() ? std::nullopt : std::optional(it->second);
  }

 private:
  void on_message(const std::shared_ptr<net::WsConnection>& c, const std::string& data, int n) {
    const auto m = twilio::parse(data);
    if (m.event == twilio::Event::stop) {
      std::this_thread::sleep_for(close_delay_);  // the close frame waits behind this
      return;
    }
    if (m.event != twilio::Event::start) return;
    {
      std::lock_guard lock(mutex_);
      started_at_[n] = std::chrono::steady_clock::now();
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t k = 0; k * 160 < speech_.size(); ++k) {
      c->run_at(t0 + k * 20ms, [this, c, k, sid = m.stream_sid] {
        std::vector<std::int16_t> pcm(160, 0);
        for (std::size_t i = 0; i < 160 && k * 160 + i < speech_.size(); ++i)
          pcm[i] = speech_[k * 160 + i];
        std::vector<std::uint8_t> mulaw(160);
        audio::mulaw_encode(pcm, mulaw);
        c->send(twilio::build_outbound_media(sid, mulaw));
      });
    }
  }

  std::chrono::milliseconds close_delay_;
  std::vector<std::int16_t> speech_;
  net::EventLoop loop_{{.threads = 2}};
  mutable std::mutex mutex_;
  std::map<int, std::chrono::steady_clock::time_point> started_at_, closed_at_;
  std::atomic<int> connections_{0};
  net::Server server_;
};

TEST(PipecatAdapter, ASecondRunIsUndisturbedByTheFirstConnectionsCloseStillInFlight) {
  // The first connection's close completes in the middle of the second call. Its late on_close
  // must not touch the second call (it once stopped the adapter-wide pacing and reported a
  // hang-up); the adapter keeps such state per connection.
  SlowClosingBot bot(1500ms);
  net::EventLoop loop({.threads = 1});
  auto adapter = std::make_shared<PipecatAgentAdapter>(
      PipecatOptions{.url = bot.url(), .turn = {.hangover = 500ms}, .loop = &loop});
  const auto first = run(
      {.name = "first", .description = "d", .agents = {adapter}, .script = {agent(), succeed()}});
  ASSERT_TRUE(first.success) << first.reasoning;
  const auto second = run({.name = "second",
                           .description = "d",
                           .agents = {adapter},
                           .script = {agent(), sleep(1.5), succeed()}});
  ASSERT_TRUE(second.success) << second.reasoning;
  EXPECT_EQ(count_events(second, "agent_hung_up"), 0u);
  EXPECT_FALSE(second.recording.agent.empty());
  // The premise: the first close really landed while the second call was under way.
  const auto second_started = bot.started(2);
  ASSERT_TRUE(second_started.has_value());
  for (int i = 0; i < 300 && !bot.closed(1); ++i) std::this_thread::sleep_for(10ms);
  const auto first_closed = bot.closed(1);
  ASSERT_TRUE(first_closed.has_value());
  EXPECT_GT(*first_closed, *second_started) << "the first close was not in flight";
  // The second call's caller line kept streaming (silence frames) after that late close.
  const auto stats = adapter->stats();
  EXPECT_EQ(stats.malformed, 0u) << stats.last_error;
}

TEST(PipecatAdapter, TheBotKeepsEndedCallsAsLogsOnlyAndABoundedHistory) {
  // A bot that takes calls for days must not keep every call it ever had (the soak found RSS
  // growing by a call's buffers per call): ended calls leave their logs, the last few only.
  net::EventLoop loop({.threads = 1});
  examples::IvrBot bot(loop, {.call_history = 2});
  const std::vector<std::string> sids = {"CA00000000000000000000000000000001",
                                         "CA00000000000000000000000000000002",
                                         "CA00000000000000000000000000000003"};
  for (const auto& sid : sids) {
    auto ivr = std::make_shared<PipecatAgentAdapter>(
        PipecatOptions{.url = bot.url(), .call_sid = sid, .loop = &loop});
    const auto r = run({.name = "short call",
                        .description = "d",
                        .agents = {ivr},
                        .script = {sleep(0.2), succeed()}});
    ASSERT_TRUE(r.success) << r.reasoning;
    // The bot ends the call when the close reaches it: on a loaded machine (ASan, stress) that
    // took over 2 s once. A wait for a condition, not a speed bound.
    for (int i = 0; i < 3000 && bot.active_calls() > 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_EQ(bot.active_calls(), 0u) << "the bot did not see the call end within 30 s";
  }
  const auto calls = bot.calls();
  ASSERT_EQ(calls.size(), 2u) << "the oldest ended call was dropped";
  EXPECT_EQ(calls[0].call_sid, sids[1]);
  EXPECT_EQ(calls[1].call_sid, sids[2]);
  for (const auto& c : calls) EXPECT_TRUE(c.closed);
  EXPECT_EQ(bot.active_calls(), 0u);
}

TEST(PipecatAdapter, DtmfMenuBargeInClearMarksAndTheBotHangingUp) {
  // Real-time I/O threads, as a deployment would run them (where permitted): the pacing asserted
  // below must not depend on what else ctest runs beside this test.
  net::EventLoop loop({.threads = 1, .realtime_priority = 10});
  examples::IvrBot bot(loop, {.response_delay = 250ms, .reaction_time = 100ms});
  auto ivr = std::make_shared<PipecatAgentAdapter>(
      PipecatOptions{.url = bot.url(),
                     .custom_parameters = {{"caller", "+15550001111"}},
                     .call_sid = "CA0123456789abcdef0123456789abcdef",
                     .turn = {.hangover = 700ms},
                     .loop = &loop});
  EXPECT_TRUE(ivr->capabilities().dtmf);
  EXPECT_FALSE(ivr->capabilities().native_interruption) << "a client clear is ignored by Pipecat";
  const auto r =
      run({.name = "ivr",
           .description = "d",
           .agents = {ivr},
           .script = {agent(), dtmf("1"), interrupt("Wait, what was that?", {.after_seconds = 1.0}),
                      // The goodbye ends with its speech; the hang-up follows by a moment, later
                      // on a loaded machine. sleep() waits for it, and no longer.
                      agent(), dtmf("9"), agent(), sleep(30.0), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto calls = bot.calls();
  ASSERT_EQ(calls.size(), 1u);
  const auto& call = calls[0];
  // connected then start reached the bot, with the custom parameters and SIDs.
  EXPECT_EQ(call.call_sid, "CA0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(twilio::is_sid(call.stream_sid, "MZ"));
  EXPECT_EQ(call.custom_parameters.at("caller"), "+15550001111");
  EXPECT_EQ(call.digits, "19") << "dtmf events reached the bot's menu";
  EXPECT_EQ(call.barge_ins, 1);
  EXPECT_EQ(call.malformed, 0u) << call.last_error;
  EXPECT_TRUE(call.hung_up);
  const std::vector<std::string> prompts{"greeting", "billing", "speech", "goodbye"};
  EXPECT_EQ(call.prompts, prompts);
  // The bot's clear became agent_stopped; the agent was cut where it stopped being heard.
  const auto stats = ivr->stats();
  EXPECT_EQ(stats.clears, 1u);
  EXPECT_EQ(count_events(r, "agent_stopped"), 1u);
  ASSERT_EQ(r.latency.interrupt_response_times.size(), 1u);
  EXPECT_GT(r.latency.interrupt_response_times[0], 0.10);
  EXPECT_LT(r.latency.interrupt_response_times[0], 0.40);
  // Marks: echoed once their audio had played (greeting, menu:billing, speech, goodbye); the
  // bot counted the echoes.
  EXPECT_GE(stats.marks_echoed, 4u);
  EXPECT_GE(call.mark_echoes, 3);
  ASSERT_EQ(count_events(r, "agent_hung_up"), 1u);
  const double hung_up_at = std::find_if(r.timeline.begin(), r.timeline.end(), [](const auto& e) {
                              return e.type == "agent_hung_up";
                            })->time;
  // The 30 s sleep ended at the hang-up (10 s of slack for a loaded machine, not 30).
  EXPECT_LT(r.recording.duration_seconds(), hung_up_at + 10.0);
  // The line never went quiet: one 20 ms frame per slot, silence while the caller was quiet.
  EXPECT_GT(stats.silence_frames, 100u);
  const double seconds = r.recording.duration_seconds();
  EXPECT_NEAR(static_cast<double>(call.media_frames), seconds * 50, seconds * 50 * 0.05);
  // Every caller frame of the whole call was exactly 20 ms (160 μ-law bytes), as a strict peer
  // requires: the first frame after silence too.
  EXPECT_EQ(call.odd_sized_frames, 0u) << "first odd frame: " << call.first_odd_frame_size;
  // Each agent turn's figures carry its number and what triggered it; the interrupt says which
  // turn it cut and when that turn started being heard.
  ASSERT_EQ(r.latency.turns.size(), 4u);
  EXPECT_EQ(r.latency.turns[0].trigger, "none") << "the greeting";
  EXPECT_EQ(r.latency.turns[1].trigger, "dtmf");
  EXPECT_EQ(r.latency.turns[2].trigger, "speech") << "the answer to the barge-in";
  EXPECT_EQ(r.latency.turns[3].trigger, "dtmf");
  for (int t = 0; t < 4; ++t) EXPECT_EQ(r.latency.turns[static_cast<std::size_t>(t)].turn, t + 1);
  EXPECT_TRUE(r.latency.turns[2].response_latency.has_value());
  EXPECT_FALSE(r.latency.turns[1].response_latency.has_value()) << "no speech to answer";
  EXPECT_TRUE(r.latency.turns[1].time_to_first_audio.has_value());
  ASSERT_EQ(r.latency.interrupts.size(), 1u);
  EXPECT_EQ(r.latency.interrupts[0].turn, 2);
  EXPECT_NEAR(r.latency.interrupts[0].agent_started_at, r.latency.turns[1].heard_at, 1e-9);
  EXPECT_EQ(r.latency.interrupts[0].outcome, "agent_stopped");
  ASSERT_TRUE(r.latency.interrupts[0].response_time.has_value());
  EXPECT_GT(*r.latency.interrupts[0].response_time, 0.0);
  // The design bound: a frame later than one frame period misses its slot (the receiver hears a
  // gap or a bunch). How much earlier than that frames leave depends on the machine, which a
  // test must not (the figures for a quiet machine are the load benchmark's).
  EXPECT_LT(stats.pacing.percentile_ms(99), 20.0);
}

TEST(PipecatAdapter, InBandTonesReachTheBotsGoertzelDetector) {
  net::EventLoop loop(1);
  examples::IvrBot bot(loop, {.response_delay = 250ms});
  auto ivr = std::make_shared<PipecatAgentAdapter>(PipecatOptions{.url = bot.url(), .loop = &loop});
  const auto r = run({.name = "in-band",
                      .description = "d",
                      .agents = {ivr},
                      .script = {agent(), dtmf("2", {.in_band = true}), agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto call = bot.calls().at(0);
  EXPECT_EQ(call.inband_digits, "2");
  EXPECT_EQ(call.prompts.at(1), "support");
  EXPECT_EQ(call.utterances, 1) << "the tone was heard as sound...";
  EXPECT_EQ(std::count(call.prompts.begin(), call.prompts.end(), "speech"), 0)
      << "...but not answered as speech";
}

// A bot that breaks the protocol, then hangs up in the middle of a sentence.
TEST(PipecatAdapter, MalformedFramesAreCountedAndAHangUpMidUtteranceEndsTheRunClearly) {
  std::mutex m;  // outlives the loop, whose threads use it
  std::vector<std::string> received;
  net::EventLoop loop(1);
  net::Server bad_bot(loop, {}, [&](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
    std::weak_ptr<net::WsConnection> weak = c;
    c->start({.on_message = [&, weak](std::string d, bool) {
      std::lock_guard l(m);
      received.push_back(d);
      if (received.size() != 2) return;  // after connected + start
      auto self = weak.lock();
      const std::string sid = nlohmann::json::parse(d)["streamSid"];
      self->send("{not json");
      self->send("binary", true);
      self->send(R"({"event":"start","start":{}})");
      const auto speech = synthesize(
          "This sentence is cut off in the middle because the bot "
          "hangs up",
          "espeak/en-us");
      const auto narrow = audio::resample(speech.samples, 24000, 8000);
      const auto bytes = std::make_shared<const std::vector<std::uint8_t>>(
          audio::encode_samples(audio::Encoding::mulaw, narrow));
      // 1.2 s of it, in real time, then the socket closes.
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t k = 0; k < 60; ++k) {
        self->run_at(t0 + k * 20ms, [self, sid, bytes, k] {
          self->send(twilio::build_outbound_media(
              sid, std::span<const std::uint8_t>(bytes->data() + k * 160, 160)));
        });
      }
      self->run_at(t0 + 1200ms, [self] { self->close(1011, "bot crashed"); });
    }});
  });
  auto ivr = std::make_shared<PipecatAgentAdapter>(
      PipecatOptions{.url = bad_bot.ws_url("/ws"), .loop = &loop});
  const auto r = run({.name = "hang-up",
                      .description = "d",
                      .agents = {ivr},
                      .script = {agent(), user("Hello?"), agent(), succeed()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("hung up"), std::string::npos) << r.reasoning;
  EXPECT_NE(r.reasoning.find("1011"), std::string::npos) << r.reasoning;
  EXPECT_EQ(ivr->stats().malformed, 3u);
  EXPECT_EQ(count_events(r, "transport_error"), 3u);
  EXPECT_EQ(count_events(r, "agent_hung_up"), 1u);
  // What was heard before the hang-up is kept: all 1.2 s the bot sent, on the agent's track
  // (where it starts depends on how fast the connection came up, which a busy machine slows). On
  // a busy machine frames also arrive late, and the dropouts the caller heard are inside the
  // segments: nothing may be missing, and nothing doubled.
  double agent_heard = 0;
  for (const auto& seg : r.recording.segments)
    if (seg.speaker == Speaker::agent) agent_heard += seg.end - seg.start;
  EXPECT_GE(agent_heard, 1.2 - 0.021) << "60 frames of 20 ms";
  EXPECT_LT(agent_heard, 1.6) << "60 frames of 20 ms, with the dropouts of late ones";
  EXPECT_FALSE(audio::detect_speech(r.recording.agent, 24000).empty());
  // What the bot received was Twilio-shaped: connected, start, then numbered media.
  std::lock_guard l(m);
  ASSERT_GE(received.size(), 10u);
  EXPECT_EQ(nlohmann::json::parse(received[0])["event"], "connected");
  EXPECT_EQ(nlohmann::json::parse(received[1])["event"], "start");
  for (std::size_t i = 2; i < 10; ++i) {
    const auto j = nlohmann::json::parse(received[i]);
    EXPECT_EQ(j["event"], "media");
    EXPECT_EQ(j["sequenceNumber"], std::to_string(i));
    EXPECT_EQ(j["media"]["chunk"], std::to_string(i - 1));
  }
}

// A bot that hangs up before its last words have played out on the caller's side: the mark after
// them is not echoed, not on the timeline, and counted as unheard at the close.
TEST(PipecatAdapter, AMarkStillAheadOfThePlayoutWhenTheBotHangsUpIsCountedUnheard) {
  net::EventLoop loop(1);
  net::Server bot(loop, {}, [&](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
    std::weak_ptr<net::WsConnection> weak = c;
    c->start({.on_message = [weak](std::string d, bool) {
      const auto m = twilio::parse(d);
      if (m.event != twilio::Event::start) return;
      auto self = weak.lock();
      // 1 s of speech at once, a mark after it, and the close straight away: the caller has
      // heard almost none of it when the close arrives.
      const auto speech =
          audio::resample(synthesize("One second of words.", "espeak/en-us").samples, 24000, 8000);
      const auto mulaw = audio::encode_samples(audio::Encoding::mulaw, speech);
      for (std::size_t k = 0; k + 160 <= std::min<std::size_t>(mulaw.size(), 8000); k += 160)
        self->send(twilio::build_outbound_media(
            m.stream_sid, std::span<const std::uint8_t>(mulaw.data() + k, 160)));
      self->send(twilio::build_mark(m.stream_sid, "last words"));
      self->close(1000, "goodbye");
    }});
  });
  auto ivr =
      std::make_shared<PipecatAgentAdapter>(PipecatOptions{.url = bot.ws_url("/ws"), .loop = &loop});
  const auto r = run({.name = "early hang-up",
                      .description = "d",
                      .agents = {ivr},
                      .script = {agent(), sleep(5.0), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(count_events(r, "agent_hung_up"), 1u);
  EXPECT_EQ(count_events(r, "mark"), 0u) << "the caller never heard the audio before the mark";
  EXPECT_EQ(ivr->stats().marks_unheard_at_close, 1u);
  EXPECT_EQ(ivr->stats().marks_echoed, 0u);
}

// Only the bot's hang-up cuts its last words short. When we close the connection (here because the
// bot broke the message size limit), a mark still ahead of the playout is not counted unheard.
TEST(PipecatAdapter, AMarkAheadOfThePlayoutWhenWeCloseIsNotCountedUnheard) {
  net::EventLoop loop(1);
  net::Server bot(loop, {}, [&](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
    std::weak_ptr<net::WsConnection> weak = c;
    c->start({.on_message = [weak](std::string d, bool) {
      const auto m = twilio::parse(d);
      if (m.event != twilio::Event::start) return;
      auto self = weak.lock();
      // 2 s of audio at once, a mark after it, then a message over the caller's 4 MiB limit.
      const std::vector<std::uint8_t> tone(16000, 0x55);
      for (std::size_t k = 0; k + 160 <= tone.size(); k += 160)
        self->send(twilio::build_outbound_media(
            m.stream_sid, std::span<const std::uint8_t>(tone.data() + k, 160)));
      self->send(twilio::build_mark(m.stream_sid, "later"));
      self->send(std::string(5u << 20, 'x'));
    }});
  });
  auto ivr =
      std::make_shared<PipecatAgentAdapter>(PipecatOptions{.url = bot.ws_url("/ws"), .loop = &loop});
  const auto r = run({.name = "we close",
                      .description = "d",
                      .agents = {ivr},
                      .script = {agent(), sleep(5.0), succeed()}});
  EXPECT_EQ(ivr->stats().media_received, 100u);
  const auto hang_up = std::find_if(r.timeline.begin(), r.timeline.end(),
                                    [](const auto& e) { return e.type == "agent_hung_up"; });
  ASSERT_NE(hang_up, r.timeline.end());
  EXPECT_NE(hang_up->metadata["reason"].get<std::string>().find("closed by us with code 1009"),
            std::string::npos)
      << hang_up->metadata.dump();
  EXPECT_EQ(ivr->stats().marks_unheard_at_close, 0u);
  EXPECT_EQ(ivr->stats().marks_echoed, 0u);
}

TEST(PipecatAdapter, DigitsTwilioCannotCarryAreRefused) {
  net::EventLoop loop(1);
  examples::IvrBot bot(loop, {.greet = false});
  PipecatAgentAdapter ivr(PipecatOptions{.url = bot.url(), .loop = &loop});
  ivr.connect(std::make_shared<RealClock>());
  try {
    ivr.send_dtmf("1A");
    FAIL() << "'A' has no Twilio dtmf event";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'A'"), std::string::npos) << e.what();
  }
  ivr.disconnect();
  ivr.disconnect();  // idempotent
  // The same adapter serves a second run: a new call, its own stream.
  ivr.connect(std::make_shared<RealClock>());
  ivr.send_dtmf("5");
  std::this_thread::sleep_for(200ms);
  ivr.disconnect();
  std::this_thread::sleep_for(200ms);
  const auto calls = bot.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_TRUE(calls[0].digits.empty()) << "nothing of a refused sequence is sent";
  EXPECT_EQ(calls[1].digits, "5");
  EXPECT_NE(calls[0].stream_sid, calls[1].stream_sid);
  EXPECT_TRUE(calls[0].closed && calls[1].closed);
}

TEST(PipecatAdapter, NeedsTheRealClockAndAReachableBot) {
  auto ivr = std::make_shared<PipecatAgentAdapter>(PipecatOptions{.url = "ws://127.0.0.1:1/"});
  EXPECT_THROW(ivr->connect(std::make_shared<VirtualClock>()), std::logic_error);
  const auto r =
      run({.name = "unreachable", .description = "d", .agents = {ivr}, .script = {agent()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("127.0.0.1"), std::string::npos) << r.reasoning;
}

// A run that fails before its call starts still leaves artifacts that say why: the manifest
// carries the verdict and the reason, not `success: null` and an empty reasoning.
TEST(PipecatAdapter, ARunThatCannotConnectWritesItsVerdictAndReasonIntoTheManifest) {
  std::string url;
  {
    net::EventLoop loop(1);
    examples::IvrBot bot(loop, {});
    url = bot.url();  // a port that was just free, and is closed again below
  }
  auto ivr =
      std::make_shared<PipecatAgentAdapter>(PipecatOptions{.url = url, .connect_timeout = 2s});
  const auto r = run({.name = "unreachable bot",
                      .description = "d",
                      .agents = {ivr},
                      .script = {agent(), succeed()}});
  ASSERT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("could not start"), std::string::npos) << r.reasoning;
  const auto dir = std::filesystem::path(testing::TempDir()) / "unreachable_bot";
  std::filesystem::remove_all(dir);
  const auto manifest = r.recording.save_segments(dir);
  EXPECT_EQ(manifest["success"], false);
  EXPECT_EQ(manifest["scenario"], "unreachable bot");
  EXPECT_EQ(manifest["reasoning"], r.reasoning);
}

}  // namespace
}  // namespace scenario
