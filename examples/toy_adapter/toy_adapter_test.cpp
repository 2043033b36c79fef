// The toy adapter (a user's own protocol, built from the public adapter kit only) running real
// scenarios against its bot over WebSockets on loopback, in real time.
#include <gtest/gtest.h>

#include <algorithm>

#include "scenario/scenario.hpp"
#include "toy_adapter.hpp"
#include "toy_bot.hpp"
#include "toy_protocol.hpp"

namespace toy {
namespace {

using namespace std::chrono_literals;
using namespace scenario;

std::vector<VoiceEvent> events_of(const ScenarioResult& r, const std::string& type) {
  std::vector<VoiceEvent> out;
  for (const auto& e : r.timeline)
    if (e.type == type) out.push_back(e);
  return out;
}

TEST(ToyAdapter, ATwoTurnCallCommitsEachTurnAndHearsTheRepliesWithTranscripts) {
  net::EventLoop loop({.threads = 1});
  ToyBot bot(loop, {.replies = {"Hello from the toy bot.", "Goodbye now."}});
  auto adapter = std::make_shared<ToyAdapter>(ToyAdapterOptions{.url = bot.url(), .loop = &loop});
  const auto r =
      run({.name = "toy call",
           .description = "two turns with the toy bot",
           .agents = {adapter},
           .script = {user("Hi there."), agent(), user("Thanks, bye."), agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  ASSERT_EQ(r.messages.size(), 4u);
  EXPECT_EQ(r.messages[1].text(), "Hello from the toy bot.");
  EXPECT_EQ(r.messages[3].text(), "Goodbye now.");
  const auto log = bot.log();
  EXPECT_EQ(log.commits, 2) << "the bot has no VAD: each turn was committed";
  EXPECT_GT(log.audio_frames, 50u);
  EXPECT_EQ(log.odd_sized_frames, 0u) << "every caller frame is exactly 20 ms at 16 kHz";
  // Each reply ended by the transport's `done`, and its latency measured from the audio.
  for (const auto& e : events_of(r, "agent_stop_speaking"))
    EXPECT_EQ(e.metadata["ended_by"], "transport");
  ASSERT_EQ(r.latency.response_latencies.size(), 2u);
  for (const double l : r.latency.response_latencies) {
    EXPECT_GT(l, 0.15) << "the bot thinks for 200 ms";
    EXPECT_LT(l, 2.0);
  }
}

TEST(ToyAdapter, AnInterruptTellsTheBotHowMuchOfTheReplyWasHeard) {
  net::EventLoop loop({.threads = 1});
  ToyBot bot(loop, {.replies = {"Once upon a time there was a very long story that went on and on "
                                "and on, and nobody could stop it."}});
  auto adapter = std::make_shared<ToyAdapter>(ToyAdapterOptions{.url = bot.url(), .loop = &loop});
  const auto r = run({.name = "toy interrupt",
                      .description = "d",
                      .agents = {adapter},
                      .script = {user("Tell me a story."),
                                 interrupt("Stop.", {.after_seconds = 1.0}), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto log = bot.log();
  ASSERT_EQ(log.interrupts_heard_ms.size(), 1u);
  // What the bot was told: from when the reply started being heard to the interrupt, as the
  // timeline shows (the interrupt comes at least the 1.0 s asked for after the start; how much
  // later depends on the machine), less any of that stretch whose audio had not arrived yet (a
  // bot lagging by up to 5 frames on a loaded machine).
  const auto interrupts = events_of(r, "user_interrupt");
  ASSERT_EQ(interrupts.size(), 1u);
  const auto started = events_of(r, "agent_start_speaking");
  ASSERT_EQ(started.size(), 1u);
  const double heard_ms = (interrupts[0].time - started[0].time) * 1000;
  EXPECT_LE(static_cast<double>(log.interrupts_heard_ms[0]), heard_ms + 1.0);
  EXPECT_GE(static_cast<double>(log.interrupts_heard_ms[0]), std::max(900.0, heard_ms - 100.0));
  EXPECT_EQ(interrupts[0].metadata["native"], true);
  EXPECT_EQ(interrupts[0].metadata["outcome"], "agent_stopped");
}

TEST(ToyAdapter, AMalformedMessageFromTheBotIsRecordedAndTheCallGoesOn) {
  net::EventLoop loop({.threads = 1});
  ToyBot bot(loop, {.replies = {"Still here."}, .garble_first_reply = true});
  auto adapter = std::make_shared<ToyAdapter>(ToyAdapterOptions{.url = bot.url(), .loop = &loop});
  const auto r = run({.name = "toy garbled",
                      .description = "d",
                      .agents = {adapter},
                      .script = {user("Hello?"), agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto errors = events_of(r, "transport_error");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].metadata["adapter"], "toy");
  EXPECT_NE(errors[0].metadata["error"].get<std::string>().find("toy: bad audio"),
            std::string::npos)
      << errors[0].metadata.dump();
  EXPECT_EQ(r.messages.back().text(), "Still here.");
}

TEST(ToyProtocol, BadInputIsRefusedWithTheReason) {
  EXPECT_THROW(decode("not json"), ProtocolError);
  EXPECT_THROW(decode(R"({"type":"nope"})"), ProtocolError);
  EXPECT_THROW(decode(R"({"type":"audio","pcm":"***"})"), ProtocolError);   // not base64
  EXPECT_THROW(decode(R"({"type":"audio","pcm":"AAAA"})"), ProtocolError);  // 3 bytes: odd PCM
  EXPECT_THROW(decode(R"({"type":"interrupt","heard_ms":"12"})"), ProtocolError);
  // Wrong field types are protocol errors too, not the JSON library's exceptions (found by
  // fuzz_toy_protocol's first design review).
  EXPECT_THROW(decode(R"({"type":"error","message":"x","fatal":"yes"})"), ProtocolError);
  EXPECT_THROW(decode(R"({"type":"done","reply":7})"), ProtocolError);
  const auto m = decode(encode(Interrupt{.heard_ms = 1234}));
  ASSERT_TRUE(std::holds_alternative<Interrupt>(m));
  EXPECT_EQ(std::get<Interrupt>(m).heard_ms, 1234);
  const auto a = decode(encode(Audio{.pcm = {1, -2, 3}, .reply = "r9"}));
  EXPECT_EQ(std::get<Audio>(a).pcm, (std::vector<std::int16_t>{1, -2, 3}));
  EXPECT_EQ(std::get<Audio>(a).reply, "r9");
}

}  // namespace
}  // namespace toy
