#include "scenario/message.hpp"

#include <stdexcept>

#include "scenario/audio/base64.hpp"
#include "scenario/audio/wav.hpp"

namespace scenario {
namespace {

using nlohmann::json;

json audio_to_json(const audio::AudioChunk& chunk) {
  const auto wav =
      audio::write_wav(audio::PcmBuffer{audio::AudioChunk::sample_rate, 1, chunk.samples});
  json part = {{"type", "input_audio"},
               {"input_audio", {{"data", audio::base64_encode(wav)}, {"format", "wav"}}}};
  if (chunk.transcript) part["input_audio"]["transcript"] = *chunk.transcript;
  return part;
}

audio::AudioChunk audio_from_json(const json& input_audio) {
  if (!input_audio.is_object() || !input_audio.contains("data") ||
      !input_audio["data"].is_string()) {
    throw std::invalid_argument("input_audio part needs a base64 'data' string");
  }
  const std::string format = input_audio.value("format", "wav");
  if (format != "wav") {
    throw std::invalid_argument("input_audio format '" + format +
                                "' is not supported (expected wav)");
  }
  const auto wav = audio::read_wav(audio::base64_decode(input_audio["data"].get<std::string>()));
  audio::AudioChunk chunk;
  if (wav.info.sample_rate == audio::AudioChunk::sample_rate && wav.info.channels == 1) {
    chunk.samples = wav.pcm.samples;
  } else {
    throw std::invalid_argument("input_audio must be 24 kHz mono WAV, got " +
                                std::to_string(wav.info.sample_rate) + " Hz, " +
                                std::to_string(wav.info.channels) + " channel(s)");
  }
  if (input_audio.contains("transcript") && input_audio["transcript"].is_string()) {
    chunk.transcript = input_audio["transcript"].get<std::string>();
  }
  return chunk;
}

}  // namespace

std::string_view to_string(Role role) noexcept {
  switch (role) {
    case Role::system:
      return "system";
    case Role::developer:
      return "developer";
    case Role::user:
      return "user";
    case Role::assistant:
      return "assistant";
    case Role::tool:
      return "tool";
  }
  return "user";
}

Role parse_role(std::string_view text) {
  if (text == "system") return Role::system;
  if (text == "developer") return Role::developer;
  if (text == "user") return Role::user;
  if (text == "assistant") return Role::assistant;
  if (text == "tool") return Role::tool;
  throw std::invalid_argument("unknown message role '" + std::string(text) + "'");
}

ContentPart ContentPart::text_part(std::string text) {
  ContentPart p;
  p.kind = Kind::text;
  p.text = std::move(text);
  return p;
}

ContentPart ContentPart::audio_part(audio::AudioChunk chunk) {
  ContentPart p;
  p.kind = Kind::audio;
  p.audio = std::make_shared<const audio::AudioChunk>(std::move(chunk));
  return p;
}

ContentPart ContentPart::image_part(std::string url, std::string detail) {
  ContentPart p;
  p.kind = Kind::image_url;
  p.image_url = std::move(url);
  p.image_detail = std::move(detail);
  return p;
}

std::string Message::text() const {
  if (parts.empty()) return content.value_or("");
  std::string out;
  for (const auto& part : parts) {
    std::string piece;
    if (part.kind == ContentPart::Kind::text) piece = part.text;
    if (part.kind == ContentPart::Kind::audio && part.audio && part.audio->transcript)
      piece = *part.audio->transcript;
    if (piece.empty()) continue;
    if (!out.empty()) out += "\n";
    out += piece;
  }
  return out;
}

bool Message::has_tool_call(std::string_view function_name) const {
  for (const auto& call : tool_calls) {
    if (call.name == function_name) return true;
  }
  return false;
}

json Message::to_json() const {
  json j = extra.is_object() ? extra : json::object();
  j["role"] = to_string(role);
  if (!parts.empty()) {
    json array = json::array();
    for (const auto& part : parts) {
      switch (part.kind) {
        case ContentPart::Kind::text:
          array.push_back({{"type", "text"}, {"text", part.text}});
          break;
        case ContentPart::Kind::image_url: {
          json image = {{"url", part.image_url}};
          if (!part.image_detail.empty()) image["detail"] = part.image_detail;
          array.push_back({{"type", "image_url"}, {"image_url", image}});
          break;
        }
        case ContentPart::Kind::audio:
          array.push_back(audio_to_json(part.audio ? *part.audio : audio::AudioChunk{}));
          break;
      }
    }
    j["content"] = array;
  } else if (content) {
    j["content"] = *content;
  }
  if (!tool_calls.empty()) {
    json calls = json::array();
    for (const auto& c : tool_calls) {
      calls.push_back({{"id", c.id},
                       {"type", "function"},
                       {"function", {{"name", c.name}, {"arguments", c.arguments}}}});
    }
    j["tool_calls"] = calls;
  }
  if (tool_call_id) j["tool_call_id"] = *tool_call_id;
  if (name) j["name"] = *name;
  return j;
}

Message Message::from_json(const json& j) {
  if (!j.is_object()) throw std::invalid_argument("a message must be a JSON object");
  if (!j.contains("role") || !j["role"].is_string())
    throw std::invalid_argument("message has no 'role' string");
  Message m;
  m.role = parse_role(j["role"].get<std::string>());
  for (const auto& [key, value] : j.items()) {
    if (key == "role") continue;
    if (key == "content") {
      if (value.is_string()) {
        m.content = value.get<std::string>();
      } else if (value.is_array()) {
        for (const auto& part : value) {
          const std::string type = part.value("type", "");
          if (type == "text") {
            m.parts.push_back(ContentPart::text_part(part.value("text", "")));
          } else if (type == "image_url") {
            const auto& image = part.at("image_url");
            m.parts.push_back(
                ContentPart::image_part(image.value("url", ""), image.value("detail", "")));
          } else if (type == "input_audio") {
            m.parts.push_back(ContentPart::audio_part(audio_from_json(part.at("input_audio"))));
          } else {
            throw std::invalid_argument("unsupported content part type '" + type + "'");
          }
        }
      } else if (value.is_null()) {
        m.extra["content"] = nullptr;  // keep an explicit null for a lossless round trip
      } else {
        throw std::invalid_argument("message content must be a string, an array of parts or null");
      }
    } else if (key == "tool_calls" && value.is_array()) {
      for (const auto& call : value) {
        const auto& function = call.at("function");
        ToolCall c{call.value("id", ""), function.value("name", ""), "{}"};
        if (function.contains("arguments")) {
          const auto& args = function["arguments"];
          c.arguments = args.is_string() ? args.get<std::string>() : args.dump();
        }
        m.tool_calls.push_back(std::move(c));
      }
    } else if (key == "tool_call_id" && value.is_string()) {
      m.tool_call_id = value.get<std::string>();
    } else if (key == "name" && value.is_string()) {
      m.name = value.get<std::string>();
    } else {
      m.extra[key] = value;
    }
  }
  return m;
}

Message system_message(std::string text) {
  return Message{.role = Role::system, .content = std::move(text)};
}
Message user_message(std::string text) {
  return Message{.role = Role::user, .content = std::move(text)};
}
Message assistant_message(std::string text) {
  return Message{.role = Role::assistant, .content = std::move(text)};
}
Message tool_result(std::string tool_call_id, std::string content) {
  return Message{
      .role = Role::tool, .content = std::move(content), .tool_call_id = std::move(tool_call_id)};
}

}  // namespace scenario
