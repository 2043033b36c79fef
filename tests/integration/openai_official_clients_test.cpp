// The official OpenAI JS clients against our fake Realtime server: the npm `openai` package's
// OpenAIRealtimeWS (GA and beta) and the Agents SDK's Realtime WebSocket transport
// (`@openai/agents-realtime`), pinned in tests/oracles/openai/package.json. A fake that only our
// own adapter talks to could share our misreadings of the protocol; these clients are the reference
// (shared/protocols/openai-realtime.md, "Verified against the official JS SDKs").
//
// What they show: the clients accept every event the fake sends (the Agents transport validates
// each with zod and drops what fails, so audio it hands on is audio the schema accepted), the fake
// accepts everything they send (their session shape, tracing, retrieve after truncate, tool
// outputs behind response.done), and our adapter configures the server the way the Agents SDK does.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "fakes/openai_realtime_fake.hpp"
#include "scenario/adapters/openai_realtime.hpp"
#include "scenario/voice/clock.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
using fakes::FakeOpenAIRealtime;
using fakes::FakeRealtimeOptions;
using nlohmann::json;
namespace rt = openai::realtime;

constexpr const char* kKey = "sk-official-client-test-0123456789";

/// A certificate for localhost: openai-node refuses anything but wss (§7).
struct Tls {
  std::string cert, key;
};

const Tls& tls() {
  static const Tls files = [] {
    const auto dir = test::scratch_dir("official_clients_tls");
    Tls t{(dir / "cert.pem").string(), (dir / "key.pem").string()};
    test::run_checked(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost "
        "-addext subjectAltName=DNS:localhost -keyout " +
        t.key + " -out " + t.cert + " 2>&1");
    return t;
  }();
  return files;
}

FakeRealtimeOptions fake_options() {
  return {.api_key = kKey, .certificate_file = tls().cert, .private_key_file = tls().key};
}

/// The caller's words as pcm16 24 kHz (what all three clients send).
std::string caller_pcm() {
  static const std::string path = [] {
    const auto file = test::scratch_dir("official_clients_audio") / "caller.pcm";
    const auto samples = test::speech("What is the balance of my checking account please");
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(samples.data()),
               static_cast<std::streamsize>(samples.size() * sizeof(samples[0])));
    return file.string();
  }();
  return path;
}

/// Runs tests/oracles/openai/official_clients.mjs (copied beside its node_modules in the build
/// tree) and returns what the client observed.
json run_client(const std::string& mode, const FakeOpenAIRealtime& fake) {
  const auto dir = std::filesystem::path(SCENARIO_OPENAI_ORACLE_DIR);
  const auto err = test::scratch_dir("official_clients_" + mode) / "stderr.txt";
  const auto result = test::run_command(
      "cd " + test::shell_quote(dir.string()) + " && OPENAI_API_KEY=" + kKey +
      " NODE_EXTRA_CA_CERTS=" + test::shell_quote(tls().cert) + " node official_clients.mjs " +
      mode + " " + test::shell_quote(fake.base_url()) + " " + test::shell_quote(caller_pcm()) +
      " 2>" + test::shell_quote(err.string()));
  std::ifstream in(err);
  const std::string stderr_text((std::istreambuf_iterator<char>(in)), {});
  if (result.exit_code != 0) {
    ADD_FAILURE() << mode << " exited with " << result.exit_code << ": " << stderr_text;
    return json::object();
  }
  return json::parse(result.output);
}

std::int64_t item_audio_ms(const fakes::FakeRealtimeLog& log, std::size_t index) {
  return index < log.item_audio_ms.size() ? log.item_audio_ms[index].second : -1;
}

int count(const std::vector<std::string>& events, const std::string& type) {
  return static_cast<int>(std::count(events.begin(), events.end(), type));
}

constexpr const char* kLongReply =
    "Let me read you the full list of recent transactions on your checking account, starting "
    "with the oldest one, which was a deposit of one hundred dollars on the first of the month, "
    "followed by a coffee purchase, a grocery bill, and a transfer to savings.";

TEST(OfficialClients, TheAgentsSdkTalksToTheFakeHearsItsAudioRunsItsToolAndInterruptsIt) {
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, fake_options());
  fake.push_reply({.text = "Hello, this is your bank.", .delay = 600ms});
  fake.push_reply(
      {.delay = 600ms, .tool_name = "lookup_balance", .tool_arguments = {{"account", "checking"}}});
  fake.push_reply({.text = "Your balance is forty two dollars.", .delay = 300ms});
  fake.push_reply({.text = kLongReply, .delay = 600ms});

  const json seen = run_client("agents", fake);
  ASSERT_TRUE(seen.contains("turns")) << seen.dump();
  const auto log = fake.log();
  EXPECT_EQ(seen["errors"], json::array()) << "the fake refused something the SDK sent";
  EXPECT_EQ(seen["rejected"], json::array()) << "events the SDK's schemas refused (and ignored)";
  EXPECT_GE(seen["event_types"].size(), 20u) << seen["event_types"].dump();
  EXPECT_TRUE(log.errors_sent.empty());
  ASSERT_EQ(log.dialects, std::vector<std::string>{"ga"});
  EXPECT_EQ(log.authorizations, std::vector<std::string>{"ok"});

  // The SDK's session (its own defaults, `tracing` sent apart) merged and echoed whole.
  const json& session = seen["session"];
  EXPECT_EQ(session["instructions"], "You are a bank assistant.");
  EXPECT_EQ(session["audio"]["output"]["voice"], "marin");
  EXPECT_EQ(session["audio"]["input"]["turn_detection"]["silence_duration_ms"], 500);
  EXPECT_EQ(session["tools"][0]["name"], "lookup_balance");
  EXPECT_EQ(session["tracing"], "auto");
  EXPECT_EQ(log.session, session) << "what the client was told is what the server runs";

  // Four responses: speech, the function call, speech after its output, the interrupted one.
  ASSERT_EQ(seen["turns"].size(), 4u) << seen["turns"].dump();
  const json& turns = seen["turns"];
  EXPECT_EQ(turns[0]["transcript"], "Hello, this is your bank.");
  EXPECT_EQ(turns[2]["transcript"], "Your balance is forty two dollars.");
  // Audio the zod schema rejected would not reach the `audio` event: every byte sent arrived.
  EXPECT_EQ(turns[0]["audio_bytes"].get<std::int64_t>() / 48, item_audio_ms(log, 0));
  EXPECT_EQ(turns[1]["audio_bytes"], 0);
  EXPECT_EQ(turns[2]["audio_bytes"].get<std::int64_t>() / 48, item_audio_ms(log, 1));

  // The tool: detected from the completed item, answered, and the next response asked for only
  // after the asking one was done (the fake refuses a second active response).
  ASSERT_EQ(seen["function_calls"].size(), 1u);
  EXPECT_EQ(seen["function_calls"][0]["name"], "lookup_balance");
  EXPECT_EQ(json::parse(seen["function_calls"][0]["arguments"].get<std::string>()),
            (json{{"account", "checking"}}));
  ASSERT_EQ(log.tool_outputs.size(), 1u);
  EXPECT_EQ(log.tool_outputs[0].first, seen["function_calls"][0]["call_id"]);
  EXPECT_EQ(json::parse(log.tool_outputs[0].second), (json{{"balance", 42}}));

  // The explicit interrupt 400 ms into the long reply: one cancel (a response was in flight), the
  // item truncated to the SDK's wall-clock estimate, which cannot be under the 400 ms it waited.
  EXPECT_EQ(count(log.client_events, "response.cancel"), 1);
  EXPECT_EQ(log.cancelled, 1);
  ASSERT_FALSE(log.truncates.empty());
  const auto& last = log.truncates.back();
  EXPECT_EQ(last.item_id, seen["truncated"].back()["item_id"]);
  EXPECT_GE(last.audio_end_ms, 400);
  EXPECT_LT(turns[3]["transcript"].get<std::string>().size(), std::string(kLongReply).size())
      << "the cancelled reply stopped early";
  // The SDK also truncates the previous reply on each speech_started (its wall-clock playback
  // model), and retrieves every truncated item (§2): each one answered.
  std::vector<std::string> truncated, retrieved;
  for (const auto& t : seen["truncated"]) truncated.push_back(t["item_id"]);
  for (const auto& r : seen["retrieved"]) retrieved.push_back(r);
  EXPECT_EQ(retrieved, truncated);
  EXPECT_EQ(count(log.client_events, "conversation.item.retrieve"),
            static_cast<int>(truncated.size()));
  EXPECT_EQ(log.truncates.size(), truncated.size());
}

void expect_openai_node_session(const std::string& mode, rt::Dialect dialect) {
  SCOPED_TRACE(mode);
  net::EventLoop loop;
  FakeOpenAIRealtime fake(loop, fake_options());
  fake.set_default_reply({.text = "Hello, how can I help you?", .delay = 300ms});
  const json seen = run_client(mode, fake);
  ASSERT_TRUE(seen.contains("event_types")) << seen.dump();
  const auto log = fake.log();
  const bool ga = dialect == rt::Dialect::ga;
  EXPECT_EQ(log.dialects, std::vector<std::string>{ga ? "ga" : "beta"});
  EXPECT_EQ(seen["session"]["instructions"], "Be brief.");
  EXPECT_TRUE(ga ? seen["session"]["audio"]["input"]["turn_detection"].is_null()
                 : seen["session"]["turn_detection"].is_null());
  const auto types = seen["event_types"].get<std::vector<std::string>>();
  const std::string delta = ga ? "response.output_audio.delta" : "response.audio.delta";
  EXPECT_EQ(count(types, delta), 1) << seen["event_types"].dump();
  EXPECT_EQ(seen["transcript"], "Hello, how can I help you?");
  EXPECT_EQ(seen["status"], "completed");
  EXPECT_EQ(seen["audio_bytes"].get<std::int64_t>() / 48, item_audio_ms(log, 0));
  // The committed caller audio is what the client appended.
  std::error_code ec;
  EXPECT_EQ(log.appended_bytes,
            static_cast<std::int64_t>(std::filesystem::file_size(caller_pcm(), ec)));
  // A cancel with nothing in flight: the client reports the server's error, with its event id.
  EXPECT_EQ(seen["refused"]["code"], "response_cancel_not_active");
  EXPECT_EQ(seen["refused"]["event_id"], "evt_cancel_nothing");
  EXPECT_EQ(seen["errors"], json::array({"response_cancel_not_active"}));
}

TEST(OfficialClients, OpenAINodeRealtimeWsInBothDialects) {
  expect_openai_node_session("openai-ga", rt::Dialect::ga);
  expect_openai_node_session("openai-beta", rt::Dialect::beta);
}

TEST(OfficialClients, OurAdapterConfiguresTheServerAsTheAgentsSdkDoes) {
  // The same configuration through both clients; the sessions the fake ends up running compared
  // on what both set (the SDK adds its defaults: transcription, noise reduction, tracing).
  net::EventLoop loop;
  json sdk_session;
  {
    FakeOpenAIRealtime fake(loop, fake_options());
    const json seen = run_client("agents-session", fake);
    ASSERT_TRUE(seen.contains("session")) << seen.dump();
    sdk_session = fake.log().session;
  }
  FakeOpenAIRealtime fake(loop, fake_options());
  adapters::OpenAIRealtimeOptions o;
  o.base_url = fake.base_url();
  o.api_key = kKey;
  o.ca_file = tls().cert;
  o.loop = &loop;
  o.session.instructions = "You are a bank assistant.";
  o.session.voice = "marin";
  o.session.turn_detection.silence_duration_ms = 500;
  o.session.tools = {{.name = "lookup_balance",
                      .description = "Balance of an account",
                      .parameters = {{"type", "object"},
                                     {"properties", {{"account", {{"type", "string"}}}}},
                                     {"required", {"account"}}}}};
  adapters::OpenAIRealtimeAdapter ours(o);
  ours.connect(std::make_shared<RealClock>());
  const json our_session = fake.log().session;
  ours.disconnect();

  for (const auto* path :
       {"/type", "/instructions", "/tools", "/tool_choice", "/output_modalities",
        "/audio/input/format", "/audio/output/format", "/audio/output/voice",
        "/audio/input/turn_detection/type", "/audio/input/turn_detection/silence_duration_ms",
        "/audio/input/turn_detection/create_response",
        "/audio/input/turn_detection/interrupt_response"}) {
    const json::json_pointer p(path);
    ASSERT_TRUE(sdk_session.contains(p)) << path << " missing from the SDK's session";
    EXPECT_EQ(our_session.value(p, json()), sdk_session.at(p)) << path;
  }
}

}  // namespace
}  // namespace scenario
