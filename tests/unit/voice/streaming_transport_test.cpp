// The StreamingTransport of an adapter: a call's number keeps what an earlier connection still
// delivers out of the next call, malformed messages are counted and on the timeline, the uplink is
// built from the declared input format, a commit leaves behind the caller's last frame, and the
// figures add up over calls.
#include <gtest/gtest.h>

#include "scenario/voice/streaming_transport.hpp"
#include "support/manual_strand.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;

const audio::AudioFormat kNarrow{audio::Encoding::mulaw, 8000, 1};

std::vector<std::int16_t> frame(std::int16_t level) {
  return std::vector<std::int16_t>(480, level);
}

TEST(StreamingTransport, WhatAnEarlierCallStillDeliversIsDroppedFromTheNext) {
  StreamingTransport t({.idle = IdleUplink::silence, .name = "test"});
  auto clock = std::make_shared<RealClock>();
  const auto first = t.begin(clock, kNarrow);
  t.push(first, transport::Note{.type = "first"});
  const auto second = t.begin(clock, kNarrow);
  EXPECT_NE(first, second);
  EXPECT_EQ(t.current(), second);
  // The first call's late close, after the second has begun: nowhere to be seen.
  t.push(first, transport::HangUp{.reason = "late close of the first call"});
  t.push(second, transport::Note{.type = "second"});
  const auto e = t.receive(clock->now() + 100ms);
  ASSERT_TRUE(e.has_value());
  ASSERT_TRUE(e->is<transport::Note>());
  EXPECT_EQ(e->get_if<transport::Note>()->type, "second");
  EXPECT_FALSE(t.receive(clock->now() + 20ms).has_value());
}

TEST(StreamingTransport, MalformedMessagesAreCountedAndRecoverable) {
  StreamingTransport t({.idle = IdleUplink::silence, .name = "test"});
  auto clock = std::make_shared<RealClock>();
  const auto call = t.begin(clock, kNarrow);
  t.malformed(call, "bad frame 1");
  t.malformed(call, "bad frame 2");
  for (const char* what : {"bad frame 1", "bad frame 2"}) {
    const auto e = t.receive(clock->now() + 100ms);
    ASSERT_TRUE(e && e->is<transport::Error>());
    EXPECT_EQ(e->get_if<transport::Error>()->severity, transport::Severity::recoverable);
    EXPECT_EQ(e->get_if<transport::Error>()->message, what);
  }
  EXPECT_EQ(t.stats().malformed, 2u);
  EXPECT_EQ(t.stats().last_error, "bad frame 2");
}

TEST(StreamingTransport, TheUplinkIsBuiltFromTheDeclaredInputFormat) {
  StreamingTransport t({.idle = IdleUplink::nothing, .name = "test"});
  auto clock = std::make_shared<RealClock>();
  EXPECT_THROW(t.send_audio(frame(1000)), std::logic_error) << "before any call";
  EXPECT_THROW(t.begin(clock, {audio::Encoding::pcm16, 16000, 2}), std::invalid_argument);
  EXPECT_THROW(t.begin(clock, {audio::Encoding::pcm16, 16001, 1}), std::invalid_argument);

  auto strand = std::make_shared<test::ManualStrand>();
  std::vector<std::size_t> sizes;
  std::vector<std::string> order;
  t.begin(clock, {audio::Encoding::pcm16, 16000, 1});
  t.start_uplink(strand, [&](std::span<const std::int16_t> pcm, std::chrono::nanoseconds) {
    sizes.push_back(pcm.size());
    order.push_back("frame");
  });
  t.send_audio(frame(4000));
  t.send_audio(frame(4000));
  t.end_of_audio();
  t.after_uplink([&] { order.push_back("commit"); });
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(strand->slot());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{320, 320, 320})) << "20 ms at 16 kHz, and the tail";
  EXPECT_EQ(order, (std::vector<std::string>{"frame", "frame", "frame", "commit"}));
  EXPECT_GT(t.uplink_delay(), 0ns);
  // Each caller frame (not the tail) as it left, in order.
  int sent = 0;
  while (auto e = t.receive(clock->now() + 10ms))
    if (const auto* u = e->get_if<transport::UplinkSent>(); u != nullptr && !u->tail) ++sent;
  EXPECT_EQ(sent, 2);

  // A second call adds to the figures; the first call's pacer has stopped.
  t.begin(clock, kNarrow);
  EXPECT_FALSE(strand->slot());
  auto second = std::make_shared<test::ManualStrand>();
  t.start_uplink(second, [&](std::span<const std::int16_t> pcm, std::chrono::nanoseconds) {
    sizes.push_back(pcm.size());
  });
  t.send_audio(frame(4000));
  ASSERT_TRUE(second->slot());
  EXPECT_EQ(sizes.back(), 160u);
  EXPECT_EQ(t.stats().uplink.caller_frames, 4u);
}

}  // namespace
}  // namespace scenario
