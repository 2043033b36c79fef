// The OpenAI Realtime adapter against the fake Realtime server (tests/fakes), over real WebSockets
// on loopback, in real time: both dialects, the three audio formats, server VAD and manual turns,
// interrupts with truncation to what was heard, tool calls, errors, a dropped connection, and the
// API key kept out of everything a run leaves.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fakes/openai_realtime_fake.hpp"
#include "ivr_bot.hpp"
#include "scenario/adapters/openai_realtime.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/gtest.hpp"
#include "scenario/scenario.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
using adapters::OpenAIRealtimeAdapter;
using adapters::OpenAIRealtimeOptions;
using fakes::FakeOpenAIRealtime;
using fakes::FakeRealtimeReply;
namespace rt = openai::realtime;

std::vector<VoiceEvent> events_of(const ScenarioResult& r, const std::string& type) {
  std::vector<VoiceEvent> out;
  for (const auto& e : r.timeline)
    if (e.type == type) out.push_back(e);
  return out;
}

std::size_t count_of(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<std::size_t>(std::count(v.begin(), v.end(), x));
}

OpenAIRealtimeOptions options_for(const FakeOpenAIRealtime& fake, net::EventLoop& loop) {
  OpenAIRealtimeOptions o;
  o.base_url = fake.base_url();
  o.api_key = fake.options().api_key;
  o.session.instructions = "You are a helpful shop assistant.";
  o.session.turn_detection.silence_duration_ms = 400;
  o.turn.hangover = 700ms;
  o.loop = &loop;
  return o;
}

TEST(OpenAIRealtime, GaServerVadConversationWithTranscriptsAndTheSessionOnTheTimeline) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop);
  fake.push_reply({.text = "Hello, this is the shop.", .delay = 600ms});
  fake.push_reply({.text = "Your order ships on Friday.", .delay = 700ms});
  fake.push_transcript("Hello, is this the shop?");
  fake.push_transcript("When does my order ship?");
  auto o = options_for(fake, loop);
  o.session.transcription_model = "gpt-4o-mini-transcribe";
  auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(o);
  const auto caps = agent_->capabilities();
  EXPECT_TRUE(caps.native_vad);
  EXPECT_TRUE(caps.native_interruption);
  EXPECT_TRUE(caps.streaming_transcripts);
  EXPECT_FALSE(caps.dtmf);
  EXPECT_EQ(caps.input_format, (audio::AudioFormat{audio::Encoding::pcm16, 24000, 1}));
  const auto r = run({.name = "realtime-ga",
                      .description = "d",
                      .agents = {agent_},
                      .script = {user("Hello, is this the shop?"), agent(),
                                 user("When does my order ship?"), agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto log = fake.log();
  ASSERT_EQ(log.dialects, std::vector<std::string>{"ga"});
  EXPECT_EQ(log.authorizations, std::vector<std::string>{"ok"});
  ASSERT_FALSE(log.client_events.empty());
  EXPECT_EQ(log.client_events.front(), "session.update");
  EXPECT_GT(count_of(log.client_events, "input_audio_buffer.append"), 100u);
  EXPECT_EQ(count_of(log.client_events, "input_audio_buffer.commit"), 0u) << "the server commits";
  EXPECT_EQ(count_of(log.client_events, "response.create"), 0u) << "the server answers by itself";
  EXPECT_EQ(log.responses, 2);
  EXPECT_EQ(log.session["instructions"], "You are a helpful shop assistant.");
  EXPECT_TRUE(log.errors_sent.empty());
  // The agent's words as it said them, from the streaming transcript.
  std::vector<std::string> said;
  for (const auto& m : r.messages)
    if (m.role == Role::assistant) said.push_back(m.text());
  ASSERT_EQ(said.size(), 2u);
  EXPECT_EQ(said[0], "Hello, this is the shop.");
  EXPECT_EQ(said[1], "Your order ships on Friday.");
  // What the server runs is on the timeline, and what its VAD heard.
  const auto sessions = events_of(r, "session_updated");
  ASSERT_FALSE(sessions.empty());
  EXPECT_EQ(sessions.back().metadata["session"]["audio"]["input"]["turn_detection"]["type"],
            "server_vad");
  EXPECT_EQ(events_of(r, "input_speech_started").size(), 2u);
  const auto heard = events_of(r, "user_transcript");
  ASSERT_EQ(heard.size(), 2u) << "the server's transcription of what the caller said";
  EXPECT_EQ(heard[1].metadata["text"], "When does my order ship?");
  EXPECT_EQ(log.session["audio"]["input"]["transcription"]["model"], "gpt-4o-mini-transcribe");
  EXPECT_EQ(events_of(r, "response_done").size(), 2u);
  EXPECT_EQ(events_of(r, "rate_limits").size(), 2u);
  const auto stats = agent_->stats();
  EXPECT_EQ(stats.responses, 2u);
  EXPECT_GT(stats.usage.total_tokens, 0);
  // Each response's tokens on the timeline, summed per run into the result and the manifest.
  EXPECT_EQ(events_of(r, "token_usage").size(), 2u);
  EXPECT_EQ(r.usage.responses, 2);
  EXPECT_EQ(r.usage.total_tokens, stats.usage.total_tokens);
  EXPECT_EQ(r.usage.input_tokens + r.usage.output_tokens, r.usage.total_tokens);
  const auto manifest = r.recording.save_segments(test::scratch_dir("realtime_usage"));
  EXPECT_EQ(manifest["usage"]["total_tokens"], stats.usage.total_tokens);
  EXPECT_EQ(stats.malformed, 0u) << stats.last_error;
  ASSERT_EQ(r.latency.response_latencies.size(), 2u);
}

TEST(OpenAIRealtime, BetaManualTurnsInG711CommitBehindTheLastFrame) {
  for (const auto format : {rt::AudioFormat::g711_ulaw, rt::AudioFormat::g711_alaw}) {
    net::EventLoop loop;
    FakeOpenAIRealtime fake(loop);
    fake.set_default_reply({.text = "Okay.", .delay = 300ms});
    auto o = options_for(fake, loop);
    o.dialect = rt::Dialect::beta;
    o.session.input_format = o.session.output_format = format;
    o.session.turn_detection.type = rt::TurnDetectionType::none;
    auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(o);
    const auto caps = agent_->capabilities();
    EXPECT_FALSE(caps.native_vad);
    EXPECT_EQ(caps.input_format.sample_rate, 8000);
    const auto r = run({.name = "realtime-beta",
                        .description = "d",
                        .agents = {agent_},
                        .script = {user("Hello there."), agent(), succeed()}});
    ASSERT_TRUE(r.success) << r.reasoning;
    const auto log = fake.log();
    ASSERT_EQ(log.dialects, std::vector<std::string>{"beta"});
    EXPECT_EQ(log.session["input_audio_format"],
              format == rt::AudioFormat::g711_ulaw ? "g711_ulaw" : "g711_alaw");
    // Manual turns: the caller's frames, then commit and response.create right behind them.
    const auto& ev = log.client_events;
    const auto commit = std::find(ev.begin(), ev.end(), "input_audio_buffer.commit");
    ASSERT_NE(commit, ev.end());
    ASSERT_NE(commit + 1, ev.end());
    EXPECT_EQ(*(commit + 1), "response.create");
    EXPECT_EQ(*(commit - 1), "input_audio_buffer.append");
    EXPECT_TRUE(events_of(r, "input_speech_started").empty()) << "no server VAD";
    // 8 kHz, one byte a sample: the bytes appended are the caller's audio at that rate.
    const double seconds = static_cast<double>(log.appended_bytes) / 8000.0;
    EXPECT_GT(seconds, 0.5);
    EXPECT_LT(seconds, 3.0);
    EXPECT_TRUE(log.errors_sent.empty()) << log.errors_sent.front();
  }
}

TEST(OpenAIRealtime, ANativeInterruptCancelsAndTruncatesToWhatTheCallerHeard) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, {.speed = 1.5});  // still in flight when interrupted
  fake.set_default_reply(
      {.text = "Let me tell you about all of our offers this week, there are many of them.",
       .delay = 500ms});
  auto o = options_for(fake, loop);
  o.session.turn_detection.type = rt::TurnDetectionType::none;  // the test decides the turns
  auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(o);
  const auto r = run({.name = "realtime-interrupt",
                      .description = "d",
                      .agents = {agent_},
                      .script = {user("What offers do you have?"),
                                 interrupt("Stop, please.", {.after_seconds = 1.2}), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto log = fake.log();
  EXPECT_EQ(count_of(log.client_events, "response.cancel"), 1u);
  ASSERT_EQ(log.truncates.size(), 1u);
  EXPECT_EQ(log.cancelled, 1);
  const auto interrupts = events_of(r, "user_interrupt");
  ASSERT_EQ(interrupts.size(), 1u);
  EXPECT_EQ(interrupts[0].metadata["native"], true);
  EXPECT_EQ(interrupts[0].metadata["outcome"], "agent_stopped");
  // audio_end_ms is what the caller heard by the interrupt, per the recording's playout, within
  // one 20 ms frame.
  const double heard_ms =
      (interrupts[0].time - interrupts[0].metadata["interrupted_started_at"].get<double>()) * 1000;
  EXPECT_NEAR(static_cast<double>(log.truncates[0].audio_end_ms), heard_ms, 20.0);
  EXPECT_GT(heard_ms, 1000.0);
  EXPECT_EQ(log.truncates[0].content_index, 0);
  // The reply was still streaming (1.5x real time): more had been sent than heard, and the
  // truncation says heard, not sent.
  ASSERT_EQ(log.item_audio_ms.size(), 1u);
  EXPECT_EQ(log.item_audio_ms[0].first, log.truncates[0].item_id);
  EXPECT_GT(log.item_audio_ms[0].second, log.truncates[0].audio_end_ms + 200);
  const auto stats = agent_->stats();
  EXPECT_EQ(stats.cancels_sent, 1u);
  EXPECT_EQ(stats.truncates_sent, 1u);
  EXPECT_EQ(stats.cancelled, 1u);
  EXPECT_GT(stats.audio_deltas, 10u);
}

TEST(OpenAIRealtime, ServerVadBargeInIsCancelledByTheServerAndTruncatedByUs) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, {.speed = 1.2});
  fake.push_reply({.text = "We have many offers this week, let me list every one of them for you.",
                   .delay = 500ms});
  fake.set_default_reply({.text = "Okay.", .delay = 500ms});
  auto o = options_for(fake, loop);
  o.native_interrupt = false;  // the caller speaks over the agent; the server's VAD stops it
  auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(o);
  EXPECT_FALSE(agent_->capabilities().native_interruption);
  const auto r = run({.name = "realtime-barge-in",
                      .description = "d",
                      .agents = {agent_},
                      .script = {user("What offers do you have?"),
                                 interrupt("Stop, please.", {.after_seconds = 1.0}), agent(),
                                 succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto log = fake.log();
  // interrupt_response is on: the server cancelled by itself (turn_detected); we only truncate.
  EXPECT_GE(log.cancelled, 1);
  EXPECT_EQ(count_of(log.client_events, "response.cancel"), 0u);
  ASSERT_FALSE(log.truncates.empty());
  EXPECT_GT(log.truncates[0].audio_end_ms, 500);
  const auto interrupts = events_of(r, "user_interrupt");
  ASSERT_EQ(interrupts.size(), 1u);
  EXPECT_EQ(interrupts[0].metadata["outcome"], "agent_stopped");
}

TEST(OpenAIRealtime, ToolCallsRoundTripAfterTheResponseThatAsked) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop);
  fake.push_reply({.tool_name = "lookup_order", .tool_arguments = {{"order", "A17"}}});
  fake.push_reply({.text = "Order A17 has shipped.", .delay = 200ms});
  auto o = options_for(fake, loop);
  o.session.tools = {{.name = "lookup_order", .description = "Looks up an order"}};
  std::string asked_call_id;
  o.turn.tool_handler = [&](const ToolCall& call) {
    asked_call_id = call.id;
    return nlohmann::json{{"order", call.parsed_arguments().at("order")}, {"status", "shipped"}};
  };
  auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(o);
  const auto r =
      run({.name = "realtime-tools",
           .description = "d",
           .agents = {agent_},
           .script = {user("Where is my order A17?"), agent(),
                      [](ScenarioState& s) {
                        require(s.has_tool_call("lookup_order"), "the tool call is in the messages");
                      },
                      succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto log = fake.log();
  ASSERT_EQ(log.tool_outputs.size(), 1u);
  EXPECT_EQ(log.tool_outputs[0].first, asked_call_id) << "the handler saw the server's call id";
  EXPECT_EQ(nlohmann::json::parse(log.tool_outputs[0].second),
            (nlohmann::json{{"order", "A17"}, {"status", "shipped"}}));
  EXPECT_TRUE(log.errors_sent.empty()) << "one response at a time: " << log.errors_sent.front();
  EXPECT_EQ(events_of(r, "tool_call").size(), 1u);
  EXPECT_EQ(events_of(r, "tool_result_sent").size(), 1u);
  EXPECT_EQ(log.session["tools"][0]["name"], "lookup_order");
  EXPECT_EQ(agent_->stats().tool_results_sent, 1u);
  EXPECT_EQ(agent_->stats().tool_calls, 1u);
}

TEST(OpenAIRealtime, SemanticVadEagernessIsSentAndDecidesHowLongTheServerWaits) {
  // The fake stands in for the semantic model with a silence per eagerness (high 300 ms, low
  // 1500 ms); the reply is due 100 ms after the speech, so the latency measured from the audio
  // shows how long the server waited for the caller to go on.
  std::map<std::string, double> latency;
  for (const std::string eagerness : {"high", "low"}) {
    SCOPED_TRACE(eagerness);
    net::EventLoop loop;
    FakeOpenAIRealtime fake(loop);
    fake.set_default_reply({.text = "Go on.", .delay = 100ms});
    auto o = options_for(fake, loop);
    o.session.turn_detection.type = rt::TurnDetectionType::semantic_vad;
    o.session.turn_detection.eagerness = eagerness;
    o.turn.hangover = 900ms;
    const auto r = run({.name = "semantic-" + eagerness,
                        .description = "d",
                        .agents = {std::make_shared<OpenAIRealtimeAdapter>(o)},
                        .script = {user("I would like to change my address."), agent(),
                                   succeed()}});
    ASSERT_TRUE(r.success) << r.reasoning;
    const auto td = fake.log().session["audio"]["input"]["turn_detection"];
    EXPECT_EQ(td["type"], "semantic_vad");
    EXPECT_EQ(td["eagerness"], eagerness);
    EXPECT_FALSE(td.contains("silence_duration_ms")) << "a server_vad field in a semantic session";
    ASSERT_EQ(r.latency.response_latencies.size(), 1u);
    latency[eagerness] = r.latency.response_latencies[0];
  }
  EXPECT_GT(latency["high"], 0.25);
  EXPECT_LT(latency["high"], 0.8);
  EXPECT_GT(latency["low"], 1.4);
}

TEST(OpenAIRealtime, RecoverableErrorsAreRecordedAndFatalOnesEndTheRunClearly) {
  {
    net::EventLoop loop;
    FakeOpenAIRealtime fake(loop);
    fake.push_reply({.text = "Sorry for the wait.", .delay = 300ms,
                     .error_code = "rate_limit_exceeded", .reply_after_error = true});
    auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(options_for(fake, loop));
    const auto r = run({.name = "recoverable",
                        .description = "d",
                        .agents = {agent_},
                        .script = {user("Hello?"), agent(), succeed()}});
    ASSERT_TRUE(r.success) << r.reasoning;
    const auto errors = events_of(r, "transport_error");
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].metadata["code"], "rate_limit_exceeded");
  }
  {
    net::EventLoop loop;
    FakeOpenAIRealtime fake(loop);
    fake.push_reply({.error_code = "session_expired"});
    auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(options_for(fake, loop));
    const auto r = run({.name = "fatal",
                        .description = "d",
                        .agents = {agent_},
                        .script = {user("Hello?"), agent(), succeed()}});
    EXPECT_FALSE(r.success);
    EXPECT_NE(r.reasoning.find("session_expired"), std::string::npos) << r.reasoning;
  }
}

TEST(OpenAIRealtime, ADroppedConnectionMidReplyEndsTheRunAndKeepsWhatWasHeard) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop);
  fake.push_reply({.text = "One moment while I check everything for you in our system.",
                   .delay = 300ms, .close_after_deltas = 5, .close_code = 1011});
  auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(options_for(fake, loop));
  const auto r = run({.name = "dropped",
                      .description = "d",
                      .agents = {agent_},
                      .script = {user("Hello?"), agent(), user("Are you there?"), agent(),
                                 succeed()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("1011"), std::string::npos) << r.reasoning;
  EXPECT_EQ(events_of(r, "agent_hung_up").size(), 1u);
  // The half second that arrived is in the recording.
  const auto heard = audio::detect_speech(r.recording.agent, 24000);
  EXPECT_FALSE(heard.empty());
}

TEST(OpenAIRealtime, ADialectMismatchIsRefusedWithTheServersWords) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, {.dialect = rt::Dialect::beta});  // a beta-only server
  auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(options_for(fake, loop));  // GA client
  const auto r = run({.name = "mismatch",
                      .description = "d",
                      .agents = {agent_},
                      .script = {user("Hello?"), agent(), succeed()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("refused the session: Unknown parameter: 'session.audio'"),
            std::string::npos)
      << r.reasoning;
}

TEST(OpenAIRealtime, TheApiKeyAppearsNowhereARunLeaves) {
  const std::string key = "sk-secret-do-not-leak-4242";
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, {.api_key = key});
  auto o = options_for(fake, loop);
  auto good = std::make_shared<OpenAIRealtimeAdapter>(o);
  const auto ok = run({.name = "key",
                       .description = "d",
                       .agents = {good},
                       .script = {user("Hello?"), agent(), succeed()}});
  ASSERT_TRUE(ok.success) << ok.reasoning;
  o.api_key = key + "-wrong";
  auto bad = std::make_shared<OpenAIRealtimeAdapter>(o);
  const auto refused = run({.name = "bad key",
                            .description = "d",
                            .agents = {bad},
                            .script = {user("Hello?"), agent(), succeed()}});
  EXPECT_FALSE(refused.success);
  EXPECT_NE(refused.reasoning.find("401"), std::string::npos) << refused.reasoning;
  for (const auto* r : {&ok, &refused}) {
    const auto dir = test::scratch_dir("realtime_key_" + r->name);
    const auto manifest = r->recording.save_segments(dir);
    std::string everything = r->reasoning + manifest.dump();
    for (const auto& e : r->timeline) everything += e.metadata.dump();
    for (const auto& m : r->messages) everything += m.text();
    for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
      if (!f.is_regular_file()) continue;
      std::ifstream in(f.path(), std::ios::binary);
      everything += std::string(std::istreambuf_iterator<char>(in), {});
    }
    EXPECT_EQ(everything.find("sk-secret"), std::string::npos) << r->name;
  }
  EXPECT_EQ(fake.log().authorizations, (std::vector<std::string>{"ok", "wrong"}));
}

}  // namespace
}  // namespace scenario

namespace scenario {
namespace {

std::string run_command(const std::string& command, int* status) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  *status = pclose(p);
  return out;
}

TEST(OpenAIRealtime, TheFakeRunsAsAProgramAnyClientCanBePointedAt) {
  const auto dir = test::scratch_dir("fake_realtime_program");
  const auto script = (dir / "script.json").string();
  std::ofstream(script) << R"([{"text": "The program speaks.", "delay_ms": 300}])";
  const std::string program = SCENARIO_FAKE_OPENAI_REALTIME;
  // "echo $$; exec": the shell's pid is the program's once it has exec'd.
  FILE* p = popen(("echo $$; exec " + program + " --port 0 --key sk-program-key --script " +
                   script)
                      .c_str(),
                  "r");
  ASSERT_NE(p, nullptr);
  char line[256];
  ASSERT_NE(std::fgets(line, sizeof line, p), nullptr);
  const int pid = std::atoi(line);
  ASSERT_NE(std::fgets(line, sizeof line, p), nullptr);
  std::string url(line);
  url.erase(url.find_last_not_of("\r\n") + 1);
  EXPECT_EQ(url.rfind("ws://127.0.0.1:", 0), 0u) << url;
  EXPECT_TRUE(url.ends_with("/v1/realtime")) << url;
  {
    OpenAIRealtimeOptions o;
    o.base_url = url;
    o.api_key = "sk-program-key";
    o.session.turn_detection.silence_duration_ms = 400;
    auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(o);
    const auto r = run({.name = "program",
                        .description = "d",
                        .agents = {agent_},
                        .script = {user("Hello program."), agent(), succeed()}});
    EXPECT_TRUE(r.success) << r.reasoning;
    ASSERT_FALSE(r.messages.empty());
    EXPECT_EQ(r.messages.back().text(), "The program speaks.");
  }
  ::kill(pid, SIGTERM);
  EXPECT_EQ(pclose(p), 0) << "a clean exit on SIGTERM";

  // Bad arguments and scripts are refused saying what is wrong, with exit status 2.
  int status = 0;
  auto out = run_command(program + " --port 70000", &status);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(out.find("--port takes a whole number from 0 to 65535"), std::string::npos) << out;
  std::ofstream(dir / "bad.json") << R"([{"text": "x", "delay": 5}])";
  out = run_command(program + " --script " + (dir / "bad.json").string(), &status);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(out.find("script[0]: unknown field \"delay\""), std::string::npos) << out;
  std::ofstream(dir / "broken.json") << "[{";
  out = run_command(program + " --script " + (dir / "broken.json").string(), &status);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(out.find("is not JSON"), std::string::npos) << out;
}

}  // namespace
}  // namespace scenario

namespace scenario {
namespace {

double onset_in(const std::string& text) { return test::speech_onset_in(text); }

// The server answers `delay` after the end of the caller's speech in the audio it received; the
// runtime measures from the recording. They agree up to what the machine adds on the way (the
// fake's timer waking late, which it reports, and the loopback hop), bounded here by the design's
// jitter allowance rather than by a quiet machine.
TEST(OpenAIRealtime, LatencyMeasuredFromTheAudioIsTheServersDelay) {
  // Real-time I/O threads where permitted, as a deployment would run them: the stamps asserted
  // below must not depend on what else ctest runs beside this test.
  net::EventLoop loop({.threads = 1, .realtime_priority = 10});
  FakeOpenAIRealtime fake(loop);
  const std::vector<std::pair<std::string, std::chrono::milliseconds>> replies{
      {"Sure.", 550ms}, {"Got it, thanks.", 720ms}, {"Okay.", 640ms}};
  for (const auto& [text, delay] : replies) fake.push_reply({.text = text, .delay = delay});
  auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(options_for(fake, loop));
  const auto r = run({.name = "realtime-latency",
                      .description = "d",
                      .agents = {agent_},
                      .script = {user("Hello."), agent(), user("I need help."), agent(),
                                 user("Thank you."), agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto log = fake.log();
  ASSERT_EQ(r.latency.response_latencies.size(), 3u);
  ASSERT_EQ(log.first_audio_late_ms.size(), 3u);
  // With real-time I/O threads the hop adds a fraction of a millisecond (0.1 ms under
  // stress-ng on two cores); without them a busy machine's scheduler can add a time slice. On
  // top of that, by design: the recording places each caller frame where it left (a frame that
  // left late moves the rest of the utterance with it), while the server times the stream by
  // its samples, so the caller's side can differ by the latest frame of the run (the pacing
  // figure the adapter reports).
  const double worst_frame = agent_->stats().pacing.percentile_ms(100) / 1000;
  const double bound = (loop.realtime() ? 0.001 : 0.015) + worst_frame;
  double worst = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const double truth = std::chrono::duration<double>(replies[i].second).count() +
                         onset_in(replies[i].first) + log.first_audio_late_ms[i] / 1000;
    const double error = r.latency.response_latencies[i] - truth;
    worst = std::max(worst, std::abs(error));
    if (r.latency.measurement_degraded) continue;  // the run owns up to late caller frames
    EXPECT_NEAR(r.latency.response_latencies[i], truth, bound) << i;
  }
  std::cout << "[          ] realtime latency vs the server's delay: worst error " << worst * 1000
            << " ms (latest caller frame " << worst_frame * 1000 << " ms)\n";
}

}  // namespace
}  // namespace scenario

// README: begin
scenario::ScenarioResult call_the_order_desk(const std::string& realtime_url) {
  namespace rt = scenario::openai::realtime;
  scenario::adapters::OpenAIRealtimeOptions options;
  options.base_url = realtime_url;  // wss://api.openai.com/v1/realtime by default
  options.model = "gpt-realtime";
  options.session.instructions = "You are the order desk of a web shop. Be brief.";
  options.session.voice = "alloy";
  options.session.input_format = rt::AudioFormat::pcm16;  // or g711_ulaw / g711_alaw
  options.session.turn_detection.type = rt::TurnDetectionType::server_vad;
  auto order_desk = std::make_shared<scenario::adapters::OpenAIRealtimeAdapter>(options);
  auto result = scenario::run({
      .name = "order status",
      .description = "A customer asks where their order is.",
      .agents = {order_desk},
      .script = {scenario::user("Hi, where is my order?"), scenario::agent(),
                 scenario::succeed()},
  });
  result.recording.save_segments(scenario::testing::artifacts_dir());
  return result;
}
// README: end

namespace scenario {
namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// The README's example is this file's code, and it runs: against the fake, with the key from the
// environment as a user would give it.
TEST(OpenAIRealtime, TheReadmeExampleIsThisCodeAndPasses) {
  const auto readme = read_text(std::filesystem::path(SCENARIO_SOURCE_DIR) / "README.md");
  const auto marker = readme.find("<!-- openai-realtime-example");
  ASSERT_NE(marker, std::string::npos);
  const auto start = readme.find("```cpp\n", marker) + 7;
  const auto block = readme.substr(start, readme.find("```\n", start) - start);
  // Not __FILE__: with CCACHE_BASEDIR (scripts/test.sh) it is relative to the build directory.
  const auto self = read_text(std::filesystem::path(SCENARIO_SOURCE_DIR) / "tests" /
                              "integration" / "openai_realtime_test.cpp");
  ASSERT_FALSE(self.empty());
  const auto begin = self.find("// README: begin\n") + 17;
  EXPECT_EQ(block, self.substr(begin, self.find("// README: end") - begin));

  fakes::FakeOpenAIRealtime fake(net::EventLoop::shared());  // the adapter's default loop
  fake.set_default_reply({.text = "It ships on Friday.", .delay = 500ms});
  ::setenv("OPENAI_API_KEY", fake.options().api_key.c_str(), 1);
  const auto result = call_the_order_desk(fake.base_url());
  ::unsetenv("OPENAI_API_KEY");
  EXPECT_TRUE(result.success) << result.reasoning;
  ASSERT_FALSE(result.messages.empty());
  EXPECT_EQ(result.messages.back().text(), "It ships on Friday.");
  EXPECT_EQ(fake.log().session["instructions"], "You are the order desk of a web shop. Be brief.");
}

}  // namespace
}  // namespace scenario

namespace scenario {
namespace {

// A Realtime model plays the caller: it hears the IVR bot's greeting (as audio), answers with its
// own speech, and the bot — which understands only keys — says so. Scripted lines come out in the
// model's voice too.
TEST(OpenAIRealtimeUser, CallsTheIvrBotThroughPipecat) {
  net::EventLoop loop;
  examples::IvrBot bot(loop, {.response_delay = 250ms});
  FakeOpenAIRealtime caller_model(loop);
  caller_model.push_reply({.text = "Hello, I would like to check my bill.", .delay = 0ms});
  caller_model.push_reply({.text = "One more question, please.", .delay = 0ms});
  auto ivr = std::make_shared<adapters::PipecatAgentAdapter>(
      adapters::PipecatOptions{.url = bot.url(), .turn = {.hangover = 700ms}, .loop = &loop});
  auto caller = std::make_shared<adapters::OpenAIRealtimeUser>(adapters::OpenAIRealtimeUserOptions{
      .base_url = caller_model.base_url(),
      .api_key = caller_model.options().api_key,
      .persona = "A customer with a billing question.",
      .loop = &loop});
  const auto r = run({.name = "realtime caller",
                      .description = "The caller wants to know about their last bill.",
                      .agents = {ivr, caller},
                      .script = {agent(), user(), agent(),
                                 user("Billing, please.", {.voice = caller->voice()}), agent(),
                                 succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto log = caller_model.log();
  // The model heard the bot's greeting as audio, then the bot's answer; it was told the scenario.
  ASSERT_GE(log.user_audio_ms.size(), 1u);
  EXPECT_GT(log.user_audio_ms[0], 1000) << "the greeting is more than a second of speech";
  EXPECT_NE(log.session["instructions"].get<std::string>().find("their last bill"),
            std::string::npos);
  EXPECT_NE(log.session["instructions"].get<std::string>().find("billing question"),
            std::string::npos);
  // The scripted line went in as text for the model to say.
  ASSERT_FALSE(log.user_texts.empty());
  EXPECT_NE(log.user_texts.back().find("Billing, please."), std::string::npos);
  EXPECT_EQ(log.responses, 2);
  // The bot heard speech where it wanted keys, twice.
  const auto calls = bot.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(std::count(calls[0].prompts.begin(), calls[0].prompts.end(), "speech"), 2);
  // The caller's turns are the model's speech, with its transcript.
  std::vector<std::string> said;
  for (const auto& m : r.messages)
    if (m.role == Role::user) said.push_back(m.text());
  ASSERT_EQ(said.size(), 2u);
  EXPECT_EQ(said[0], "Hello, I would like to check my bill.");
  EXPECT_GT(caller->usage().total_tokens, 0);
}

// Two Realtime sessions talk: one is the agent under test, the other the caller.
TEST(OpenAIRealtimeUser, TalksToARealtimeAgent) {
  net::EventLoop loop;
  FakeOpenAIRealtime agent_model(loop);
  FakeOpenAIRealtime caller_model(loop);
  agent_model.push_reply({.text = "Welcome to the shop.", .delay = 500ms});
  agent_model.push_reply({.text = "It ships on Friday.", .delay = 600ms});
  caller_model.push_reply({.text = "Where is my order?", .delay = 0ms});
  auto shop = std::make_shared<OpenAIRealtimeAdapter>(options_for(agent_model, loop));
  auto caller = std::make_shared<adapters::OpenAIRealtimeUser>(adapters::OpenAIRealtimeUserOptions{
      .base_url = caller_model.base_url(), .api_key = caller_model.options().api_key,
      .loop = &loop});
  const auto r = run({.name = "realtime both sides",
                      .description = "A customer asks where their order is.",
                      .agents = {shop, caller},
                      .script = {user("Hello?"), agent(), user(), agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  EXPECT_EQ(agent_model.log().responses, 2);
  EXPECT_EQ(agent_model.log().speech_ends_ms.size(), 2u) << "the agent's VAD heard both turns";
  ASSERT_EQ(caller_model.log().user_audio_ms.size(), 1u) << "the caller heard the welcome";
  ASSERT_EQ(r.latency.response_latencies.size(), 2u);
}

}  // namespace
}  // namespace scenario

namespace scenario {
namespace {

TEST(OpenAIRealtime, OddLengthDeltasAreJoinedAndARetiredBetaIsRefusedWithItsCloseCode) {
  {
    net::EventLoop loop;
    FakeOpenAIRealtime fake(loop, {.odd_deltas = true});
    fake.set_default_reply({.text = "Every byte arrives.", .delay = 400ms});
    auto agent_ = std::make_shared<OpenAIRealtimeAdapter>(options_for(fake, loop));
    const auto r = run({.name = "odd deltas",
                        .description = "d",
                        .agents = {agent_},
                        .script = {user("Hello?"), agent(), succeed()}});
    ASSERT_TRUE(r.success) << r.reasoning;
    EXPECT_EQ(agent_->stats().malformed, 0u);
    // Every sample arrived whole: from its first sound on, the agent track is the reply's speech
    // exactly (a byte lost or doubled at a delta's edge would shift every sample after it).
    const auto reply = synthesize("Every byte arrives.", "espeak/en-us").samples;
    const std::vector<std::int16_t> track(r.recording.agent.begin(), r.recording.agent.end());
    const auto first_sound = [](const std::vector<std::int16_t>& v) {
      return static_cast<std::size_t>(
          std::find_if(v.begin(), v.end(), [](std::int16_t x) { return x != 0; }) - v.begin());
    };
    const auto t0 = first_sound(track), r0 = first_sound(reply);
    ASSERT_LT(r0, reply.size());
    ASSERT_GE(track.size(), t0 + (reply.size() - r0));
    std::size_t differ = 0;
    for (std::size_t n = 0; r0 + n < reply.size(); ++n) differ += track[t0 + n] != reply[r0 + n];
    EXPECT_EQ(differ, 0u) << "of " << reply.size() - r0 << " samples";
  }
  {
    net::EventLoop loop;
    FakeOpenAIRealtime fake(loop, {.beta_retired = true});
    auto o = options_for(fake, loop);
    o.dialect = rt::Dialect::beta;
    const auto r = run({.name = "retired beta",
                        .description = "d",
                        .agents = {std::make_shared<OpenAIRealtimeAdapter>(o)},
                        .script = {user("Hello?"), agent(), succeed()}});
    EXPECT_FALSE(r.success);
    EXPECT_NE(r.reasoning.find("4000"), std::string::npos) << r.reasoning;
    EXPECT_NE(r.reasoning.find("beta_api_shape_disabled"), std::string::npos) << r.reasoning;
  }
}

}  // namespace
}  // namespace scenario

namespace scenario {
namespace {

/// A bare client of the fake: raw frames out, decoded events in.
class RawRealtimeClient {
 public:
  RawRealtimeClient(net::EventLoop& loop, const FakeOpenAIRealtime& fake) {
    ws_ = net::ws_connect(loop, fake.base_url() + "?model=gpt-realtime",
                          {.headers = {{"Authorization", "Bearer " + fake.options().api_key}}});
    // The handlers share the inbox: they may still run while this client is going away.
    ws_->start({.on_message =
                    [inbox = inbox_](std::string data, bool) {
                      std::lock_guard lock(inbox->mutex);
                      try {
                        inbox->events.push_back(rt::decode_server(data));
                      } catch (const rt::ProtocolError& e) {
                        inbox->events.push_back({.type = "malformed", .event = rt::server::Other{e.what()}});
                      }
                      inbox->arrived.notify_all();
                    },
                .on_close = {}});
  }
  ~RawRealtimeClient() { ws_->close(); }
  void send(const std::string& text) { ws_->send(text); }
  /// The next event of `type`, skipping others; nullopt after 5 s.
  std::optional<rt::ServerMessage> next(const std::string& type) {
    auto& in = *inbox_;
    std::unique_lock lock(in.mutex);
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    while (true) {
      for (auto it = in.events.begin(); it != in.events.end(); ++it) {
        if (it->type != type) continue;
        auto m = std::move(*it);
        in.events.erase(in.events.begin(), it + 1);
        return m;
      }
      if (in.arrived.wait_until(lock, give_up) == std::cv_status::timeout) return std::nullopt;
    }
  }
  rt::server::Error error() {
    const auto m = next("error");
    if (!m) return {.message = "(no error event)"};
    return std::get<rt::server::Error>(m->event);
  }

 private:
  struct Inbox {
    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<rt::ServerMessage> events;
  };
  std::shared_ptr<Inbox> inbox_ = std::make_shared<Inbox>();
  std::shared_ptr<net::WsConnection> ws_;
};

// What the real server refuses, the fake refuses with the same codes (and names the client event).
TEST(OpenAIRealtimeFake, RefusesWhatTheServerRefuses) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, {.speed = 1.0});
  fake.set_default_reply({.text = "A reply of some length for the truncation checks.", .delay = 0ms});
  RawRealtimeClient c(loop, fake);
  ASSERT_TRUE(c.next("session.created"));
  c.send(R"({"type":"session.update","event_id":"e1","session":{"instructions":"x"}})");
  auto e = c.error();
  EXPECT_EQ(e.code, "missing_required_parameter");
  EXPECT_EQ(e.event_id, "e1");
  c.send(R"({"type":"session.update","session":{"type":"realtime","audio":{"input":{"turn_detection":null}}}})");
  ASSERT_TRUE(c.next("session.updated"));
  c.send(R"({"type":"input_audio_buffer.commit","event_id":"e2"})");
  e = c.error();
  EXPECT_EQ(e.code, "input_audio_buffer_commit_empty");
  EXPECT_EQ(e.event_id, "e2");
  c.send(R"({"type":"response.cancel","event_id":"e3"})");
  EXPECT_EQ(c.error().code, "response_cancel_not_active");
  c.send(R"({"type":"conversation.item.truncate","item_id":"nope","content_index":0,"audio_end_ms":10})");
  EXPECT_EQ(c.error().code, "item_not_found");
  c.send(R"({"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_x","output":"{}"}})");
  EXPECT_EQ(c.error().code, "invalid_value");
  c.send("{not json");
  EXPECT_EQ(c.error().code, "invalid_value");
  // A response in flight: a second one is refused; its item cannot be truncated past the audio
  // sent so far; user items cannot be truncated at all; items can be retrieved.
  c.send(R"({"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"Hi"}]}})");
  const auto user_item = c.next("conversation.item.added");
  ASSERT_TRUE(user_item);
  const auto user_id = std::get<rt::server::ItemAdded>(user_item->event).item.id;
  c.send(R"({"type":"response.create","event_id":"r1"})");
  const auto added = c.next("response.output_item.added");
  ASSERT_TRUE(added);
  const auto item_id = std::get<rt::server::OutputItemAdded>(added->event).item.id;
  c.send(R"({"type":"response.create","event_id":"r2"})");
  e = c.error();
  EXPECT_EQ(e.code, "conversation_already_has_active_response");
  EXPECT_EQ(e.event_id, "r2");
  ASSERT_TRUE(c.next("response.output_audio.delta"));
  c.send(R"({"type":"conversation.item.truncate","item_id":")" + item_id +
         R"(","content_index":0,"audio_end_ms":600000})");
  e = c.error();
  EXPECT_EQ(e.code, "invalid_value");
  EXPECT_NE(e.message.find("shorter than 600000ms"), std::string::npos) << e.message;
  c.send(R"({"type":"conversation.item.truncate","item_id":")" + user_id +
         R"(","content_index":0,"audio_end_ms":0})");
  EXPECT_NE(c.error().message.find("Only assistant message items"), std::string::npos);
  c.send(R"({"type":"conversation.item.truncate","item_id":")" + item_id +
         R"(","content_index":0,"audio_end_ms":50})");
  const auto truncated = c.next("conversation.item.truncated");
  ASSERT_TRUE(truncated);
  EXPECT_EQ(std::get<rt::server::ItemTruncated>(truncated->event).audio_end_ms, 50);
  c.send(R"({"type":"conversation.item.retrieve","item_id":")" + user_id + R"("})");
  const auto retrieved = c.next("conversation.item.retrieved");
  ASSERT_TRUE(retrieved);
  EXPECT_EQ(std::get<rt::server::ItemRetrieved>(retrieved->event).item.role, "user");
  EXPECT_EQ(fake.log().errors_sent.size(), 9u);
}

}  // namespace
}  // namespace scenario

namespace scenario {
namespace {

// wss with the server's certificate checked: trusted through ca_file, refused by the system store
// (and the refusal names the TLS stage, not the key).
TEST(OpenAIRealtime, TlsIsVerifiedAgainstTheCaFile) {
  const auto dir = test::scratch_dir("realtime_tls");
  const auto key = (dir / "key.pem").string();
  const auto cert = (dir / "cert.pem").string();
  test::run_checked("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
                    "-addext subjectAltName=DNS:localhost -keyout " +
                    key + " -out " + cert + " 2>&1");
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, {.certificate_file = cert, .private_key_file = key});
  fake.set_default_reply({.text = "Securely said.", .delay = 400ms});
  ASSERT_EQ(fake.base_url().rfind("wss://localhost:", 0), 0u) << fake.base_url();
  auto o = options_for(fake, loop);
  o.ca_file = cert;
  const auto ok = run({.name = "tls",
                       .description = "d",
                       .agents = {std::make_shared<OpenAIRealtimeAdapter>(o)},
                       .script = {user("Hello?"), agent(), succeed()}});
  ASSERT_TRUE(ok.success) << ok.reasoning;
  EXPECT_EQ(ok.messages.back().text(), "Securely said.");
  o.ca_file.clear();
  const auto refused = run({.name = "untrusted",
                            .description = "d",
                            .agents = {std::make_shared<OpenAIRealtimeAdapter>(o)},
                            .script = {user("Hello?"), agent(), succeed()}});
  EXPECT_FALSE(refused.success);
  EXPECT_NE(refused.reasoning.find("openai-realtime: cannot reach the server"), std::string::npos)
      << refused.reasoning;
  EXPECT_EQ(refused.reasoning.find(fake.options().api_key), std::string::npos);
  EXPECT_EQ(fake.log().authorizations.size(), 1u) << "no upgrade without a trusted certificate";
}

}  // namespace
}  // namespace scenario
