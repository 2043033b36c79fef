#include <gtest/gtest.h>

#include "scenario/message.hpp"
#include "support/fixtures.hpp"

namespace scenario {
namespace {

using nlohmann::json;

void expect_round_trip(const json& original) {
  const Message m = Message::from_json(original);
  EXPECT_EQ(m.to_json(), original) << original.dump(2);
  EXPECT_EQ(Message::from_json(m.to_json()).to_json(), original);
}

TEST(Message, JsonRoundTripIsLosslessForEveryKind) {
  expect_round_trip({{"role", "system"}, {"content", "You are Acme's support agent."}});
  expect_round_trip({{"role", "developer"}, {"content", "Be brief."}});
  expect_round_trip({{"role", "user"}, {"content", "hi"}, {"name", "caller"}});
  expect_round_trip(
      {{"role", "assistant"},
       {"content", nullptr},
       {"tool_calls",
        json::array(
            {{{"id", "call_9"},
              {"type", "function"},
              {"function", {{"name", "lookup_order"}, {"arguments", "{\"id\":\"A-17\"}"}}}}})}});
  expect_round_trip(
      {{"role", "tool"}, {"tool_call_id", "call_9"}, {"content", "{\"status\":\"shipped\"}"}});
  expect_round_trip(
      {{"role", "user"},
       {"content", json::array({{{"type", "text"}, {"text", "what is this?"}},
                                {{"type", "image_url"},
                                 {"image_url",
                                  {{"url", "https://example.com/a.png"}, {"detail", "low"}}}}})}});
  // Fields the model does not know survive too.
  expect_round_trip(
      {{"role", "assistant"}, {"content", "ok"}, {"refusal", nullptr}, {"x_trace", {{"span", 3}}}});
}

TEST(Message, AudioPartsCarryCanonicalPcmAndTranscript) {
  audio::AudioChunk chunk;
  chunk.samples = test::speech("one two three", 24000);
  chunk.transcript = "one two three";
  Message m{.role = Role::user, .content = std::nullopt};
  m.parts.push_back(ContentPart::audio_part(chunk));
  m.parts.push_back(ContentPart::text_part("(caller sounds tired)"));
  const json j = m.to_json();
  EXPECT_EQ(j["content"][0]["type"], "input_audio");
  EXPECT_EQ(j["content"][0]["input_audio"]["format"], "wav");
  const Message back = Message::from_json(j);
  ASSERT_EQ(back.parts.size(), 2u);
  ASSERT_NE(back.parts[0].audio, nullptr);
  EXPECT_EQ(back.parts[0].audio->samples, chunk.samples);
  EXPECT_EQ(back.parts[0].audio->transcript, "one two three");
  EXPECT_EQ(back.text(), "one two three\n(caller sounds tired)");
  EXPECT_EQ(back.to_json(), j);
}

TEST(Message, MalformedJsonIsRejectedWithTheReason) {
  auto expect_error = [](const json& j, const std::string& needle) {
    try {
      (void)Message::from_json(j);
      ADD_FAILURE() << "accepted " << j.dump();
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(json::array(), "JSON object");
  expect_error({{"content", "x"}}, "no 'role'");
  expect_error({{"role", "robot"}}, "unknown message role 'robot'");
  expect_error({{"role", "user"}, {"content", 42}}, "content must be");
  expect_error({{"role", "user"}, {"content", json::array({{{"type", "file"}}})}},
               "unsupported content part type 'file'");
  expect_error(
      {{"role", "user"},
       {"content", json::array({{{"type", "input_audio"}, {"input_audio", {{"format", "wav"}}}}})}},
      "base64 'data'");
  expect_error(
      {{"role", "user"},
       {"content", json::array({{{"type", "input_audio"},
                                 {"input_audio", {{"data", "AAAA"}, {"format", "mp3"}}}}})}},
      "format 'mp3'");
}

TEST(Message, HelpersAndToolCallArguments) {
  EXPECT_EQ(user_message("hi").role, Role::user);
  EXPECT_EQ(assistant_message("yo").text(), "yo");
  EXPECT_EQ(tool_result("c1", "42").tool_call_id, "c1");
  Message m = assistant_message("");
  m.tool_calls.push_back({"c1", "refund", R"({"amount": 20})"});
  EXPECT_TRUE(m.has_tool_call("refund"));
  EXPECT_EQ(m.tool_calls[0].parsed_arguments()["amount"], 20);
  m.tool_calls[0].arguments = "{broken";
  EXPECT_THROW((void)m.tool_calls[0].parsed_arguments(), nlohmann::json::parse_error);
  // Arguments given as an object (some providers do) are kept as JSON text.
  const auto parsed = Message::from_json(
      {{"role", "assistant"},
       {"tool_calls",
        json::array({{{"id", "x"}, {"function", {{"name", "f"}, {"arguments", {{"a", 1}}}}}}})}});
  EXPECT_EQ(parsed.tool_calls[0].arguments, R"({"a":1})");
}

}  // namespace
}  // namespace scenario
