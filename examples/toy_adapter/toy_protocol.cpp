#include "toy_protocol.hpp"

#include <nlohmann/json.hpp>

#include "scenario/audio/base64.hpp"
#include "scenario/audio/chunk.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/voice/transport_event.hpp"

namespace toy {
namespace {

using nlohmann::json;
using scenario::Overloaded;

std::string string_field(const json& j, const char* name) {
  const auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    throw ProtocolError(std::string("toy: missing string field \"") + name + "\"");
  return it->get<std::string>();
}

std::vector<std::int16_t> pcm_field(const json& j) {
  try {
    return scenario::audio::pcm16_from_le_bytes(
        scenario::audio::base64_decode(string_field(j, "pcm")));
  } catch (const ProtocolError&) {
    throw;
  } catch (const std::exception& e) {
    throw ProtocolError(std::string("toy: bad audio: ") + e.what());
  }
}

std::string pcm_text(const std::vector<std::int16_t>& pcm) {
  return scenario::audio::base64_encode(scenario::audio::pcm16_to_le_bytes(pcm));
}

Message decode_object(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw ProtocolError("toy: not a JSON object");
  const std::string type = string_field(j, "type");
  if (type == "audio") return Audio{.pcm = pcm_field(j), .reply = j.value("reply", "")};
  if (type == "commit") return Commit{};
  if (type == "interrupt") {
    const auto it = j.find("heard_ms");
    if (it == j.end() || !it->is_number_integer())
      throw ProtocolError("toy: interrupt without an integer \"heard_ms\"");
    return Interrupt{.heard_ms = it->get<std::int64_t>()};
  }
  if (type == "transcript")
    return Transcript{.text = string_field(j, "text"), .reply = j.value("reply", "")};
  if (type == "done") return Done{.reply = j.value("reply", "")};
  if (type == "stopped") return Stopped{.reply = j.value("reply", "")};
  if (type == "error")
    return Error{.message = string_field(j, "message"), .fatal = j.value("fatal", false)};
  throw ProtocolError("toy: unknown message type \"" + type + "\"");
}

}  // namespace

Message decode(std::string_view text) {
  try {
    return decode_object(text);
  } catch (const json::exception& e) {
    // A field of the wrong type ("fatal":"yes", "reply":7): say so as the protocol's error.
    throw ProtocolError(std::string("toy: malformed message: ") + e.what());
  }
}

std::string encode(const Message& message) {
  return std::visit(
      Overloaded{
          [](const Audio& a) {
            json j = {{"type", "audio"}, {"pcm", pcm_text(a.pcm)}};
            if (!a.reply.empty()) j["reply"] = a.reply;
            return j.dump();
          },
          [](const Commit&) {
            return json{{"type", "commit"}}.dump();
          },
          [](const Interrupt& i) {
            return json{{"type", "interrupt"}, {"heard_ms", i.heard_ms}}.dump();
          },
          [](const Transcript& t) {
            return json{{"type", "transcript"}, {"text", t.text}, {"reply", t.reply}}.dump();
          },
          [](const Done& d) {
            return json{{"type", "done"}, {"reply", d.reply}}.dump();
          },
          [](const Stopped& s) {
            return json{{"type", "stopped"}, {"reply", s.reply}}.dump();
          },
          [](const Error& e) {
            return json{{"type", "error"}, {"message", e.message}, {"fatal", e.fatal}}.dump();
          }},
      message);
}

}  // namespace toy
