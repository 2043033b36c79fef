// The Twilio adapter through the fake Twilio (REST, signed webhooks, TwiML, a real-time media
// bridge) to the reference IVR bot on the far end of the "phone line", over loopback, in real time.
#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "fakes/twilio_fake.hpp"
#include "ivr_bot.hpp"
#include "scenario/adapters/twilio.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/scenario.hpp"
#include "scenario/twilio/media_streams.hpp"
#include "scenario/twilio/rest.hpp"
#include "scenario/twilio/signature.hpp"
#include "support/fixtures.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
using adapters::TwilioAgentAdapter;
using adapters::TwilioOptions;
using fakes::FakeTwilio;

constexpr const char* kAgentNumber = "+15550001111";
constexpr const char* kOurNumber = "+15550009999";

std::size_t count_events(const ScenarioResult& r, const std::string& type) {
  return static_cast<std::size_t>(std::count_if(
      r.timeline.begin(), r.timeline.end(), [&](const VoiceEvent& e) { return e.type == type; }));
}

twilio::RestOptions rest_of(const FakeTwilio& fake) {
  return {.account_sid = fake.options().account_sid,
          .auth_token = fake.options().auth_token,
          .base_url = fake.base_url()};
}

TwilioOptions place_call_options(const FakeTwilio& fake, net::EventLoop& loop) {
  return {.rest = rest_of(fake),
          .agent_number = kAgentNumber,
          .our_number = kOurNumber,
          .answer_timeout = 10s,
          .turn = {.hangover = 700ms},
          .loop = &loop};
}

TEST(TwilioAdapter, PlacesACallPressesKeysBargesInAndTheAgentHangsUp) {
  net::EventLoop loop(2);
  examples::IvrBot bot(loop, {.response_delay = 250ms, .reaction_time = 100ms});
  FakeTwilio fake(loop);
  fake.add_phone(kAgentNumber, bot.url());
  auto twilio = std::make_shared<TwilioAgentAdapter>(place_call_options(fake, loop));
  EXPECT_TRUE(twilio->capabilities().dtmf);
  EXPECT_FALSE(twilio->capabilities().native_interruption)
      << "Twilio's clear empties our own buffer; it does not stop the agent";
  const auto r =
      run({.name = "twilio call",
           .description = "d",
           .agents = {twilio},
           .script = {agent(), dtmf("1"), interrupt("Wait, what was that?", {.after_seconds = 1.0}),
                      agent(), dtmf("9"), agent(), sleep(30.0), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;

  // The call as Twilio saw it: placed by REST, answered, its TwiML fetched with a valid
  // signature, one stream per TwiML document, the keys played to the far end.
  ASSERT_TRUE(fake.wait_for_status(twilio->call_sid(), "completed", 5s));
  const auto call = fake.call(twilio->call_sid());
  EXPECT_EQ(call.direction, "outbound-api");
  EXPECT_EQ(call.from, kOurNumber);
  EXPECT_EQ(call.to, kAgentNumber);
  EXPECT_EQ(call.webhook_statuses, std::vector<int>{200});
  EXPECT_EQ(call.digits_played, "19");
  ASSERT_EQ(call.twiml.size(), 3u);
  EXPECT_NE(call.twiml[1].find(R"(<Play digits="1"/><Connect><Stream)"), std::string::npos)
      << call.twiml[1];
  EXPECT_EQ(call.stream_sids.size(), 3u) << "a fresh <Connect><Stream> after each key press";
  EXPECT_TRUE(call.far_end_hung_up);
  const std::vector<std::string> statuses{"queued", "initiated", "ringing", "in-progress",
                                          "completed"};
  EXPECT_EQ(call.statuses, statuses);
  EXPECT_GT(call.media_from_stream, 40u) << "the user's barge-in went out as outbound media";

  // The far end: the IVR bot decoded the played keys from its audio and heard the barge-in.
  const auto bot_calls = bot.calls();
  ASSERT_EQ(bot_calls.size(), 1u);
  EXPECT_EQ(bot_calls[0].inband_digits, "19");
  EXPECT_EQ(bot_calls[0].barge_ins, 1);
  const std::vector<std::string> prompts{"greeting", "billing", "speech", "goodbye"};
  EXPECT_EQ(bot_calls[0].prompts, prompts);

  // Our side: three streams taken, nothing rejected, the agent's audio heard and the hang-up seen.
  // The "completed" status callback is an HTTP request of its own, made after the fake marked the
  // call completed: on a busy machine it can still be on its way.
  for (int i = 0; i < 100 && twilio->stats().call_status != "completed"; ++i)
    std::this_thread::sleep_for(50ms);
  const auto stats = twilio->stats();
  EXPECT_EQ(stats.webhooks, 1u);
  EXPECT_EQ(stats.streams, 3u);
  EXPECT_EQ(stats.rejected_signatures + stats.rejected_streams + stats.malformed, 0u)
      << stats.last_error;
  EXPECT_EQ(stats.dtmf_sent, 2u);
  EXPECT_EQ(stats.call_status, "completed");
  EXPECT_EQ(count_events(r, "agent_hung_up"), 1u);
  EXPECT_EQ(count_events(r, "dtmf_sent"), 2u);
  ASSERT_EQ(r.latency.interrupt_response_times.size(), 1u);
  EXPECT_GT(r.latency.interrupt_response_times[0], 0.10);
  EXPECT_LT(r.latency.interrupt_response_times[0], 0.60);
  // The one spoken user turn (the barge-in) was answered after the bot's 250 ms delay.
  ASSERT_EQ(r.latency.response_latencies.size(), 1u);
  EXPECT_GT(r.latency.response_latencies[0], 0.25);
  EXPECT_FALSE(audio::detect_speech(r.recording.agent, 24000).empty());
}

TEST(TwilioAdapter, WaitsForTheAgentsCallRejectsStrangersAndRestoresTheVoiceUrl) {
  net::EventLoop loop(2);
  examples::IvrBot bot(loop, {.response_delay = 250ms});
  FakeTwilio fake(loop);
  const std::string stranger = "+15550002222";
  fake.add_phone(kAgentNumber, bot.url());
  fake.add_phone(stranger, bot.url());
  fake.add_number(kOurNumber, "https://old.example.com/voice");
  auto twilio =
      std::make_shared<TwilioAgentAdapter>(TwilioOptions{.mode = TwilioOptions::Mode::wait_for_call,
                                                         .rest = rest_of(fake),
                                                         .our_number = kOurNumber,
                                                         .allowed_callers = {kAgentNumber},
                                                         .answer_timeout = 15s,
                                                         .turn = {.hangover = 700ms},
                                                         .loop = &loop});
  // The "agent" calls once the number points at the adapter; a stranger tries first.
  std::string stranger_call, agent_call;
  std::thread caller([&] {
    const std::string webhook = twilio->local_url() + "/twilio/voice";
    for (int i = 0; i < 500 && fake.number(kOurNumber).voice_url != webhook; ++i)
      std::this_thread::sleep_for(10ms);
    stranger_call = fake.dial(stranger, kOurNumber);
    fake.wait_for_status(stranger_call, "busy", 5s);
    agent_call = fake.dial(kAgentNumber, kOurNumber);
  });
  const auto r =
      run({.name = "inbound",
           .description = "d",
           .agents = {twilio},
           .script = {agent(), user("I would like to talk about my bill."), agent(), succeed()}});
  caller.join();
  ASSERT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(fake.number(kOurNumber).voice_url, "https://old.example.com/voice")
      << "the number's voice URL is put back";
  const auto rejected = fake.call(stranger_call);
  EXPECT_TRUE(rejected.rejected);
  EXPECT_EQ(rejected.status, "busy");
  EXPECT_TRUE(rejected.stream_sids.empty()) << "no stream for a caller not allowed";
  ASSERT_TRUE(fake.wait_for_status(agent_call, "completed", 5s)) << "hung up at the end of the run";
  EXPECT_EQ(fake.call(agent_call).direction, "inbound");
  EXPECT_EQ(twilio->call_sid(), agent_call);
  const auto stats = twilio->stats();
  EXPECT_EQ(stats.rejected_callers, 1u);
  EXPECT_EQ(stats.streams, 1u);
  EXPECT_EQ(bot.calls().size(), 2u) << "the stranger's phone rang through to a rejection";
}

TEST(TwilioAdapter, WebhooksWithoutAValidSignatureGetNoStream) {
  net::EventLoop loop(2);
  examples::IvrBot bot(loop, {.greet = false});
  FakeTwilio fake(loop);
  fake.add_phone(kAgentNumber, bot.url());
  auto options = place_call_options(fake, loop);
  options.answer_timeout = 2s;
  TwilioAgentAdapter twilio(options);
  for (const auto signing : {fakes::Signing::missing, fakes::Signing::wrong}) {
    fake.set_signing(signing);
    try {
      twilio.connect(std::make_shared<RealClock>());
      FAIL() << "a call came up with a bad signature";
    } catch (const net::NetError& e) {
      EXPECT_NE(std::string(e.what()).find("no media stream within 2000 ms"), std::string::npos)
          << e.what();
    }
    const auto call = fake.call(twilio.call_sid());
    EXPECT_EQ(call.webhook_statuses, std::vector<int>{403});
    EXPECT_TRUE(call.stream_sids.empty());
  }
  const auto stats = twilio.stats();
  EXPECT_GE(stats.rejected_signatures, 2u);
  EXPECT_EQ(stats.streams, 0u);
  // With a valid signature the same adapter gets its call.
  fake.set_signing(fakes::Signing::valid);
  twilio.connect(std::make_shared<RealClock>());
  EXPECT_EQ(twilio.stats().streams, 1u);
  twilio.disconnect();
}

TEST(TwilioAdapter, AReplayedStreamNonceIsRefusedAndTheCallGoesOn) {
  net::EventLoop loop(2);
  examples::IvrBot bot(loop, {.response_delay = 250ms});
  FakeTwilio fake(loop);
  fake.add_phone(kAgentNumber, bot.url());
  TwilioAgentAdapter twilio(place_call_options(fake, loop));
  const auto clock = std::make_shared<RealClock>();
  twilio.connect(clock);
  EXPECT_EQ(fake.replay_last_stream(twilio.call_sid()), 1008);
  const auto stats = twilio.stats();
  EXPECT_EQ(stats.rejected_streams, 1u);
  EXPECT_EQ(stats.streams, 1u);
  // The real stream still carries the greeting (which the bot synthesizes first: on a busy
  // machine that alone can take seconds, so the wait is generous).
  std::size_t audio_frames = 0;
  const auto give_up = clock->now() + 15s;
  while (audio_frames < 50) {
    const auto e = twilio.receive(give_up);
    if (!e) break;
    if (e->is<transport::AgentAudio>()) ++audio_frames;
  }
  EXPECT_GE(audio_frames, 50u);
  twilio.disconnect();
  ASSERT_TRUE(fake.wait_for_status(twilio.call_sid(), "completed", 5s));
  // One stream, ended without an error: by our close (1000), or by the call's completion when
  // the REST hang-up reaches the fake first (0, no close frame) — disconnect() sends both, and a
  // busy machine decides the order.
  const auto codes = fake.call(twilio.call_sid()).stream_close_codes;
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_TRUE(codes[0] == 1000 || codes[0] == 0) << codes[0];
}

// A far end that presses keys (tones in its audio): Twilio reports them as dtmf events.
TEST(TwilioAdapter, KeysPressedByTheAgentArriveAsDtmfEventsAndOnTheCallback) {
  net::EventLoop loop(2);
  net::Server presser(loop, {}, [](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
    std::weak_ptr<net::WsConnection> weak = c;
    c->start({.on_message = [weak](std::string text, bool) {
      const auto m = twilio::parse(text);
      if (m.event != twilio::Event::start) return;
      auto self = weak.lock();
      auto pcm = audio::generate_dtmf("42", {.tone = 120ms, .gap = 120ms});
      pcm.insert(pcm.begin(), 4000, 0);
      auto bytes = std::make_shared<std::vector<std::uint8_t>>(pcm.size());
      audio::mulaw_encode(pcm, *bytes);
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t k = 0; k * 160 < bytes->size(); ++k) {
        self->run_at(t0 + k * 20ms, [self, bytes, k, sid = m.stream_sid] {
          const auto n = std::min<std::size_t>(160, bytes->size() - k * 160);
          self->send(twilio::build_outbound_media(
              sid, std::span<const std::uint8_t>(bytes->data() + k * 160, n)));
        });
      }
    }});
  });
  FakeTwilio fake(loop);
  fake.add_phone(kAgentNumber, presser.ws_url("/"));
  std::mutex m;
  std::string pressed;
  auto options = place_call_options(fake, loop);
  options.on_dtmf = [&](char d) {
    std::lock_guard lock(m);
    pressed += d;
  };
  TwilioAgentAdapter twilio(options);
  const auto clock = std::make_shared<RealClock>();
  twilio.connect(clock);
  std::string events;
  const auto deadline = clock->now() + 5s;
  while (events.size() < 2) {
    auto e = twilio.receive(deadline);
    if (!e) break;
    if (const auto* d = e->get_if<transport::Dtmf>()) events += d->digits;
  }
  twilio.disconnect();
  EXPECT_EQ(events, "42");
  std::lock_guard lock(m);
  EXPECT_EQ(pressed, "42");
  EXPECT_EQ(twilio.stats().dtmf_received, 2u);
}

TEST(TwilioAdapter, MalformedStreamsAndForgedUpgradesAreRefused) {
  net::EventLoop loop(1);
  FakeTwilio fake(loop);
  TwilioAgentAdapter twilio(place_call_options(fake, loop));
  const std::string media_url = "ws" + twilio.local_url().substr(4) + "/twilio/media";
  // A forged upgrade signature: 403 before any WebSocket.
  try {
    net::ws_connect(loop, media_url, {.headers = {{"X-Twilio-Signature", "Zm9yZ2Vk"}}});
    FAIL() << "forged upgrade accepted";
  } catch (const net::NetError& e) {
    EXPECT_NE(std::string(e.what()).find("403"), std::string::npos) << e.what();
  }
  // Garbage, then a start with a nonce that was never issued: counted, then closed with 1008.
  auto ws = net::ws_connect(loop, media_url);
  std::promise<int> closed;
  ws->start(
      {.on_message = {}, .on_close = [&](const net::WsClose& c) { closed.set_value(c.code); }});
  ws->send("{not json");
  ws->send("binary", true);
  ws->send(twilio::build_inbound_media("MZ0", 1, 1, 0, std::vector<std::uint8_t>(160, 0xFF)));
  twilio::StartInfo start{.stream_sid = "MZ0", .account_sid = "AC0", .call_sid = "CA0"};
  start.custom_parameters["scenario_nonce"] = "0123456789abcdef0123456789abcdef";
  ws->send(twilio::build_start(start, 2));
  auto code = closed.get_future();
  ASSERT_EQ(code.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(code.get(), 1008);
  const auto stats = twilio.stats();
  EXPECT_EQ(stats.malformed, 3u) << stats.last_error;
  EXPECT_EQ(stats.rejected_streams, 1u);
  EXPECT_EQ(stats.rejected_signatures, 1u);
  // Unsigned or unknown webhooks.
  auto http = http::make_curl_client();
  const auto unsigned_hook =
      http->send({.method = "POST",
                  .url = twilio.local_url() + "/twilio/voice",
                  .headers = {{"Content-Type", "application/x-www-form-urlencoded"}},
                  .body = "CallSid=CA0&From=%2B1"});
  EXPECT_EQ(unsigned_hook.status, 403);
  const auto bad_form = http->send(
      {.method = "POST", .url = twilio.local_url() + "/twilio/voice", .body = "CallSid=%zz"});
  EXPECT_EQ(bad_form.status, 400);
  EXPECT_NE(bad_form.body.find("percent-escape"), std::string::npos);
  EXPECT_EQ(http->send({.method = "GET", .url = twilio.local_url() + "/other"}).status, 404);

  // A properly signed webhook hands out a nonce; a stream that brings it with a streamSid that is
  // not a SID (it would go unescaped into every outbound frame) is still refused.
  const twilio::FormParams params{{"CallSid", "CA0"}, {"From", "+1"}};
  const std::string webhook = twilio.local_url() + "/twilio/voice";
  const auto signed_hook = http->send(
      {.method = "POST",
       .url = webhook,
       .headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                   {"X-Twilio-Signature",
                    twilio::compute_signature(fake.options().auth_token, webhook, params)}},
       .body = twilio::form_encode(params)});
  ASSERT_EQ(signed_hook.status, 200) << signed_hook.body;
  const std::string marker = R"(name="scenario_nonce" value=")";
  const auto at = signed_hook.body.find(marker);
  ASSERT_NE(at, std::string::npos) << signed_hook.body;
  start.custom_parameters["scenario_nonce"] = signed_hook.body.substr(at + marker.size(), 32);
  start.stream_sid = "MZ\"},\"event\":\"clear";
  auto forged = net::ws_connect(loop, media_url);
  std::promise<int> forged_closed;
  forged->start({.on_message = {},
                 .on_close = [&](const net::WsClose& c) { forged_closed.set_value(c.code); }});
  forged->send(twilio::build_start(start, 1));
  auto forged_code = forged_closed.get_future();
  ASSERT_EQ(forged_code.wait_for(3s), std::future_status::ready);
  EXPECT_EQ(forged_code.get(), 1008);
  EXPECT_EQ(twilio.stats().rejected_streams, 2u);
  EXPECT_EQ(twilio.stats().streams, 0u);
}

TEST(TwilioAdapter, RestErrorsAreSpecificAndNeverShowTheAuthToken) {
  net::EventLoop loop(1);
  FakeTwilio fake(loop);
  auto wrong = rest_of(fake);
  wrong.auth_token = "sekrit-token-that-must-not-leak";
  twilio::RestClient bad(wrong);
  try {
    bad.create_call({.to = kAgentNumber, .from = kOurNumber, .url = "https://x.test/v"});
    FAIL() << "wrong credentials accepted";
  } catch (const twilio::ApiError& e) {
    EXPECT_EQ(e.status(), 401);
    EXPECT_EQ(e.code(), 20003);
    const std::string what = e.what();
    EXPECT_EQ(what.find("sekrit"), std::string::npos) << what;
    EXPECT_NE(what.find("auth token"), std::string::npos) << what;
  }
  EXPECT_EQ(fake.unauthorized_requests(), 1u);
  twilio::RestClient good(rest_of(fake));
  try {
    good.hang_up("CA00000000000000000000000000000000");
    FAIL();
  } catch (const twilio::ApiError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.code(), 20404);
  }
  EXPECT_THROW(good.find_number("+15550000000"), twilio::ApiError);
  try {
    good.create_call({.to = kAgentNumber, .from = kOurNumber, .url = ""});
    FAIL();
  } catch (const twilio::ApiError& e) {
    EXPECT_EQ(e.code(), 21205);
  }
  // A call to a number nobody answers fails the connect quickly, with Twilio's status.
  auto options = place_call_options(fake, loop);
  TwilioAgentAdapter twilio(options);
  const auto r = run({.name = "nobody",
                      .description = "d",
                      .agents = {std::shared_ptr<TwilioAgentAdapter>(&twilio, [](auto*) {})},
                      .script = {agent()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("failed"), std::string::npos) << r.reasoning;
  EXPECT_EQ(r.reasoning.find(fake.options().auth_token), std::string::npos);
}

}  // namespace
}  // namespace scenario
