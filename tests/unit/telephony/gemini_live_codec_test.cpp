#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scenario/gemini/live.hpp"

namespace scenario::gemini::live {
namespace {

using nlohmann::json;

template <class T>
const T& as(const ClientMessage& m) {
  EXPECT_TRUE(std::holds_alternative<T>(m)) << "got " << name_of(m);
  return std::get<T>(m);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "no error";
}

// Every key of every object in `j`, recursively.
void keys_of(const json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      out.push_back(k);
      keys_of(v, out);
    }
  } else if (j.is_array()) {
    for (const auto& v : j) keys_of(v, out);
  }
}

// What js-genai 3.3.0 sends for this config (verified §6: "models/" prefix, role "user" added to
// the system instruction, camelCase throughout).
TEST(GeminiLiveCodec, SetupIsSentAsTheJsSdkSendsIt) {
  SessionSetup s{.model = "gemini-2.5-flash-native-audio-preview-12-2025",
                 .voice = "Kore",
                 .system_instruction = "You are a helpful agent.",
                 .automatic_activity_detection = false,
                 .input_transcription = true,
                 .output_transcription = true};
  const auto sent = json::parse(encode(s));
  const auto expected = json::parse(R"({"setup":{
      "model":"models/gemini-2.5-flash-native-audio-preview-12-2025",
      "generationConfig":{"responseModalities":["AUDIO"],
                          "speechConfig":{"voiceConfig":{"prebuiltVoiceConfig":{"voiceName":"Kore"}}}},
      "systemInstruction":{"parts":[{"text":"You are a helpful agent."}],"role":"user"},
      "realtimeInputConfig":{"automaticActivityDetection":{"disabled":true}},
      "inputAudioTranscription":{},"outputAudioTranscription":{}}})");
  EXPECT_EQ(sent, expected) << sent.dump(2);
  const auto back = as<SessionSetup>(decode_client(sent.dump()));
  EXPECT_EQ(back.model, "models/gemini-2.5-flash-native-audio-preview-12-2025");
  EXPECT_EQ(back.voice, "Kore");
  EXPECT_EQ(back.system_instruction, "You are a helpful agent.");
  EXPECT_FALSE(back.automatic_activity_detection);
  EXPECT_TRUE(back.input_transcription && back.output_transcription);
  EXPECT_EQ(encode(back), encode(s));
}

// python-genai: top-level camelCase but pass-through sub-objects in snake_case; the cookbook:
// snake_case everywhere. Both must read as the same setup.
TEST(GeminiLiveCodec, SetupInEitherCasingReadsTheSame) {
  const auto python = as<SessionSetup>(decode_client(R"({"setup":{"model":"models/m",
      "generationConfig":{"responseModalities":["AUDIO"],
        "speechConfig":{"voice_config":{"prebuilt_voice_config":{"voice_name":"Puck"}},"language_code":"en-GB"}},
      "realtimeInputConfig":{"automatic_activity_detection":{"disabled":true,
        "start_of_speech_sensitivity":"START_SENSITIVITY_LOW","silence_duration_ms":"500"}},
      "sessionResumption":{"handle":"h_1"}}})"));
  const auto snake = as<SessionSetup>(decode_client(R"({"setup":{"model":"models/m",
      "generation_config":{"response_modalities":["AUDIO"],
        "speech_config":{"voice_config":{"prebuilt_voice_config":{"voice_name":"Puck"}},"language_code":"en-GB"}},
      "realtime_input_config":{"automatic_activity_detection":{"disabled":true,
        "start_of_speech_sensitivity":"START_SENSITIVITY_LOW","silence_duration_ms":500}},
      "session_resumption":{"handle":"h_1"}}})"));
  for (const auto* s : {&python, &snake}) {
    EXPECT_EQ(s->voice, "Puck");
    EXPECT_EQ(s->language_code, "en-GB");
    EXPECT_FALSE(s->automatic_activity_detection);
    EXPECT_EQ(s->start_of_speech, Sensitivity::low);
    EXPECT_EQ(s->silence_duration_ms, 500);
    EXPECT_EQ(s->resumption_handle, "h_1");
  }
  EXPECT_EQ(encode(python), encode(snake));
  EXPECT_NE(
      error_of([] {
        decode_client(R"({"setup":{"model":"m","generationConfig":{},"generation_config":{}}})");
      }).find("both \"generationConfig\" and \"generation_config\""),
      std::string::npos);
}

TEST(GeminiLiveCodec, CallerAudioIs16kPcmInEitherBase64Alphabet) {
  const RealtimeAudio audio{.samples = {1, -2, 32767, -32768, 0}, .rate = 16000};
  const auto sent = json::parse(encode(audio));
  EXPECT_EQ(sent["realtimeInput"]["audio"]["mimeType"], "audio/pcm;rate=16000");
  EXPECT_EQ(sent["realtimeInput"]["audio"]["data"], "AQD+//9/AIAAAA==");
  EXPECT_EQ(as<RealtimeAudio>(decode_client(sent.dump())).samples, audio.samples);
  // The Python SDK: URL-safe alphabet; snake_case keys; unpadded is accepted too.
  const auto python = as<RealtimeAudio>(decode_client(
      R"({"realtime_input":{"audio":{"mime_type":"audio/pcm;rate=16000","data":"AQD-__9_AIAAAA"}}})"));
  EXPECT_EQ(python.samples, audio.samples);
  // The cookbook's legacy media_chunks with a bare audio/pcm (16 kHz).
  const auto legacy = as<RealtimeAudio>(decode_client(
      R"({"realtime_input":{"media_chunks":[{"mime_type":"audio/pcm","data":"AQD+/w=="},{"mime_type":"audio/pcm","data":"AAA="}]}})"));
  EXPECT_EQ(legacy.samples, (std::vector<std::int16_t>{1, -2, 0}));
  EXPECT_EQ(legacy.rate, 16000);
}

TEST(GeminiLiveCodec, ActivityBracketsTextAndToolResponses) {
  EXPECT_EQ(encode(ActivityStart{}), R"({"realtimeInput":{"activityStart":{}}})");
  EXPECT_EQ(encode(ActivityEnd{}), R"({"realtimeInput":{"activityEnd":{}}})");
  EXPECT_EQ(encode(AudioStreamEnd{}), R"({"realtimeInput":{"audioStreamEnd":true}})");
  as<ActivityStart>(decode_client(R"({"realtime_input":{"activity_start":{}}})"));
  as<ActivityEnd>(decode_client(R"({"realtimeInput":{"activityEnd":{}}})"));
  EXPECT_EQ(as<RealtimeText>(decode_client(R"({"realtimeInput":{"text":"hi"}})")).text, "hi");
  const ToolResponse r{
      {{.id = "fc_1", .name = "get_weather", .response = {{"sky_state", "sunny"}}}}};
  EXPECT_EQ(json::parse(encode(r)), json::parse(R"({"toolResponse":{"functionResponses":[
      {"id":"fc_1","name":"get_weather","response":{"sky_state":"sunny"}}]}})"));
  const auto back = as<ToolResponse>(decode_client(encode(r)));
  // The user's own keys are never re-spelled.
  EXPECT_EQ(back.function_responses.at(0).response, (json{{"sky_state", "sunny"}}));
  const auto content = as<ClientContent>(decode_client(
      R"({"client_content":{"turns":[{"role":"user","parts":[{"text":"Hello"}]}],"turn_complete":true}})"));
  EXPECT_TRUE(content.turn_complete);
  EXPECT_EQ(content.turns.at(0)["parts"][0]["text"], "Hello");
  // js-genai 3.x also sends contextUpdate (verified §4).
  EXPECT_EQ(
      as<ContextUpdate>(decode_client(R"({"contextUpdate":{"systemInstruction":{"parts":[]}}})"))
          .body.contains("systemInstruction"),
      true);
}

TEST(GeminiLiveCodec, MalformedClientMessagesAreRefusedWithTheField) {
  auto expect = [](std::string_view text, std::string_view needle) {
    const auto e = error_of([&] { decode_client(text); });
    EXPECT_NE(e.find(needle), std::string::npos) << text << " -> " << e;
  };
  expect("{", "not JSON");
  expect("[1]", "not a JSON object");
  expect("{}", "it holds: nothing");
  expect(R"({"setup":{"model":"m"},"realtimeInput":{"text":"x"}})", "exactly one of setup");
  expect(R"({"realtimeInput":{"text":"x","activityEnd":{}}})", "exactly one of audio");
  expect(R"({"realtimeInput":{"audio":{"mimeType":"audio/wav","data":"AAA="}}})",
         "realtimeInput.audio.mimeType");
  expect(R"({"realtimeInput":{"audio":{"mimeType":"audio/pcm;rate=99","data":"AAA="}}})",
         "8000…48000");
  expect(R"({"realtimeInput":{"audio":{"mimeType":"audio/pcm","data":"AAAA"}}})",
         "3 bytes is not whole 16-bit samples");
  expect(R"({"realtimeInput":{"audio":{"mimeType":"audio/pcm","data":"A!=="}}})",
         "realtimeInput.audio.data: is not base64");
  expect(R"({"toolResponse":{"functionResponses":[{"name":"f"}]}})",
         "toolResponse.functionResponses[]: missing \"id\"");
  expect(R"({"setup":{}})", "setup: missing \"model\"");
}

TEST(GeminiLiveCodec, ServerContentCarriesAudioTextThoughtsAndTranscripts) {
  const auto m = decode_server(R"({"serverContent":{"modelTurn":{"parts":[
      {"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQD+/w=="}},
      {"text":"Let me think","thought":true},{"text":"Hello"}]},
      "outputTranscription":{"text":"Hello there"},
      "inputTranscription":{"text":"hi","finished":true}}})");
  ASSERT_TRUE(m.server_content);
  const auto& c = *m.server_content;
  ASSERT_EQ(c.audio.size(), 1u);
  EXPECT_EQ(c.audio[0].samples, (std::vector<std::int16_t>{1, -2}));
  EXPECT_EQ(c.audio[0].rate, 24000);
  EXPECT_EQ(c.text, "Hello");
  EXPECT_EQ(c.thought_text, "Let me think");
  EXPECT_EQ(c.output_transcription->text, "Hello there");
  EXPECT_TRUE(c.input_transcription->finished);
  EXPECT_FALSE(c.turn_complete || c.interrupted || c.generation_complete);
  EXPECT_EQ(encode(decode_server(encode(m))), encode(m));
}

// Several parts in one message; int64 counts as proto3 JSON strings; either casing; unknown keys
// (newer VAD signals) ignored.
TEST(GeminiLiveCodec, ServerMessagesMayCarrySeveralPartsInEitherCasing) {
  const auto m = decode_server(R"({"serverContent":{"turnComplete":true},
      "usageMetadata":{"promptTokenCount":120,"responseTokenCount":"40","totalTokenCount":160},
      "voiceActivity":{"voiceActivityType":"ACTIVITY_END"}})");
  ASSERT_TRUE(m.server_content && m.usage_metadata);
  EXPECT_TRUE(m.server_content->turn_complete);
  EXPECT_EQ(m.usage_metadata->response_tokens, 40);
  EXPECT_EQ(m.usage_metadata->total_tokens, 160);
  const auto snake =
      decode_server(R"({"tool_call":{"function_calls":[{"id":"fc_1","name":"get_weather",
      "args":{"city_name":"Paris"}}]},"tool_call_cancellation":{"ids":["fc_0"]},
      "session_resumption_update":{"new_handle":"h_2","resumable":true,"last_consumed_client_message_index":"17"},
      "go_away":{"time_left":"1.5s"},"setup_complete":{}})");
  ASSERT_TRUE(snake.tool_call && snake.tool_call_cancellation && snake.session_resumption_update &&
              snake.go_away && snake.setup_complete);
  EXPECT_EQ(snake.tool_call->function_calls.at(0).args, (json{{"city_name", "Paris"}}));
  EXPECT_EQ(snake.tool_call_cancellation->ids, std::vector<std::string>{"fc_0"});
  EXPECT_EQ(snake.session_resumption_update->new_handle, "h_2");
  EXPECT_EQ(snake.session_resumption_update->last_consumed_client_message_index, 17);
  EXPECT_EQ(snake.go_away->time_left, std::chrono::milliseconds(1500));
  // What we send as the server is camelCase only: the JS SDK reads nothing else (verified §3; a
  // snake_case setup_complete leaves live.connect() pending forever). Users' keys stay theirs.
  std::vector<std::string> keys;
  keys_of(json::parse(encode(snake)), keys);
  for (const auto& k : keys)
    if (k != "city_name") {
      EXPECT_EQ(k.find('_'), std::string::npos) << k;
    }
  EXPECT_EQ(encode(decode_server(encode(snake))), encode(snake));
}

TEST(GeminiLiveCodec, DurationsAndErrors) {
  EXPECT_EQ(parse_duration("10s"), std::chrono::milliseconds(10000));
  EXPECT_EQ(parse_duration("0.250s"), std::chrono::milliseconds(250));
  EXPECT_EQ(parse_duration("1.0005s"), std::chrono::milliseconds(1001));
  EXPECT_EQ(parse_duration("59.999999999s"), std::chrono::milliseconds(60000));
  for (const auto* bad : {"", "s", "10", "-1s", "1.s", "1.5xs", "1e3s"})
    EXPECT_THROW(parse_duration(bad), ProtocolError) << bad;
  const auto err = decode_server(
      R"({"error":{"code":400,"message":"Invalid setup","status":"INVALID_ARGUMENT"}})");
  ASSERT_TRUE(err.error);
  EXPECT_EQ(err.error->code, 400);
  EXPECT_EQ(err.error->status, "INVALID_ARGUMENT");
  const auto bare = decode_server(R"({"code":429,"message":"quota"})");
  ASSERT_TRUE(bare.error);
  EXPECT_EQ(bare.error->message, "quota");
  EXPECT_NE(
      error_of([] { decode_server(R"({"goAway":{"timeLeft":"soon"}})"); }).find("goAway.timeLeft"),
      std::string::npos);
  EXPECT_NE(
      error_of([] {
        decode_server(
            R"({"serverContent":{"modelTurn":{"parts":[{"inlineData":{"mimeType":"audio/pcm;rate=24000","data":"AQ=="}}]}}})");
      }).find("not whole 16-bit samples"),
      std::string::npos);
}

}  // namespace
}  // namespace scenario::gemini::live
