#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scenario/audio/chunk.hpp"

namespace scenario {

/// Who wrote a chat message (OpenAI chat roles).
enum class Role { system, developer, user, assistant, tool };

std::string_view to_string(Role role) noexcept;
/// Throws std::invalid_argument naming the text for an unknown role.
Role parse_role(std::string_view text);

/// One call of a function tool by the assistant. `arguments` is JSON text, as the API carries it.
struct ToolCall {
  std::string id{};
  std::string name{};
  std::string arguments = "{}";

  /// The arguments parsed; throws nlohmann::json::parse_error for malformed JSON.
  nlohmann::json parsed_arguments() const { return nlohmann::json::parse(arguments); }
  friend bool operator==(const ToolCall&, const ToolCall&) = default;
};

/// A part of multi-part content: text, audio (canonical PCM, carried as base64 WAV in JSON), or
/// an image URL.
struct ContentPart {
  enum class Kind { text, audio, image_url };
  Kind kind = Kind::text;
  std::string text{};  ///< kind == text
  /// kind == audio. Shared and immutable: the copies of a conversation (the run's state, each
  /// agent's input, the result) hold one copy of the audio, not one each.
  std::shared_ptr<const audio::AudioChunk> audio{};
  std::string image_url{};     ///< kind == image_url
  std::string image_detail{};  ///< optional "low" / "high" / "auto"

  static ContentPart text_part(std::string text);
  static ContentPart audio_part(audio::AudioChunk chunk);
  static ContentPart image_part(std::string url, std::string detail = {});
};

/// A chat message in the OpenAI model: text content or content parts, assistant tool calls,
/// tool results. Fields the model does not know are kept in `extra`, so a JSON round trip is
/// lossless.
struct Message {
  Role role = Role::user;
  /// Plain text content (nullopt = JSON null / absent), used when `parts` is empty.
  std::optional<std::string> content{};
  std::vector<ContentPart> parts{};
  std::vector<ToolCall> tool_calls{};         ///< assistant only
  std::optional<std::string> tool_call_id{};  ///< tool only
  std::optional<std::string> name{};
  nlohmann::json extra = nlohmann::json::object();
  /// Voice runs: this user message was already spoken on the line (a play_audio or dtmf step, an
  /// interruption), so the agent's next turn does not say it again. Not part of the JSON.
  bool spoken = false;

  /// All text of the message: `content`, or the text parts joined by newlines (audio parts
  /// contribute their transcript when they have one).
  std::string text() const;
  bool has_tool_call(std::string_view function_name) const;

  nlohmann::json to_json() const;
  /// Throws std::invalid_argument with what is wrong (missing role, bad part type …).
  static Message from_json(const nlohmann::json& json);
};

Message system_message(std::string text);
Message user_message(std::string text);
Message assistant_message(std::string text);
Message tool_result(std::string tool_call_id, std::string content);

}  // namespace scenario
