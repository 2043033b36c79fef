// OpenAI Realtime wire codec (shared/protocols/openai-realtime.md). Field sets follow the SDK
// types the doc cites; where the "Verified against the official JS SDKs" section says otherwise,
// it wins (§ numbers below refer to it).
#include <algorithm>
#include <type_traits>

#include "scenario/audio/base64.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/openai/realtime.hpp"

namespace scenario::openai::realtime {
namespace {

using nlohmann::json;

template <class>
[[maybe_unused]] inline constexpr bool kAlwaysFalse = false;

[[noreturn]] void fail(std::string_view event, std::string_view what) {
  throw ProtocolError(std::string(event) + ": " + std::string(what));
}

const json& field(const json& j, const char* name, std::string_view event) {
  if (!j.is_object()) fail(event, "expected an object holding \"" + std::string(name) + "\"");
  const auto it = j.find(name);
  if (it == j.end()) fail(event, "missing \"" + std::string(name) + "\"");
  return *it;
}

std::string get_string(const json& j, const char* name, std::string_view event) {
  const auto& v = field(j, name, event);
  if (!v.is_string()) fail(event, "\"" + std::string(name) + "\" is not a string");
  return v.get<std::string>();
}

/// Missing or null: empty.
std::string opt_string(const json& j, const char* name, std::string_view event) {
  if (!j.is_object()) return {};
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return {};
  if (!it->is_string()) fail(event, "\"" + std::string(name) + "\" is not a string");
  return it->get<std::string>();
}

std::optional<std::string> nullable_string(const json& j, const char* name,
                                           std::string_view event) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(event, "\"" + std::string(name) + "\" is not a string");
  return it->get<std::string>();
}

std::int64_t get_int(const json& j, const char* name, std::string_view event) {
  const auto& v = field(j, name, event);
  if (!v.is_number_integer()) fail(event, "\"" + std::string(name) + "\" is not an integer");
  return v.get<std::int64_t>();
}

int opt_int(const json& j, const char* name, std::string_view event, int fallback = 0) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) fail(event, "\"" + std::string(name) + "\" is not an integer");
  const auto v = it->get<std::int64_t>();
  if (v < 0 || v > 1'000'000'000) fail(event, "\"" + std::string(name) + "\" is out of range");
  return static_cast<int>(v);
}

double opt_number(const json& j, const char* name, std::string_view event, double fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_number()) fail(event, "\"" + std::string(name) + "\" is not a number");
  return it->get<double>();
}

bool opt_bool(const json& j, const char* name, std::string_view event, bool fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(name);
  if (it == j.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(event, "\"" + std::string(name) + "\" is not a boolean");
  return it->get<bool>();
}

std::vector<std::uint8_t> get_base64(const json& j, const char* name, std::string_view event) {
  const auto text = get_string(j, name, event);
  try {
    return audio::base64_decode(text);
  } catch (const std::exception& e) {
    fail(event, "\"" + std::string(name) + "\" is not base64: " + e.what());
  }
}

json nullable(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }

// ---- Session -----------------------------------------------------------------------------------

json turn_detection_to_json(const TurnDetection& t, Dialect dialect) {
  switch (t.type) {
    case TurnDetectionType::none:
      return nullptr;
    case TurnDetectionType::server_vad: {
      json j = {{"type", "server_vad"},
                {"threshold", t.threshold},
                {"prefix_padding_ms", t.prefix_padding_ms},
                {"silence_duration_ms", t.silence_duration_ms},
                {"create_response", t.create_response},
                {"interrupt_response", t.interrupt_response}};
      if (t.idle_timeout_ms && dialect == Dialect::ga) j["idle_timeout_ms"] = *t.idle_timeout_ms;
      return j;
    }
    case TurnDetectionType::semantic_vad:
      return {{"type", "semantic_vad"},
              {"eagerness", t.eagerness},
              {"create_response", t.create_response},
              {"interrupt_response", t.interrupt_response}};
  }
  return nullptr;
}

TurnDetection turn_detection_from_json(const json& j) {
  constexpr std::string_view where = "session.turn_detection";
  TurnDetection t;
  if (j.is_null()) {
    t.type = TurnDetectionType::none;
    return t;
  }
  const auto type = get_string(j, "type", where);
  if (type == "server_vad") {
    t.type = TurnDetectionType::server_vad;
  } else if (type == "semantic_vad") {
    t.type = TurnDetectionType::semantic_vad;
  } else {
    fail(where, "unknown type \"" + type + "\"");
  }
  t.threshold = opt_number(j, "threshold", where, t.threshold);
  t.prefix_padding_ms = opt_int(j, "prefix_padding_ms", where, t.prefix_padding_ms);
  t.silence_duration_ms = opt_int(j, "silence_duration_ms", where, t.silence_duration_ms);
  if (j.contains("idle_timeout_ms") && !j["idle_timeout_ms"].is_null())
    t.idle_timeout_ms = opt_int(j, "idle_timeout_ms", where);
  if (const auto e = opt_string(j, "eagerness", where); !e.empty()) t.eagerness = e;
  t.create_response = opt_bool(j, "create_response", where, t.create_response);
  t.interrupt_response = opt_bool(j, "interrupt_response", where, t.interrupt_response);
  return t;
}

json tools_to_json(const std::vector<Tool>& tools) {
  json out = json::array();
  for (const auto& t : tools)
    out.push_back({{"type", "function"},
                   {"name", t.name},
                   {"description", t.description},
                   {"parameters", t.parameters}});
  return out;
}

std::vector<Tool> tools_from_json(const json& j) {
  constexpr std::string_view where = "session.tools";
  std::vector<Tool> tools;
  if (j.is_null()) return tools;
  if (!j.is_array()) fail(where, "is not an array");
  for (const auto& t : j) {
    Tool tool{.name = get_string(t, "name", where),
              .description = opt_string(t, "description", where)};
    if (t.contains("parameters")) tool.parameters = t["parameters"];
    tools.push_back(std::move(tool));
  }
  return tools;
}

json transcription_to_json(const std::string& model) {
  return model.empty() ? json(nullptr) : json{{"model", model}};
}

std::string transcription_from_json(const json& j) {
  if (j.is_null()) return {};
  return opt_string(j, "model", "session.input_audio_transcription");
}

// ---- Items -------------------------------------------------------------------------------------

json part_to_json(const ContentPart& p) {
  json j = {{"type", p.type}};
  if (p.type.find("text") != std::string::npos) j["text"] = p.text;
  if (p.transcript) j["transcript"] = *p.transcript;
  if (p.type == "input_audio" && !p.transcript) j["transcript"] = nullptr;
  if (!p.audio.empty()) j["audio"] = audio::base64_encode(p.audio);
  return j;
}

ContentPart part_from_json(const json& j, std::string_view event) {
  ContentPart p{.type = get_string(j, "type", event),
                .text = opt_string(j, "text", event),
                .transcript = nullable_string(j, "transcript", event)};
  if (j.contains("audio") && !j["audio"].is_null()) p.audio = get_base64(j, "audio", event);
  return p;
}

Response response_from_json(const json& j, std::string_view event);
json response_to_json(const Response& r);

// ---- Output events -----------------------------------------------------------------------------

OutputRef ref_from_json(const json& j, std::string_view event) {
  return {.response_id = get_string(j, "response_id", event),
          .item_id = get_string(j, "item_id", event),
          .output_index = opt_int(j, "output_index", event),
          .content_index = opt_int(j, "content_index", event)};
}

void put_ref(json& j, const OutputRef& r) {
  j["response_id"] = r.response_id;
  j["item_id"] = r.item_id;
  j["output_index"] = r.output_index;
  j["content_index"] = r.content_index;
}

std::string_view renamed(Dialect d, std::string_view beta, std::string_view ga) {
  return d == Dialect::beta ? beta : ga;
}

}  // namespace

std::string_view to_string(Dialect dialect) noexcept {
  return dialect == Dialect::beta ? "beta" : "ga";
}

std::string_view to_string(TurnDetectionType type) noexcept {
  switch (type) {
    case TurnDetectionType::none:
      return "none";
    case TurnDetectionType::server_vad:
      return "server_vad";
    case TurnDetectionType::semantic_vad:
      return "semantic_vad";
  }
  return "none";
}

std::string_view to_string(ResponseStatus status) noexcept {
  switch (status) {
    case ResponseStatus::in_progress:
      return "in_progress";
    case ResponseStatus::completed:
      return "completed";
    case ResponseStatus::cancelled:
      return "cancelled";
    case ResponseStatus::incomplete:
      return "incomplete";
    case ResponseStatus::failed:
      return "failed";
  }
  return "in_progress";
}

// ---- Audio -------------------------------------------------------------------------------------

int sample_rate(AudioFormat format) noexcept { return format == AudioFormat::pcm16 ? 24000 : 8000; }
int bytes_per_ms(AudioFormat format) noexcept { return format == AudioFormat::pcm16 ? 48 : 8; }

json format_to_json(AudioFormat format, Dialect dialect) {
  if (dialect == Dialect::beta) {
    switch (format) {
      case AudioFormat::pcm16:
        return "pcm16";
      case AudioFormat::g711_ulaw:
        return "g711_ulaw";
      case AudioFormat::g711_alaw:
        return "g711_alaw";
    }
  }
  switch (format) {
    case AudioFormat::pcm16:
      return {{"type", "audio/pcm"}, {"rate", 24000}};
    case AudioFormat::g711_ulaw:
      return {{"type", "audio/pcmu"}};
    case AudioFormat::g711_alaw:
      return {{"type", "audio/pcma"}};
  }
  return nullptr;
}

AudioFormat format_from_json(const json& value) {
  constexpr std::string_view where = "audio format";
  if (value.is_string()) {
    const auto s = value.get<std::string>();
    if (s == "pcm16") return AudioFormat::pcm16;
    if (s == "g711_ulaw") return AudioFormat::g711_ulaw;
    if (s == "g711_alaw") return AudioFormat::g711_alaw;
    fail(where, "unknown format \"" + s + "\" (beta: pcm16, g711_ulaw, g711_alaw)");
  }
  const auto type = get_string(value, "type", where);
  if (type == "audio/pcm") {
    if (value.contains("rate") && value["rate"] != 24000)
      fail(where, "audio/pcm supports only rate 24000, not " + value["rate"].dump());
    return AudioFormat::pcm16;
  }
  if (type == "audio/pcmu") return AudioFormat::g711_ulaw;
  if (type == "audio/pcma") return AudioFormat::g711_alaw;
  fail(where, "unknown format type \"" + type + "\" (GA: audio/pcm, audio/pcmu, audio/pcma)");
}

std::vector<std::uint8_t> encode_audio(std::span<const std::int16_t> samples, AudioFormat format) {
  switch (format) {
    case AudioFormat::pcm16:
      return audio::encode_samples(audio::Encoding::pcm16, samples);
    case AudioFormat::g711_ulaw:
      return audio::encode_samples(audio::Encoding::mulaw, samples);
    case AudioFormat::g711_alaw:
      return audio::encode_samples(audio::Encoding::alaw, samples);
  }
  return {};
}

void AudioDecoder::decode(std::span<const std::uint8_t> bytes, std::vector<std::int16_t>& out) {
  switch (format_) {
    case AudioFormat::g711_ulaw:
    case AudioFormat::g711_alaw: {
      const auto start = out.size();
      out.resize(start + bytes.size());
      auto dest = std::span(out).subspan(start);
      if (format_ == AudioFormat::g711_ulaw) {
        audio::mulaw_decode(bytes, dest);
      } else {
        audio::alaw_decode(bytes, dest);
      }
      return;
    }
    case AudioFormat::pcm16: {
      std::size_t i = 0;
      out.reserve(out.size() + (bytes.size() + 1) / 2);
      auto sample = [](std::uint8_t lo, std::uint8_t hi) {
        return static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | (hi << 8)));
      };
      if (carry_ && !bytes.empty()) {
        out.push_back(sample(*carry_, bytes[0]));
        carry_.reset();
        i = 1;
      }
      for (; i + 1 < bytes.size(); i += 2) out.push_back(sample(bytes[i], bytes[i + 1]));
      if (i < bytes.size()) carry_ = bytes[i];
      return;
    }
  }
}

// ---- Session -----------------------------------------------------------------------------------

json session_to_json(const Session& s, Dialect dialect) {
  const auto turn = turn_detection_to_json(s.turn_detection, dialect);
  if (dialect == Dialect::beta) {
    return {{"modalities", {"audio", "text"}},
            {"instructions", s.instructions},
            {"voice", s.voice},
            {"input_audio_format", format_to_json(s.input_format, dialect)},
            {"output_audio_format", format_to_json(s.output_format, dialect)},
            {"input_audio_transcription", transcription_to_json(s.transcription_model)},
            {"turn_detection", turn},
            {"tools", tools_to_json(s.tools)},
            {"tool_choice", s.tool_choice}};
  }
  json j = {{"type", "realtime"},
            {"output_modalities", {"audio"}},
            {"instructions", s.instructions},
            {"audio",
             {{"input",
               {{"format", format_to_json(s.input_format, dialect)},
                {"transcription", transcription_to_json(s.transcription_model)},
                {"turn_detection", turn}}},
              {"output", {{"format", format_to_json(s.output_format, dialect)}, {"voice", s.voice}}}}},
            {"tools", tools_to_json(s.tools)},
            {"tool_choice", s.tool_choice}};
  if (!s.model.empty()) j["model"] = s.model;
  return j;
}

Session session_from_json(const json& j) {
  constexpr std::string_view where = "session";
  if (!j.is_object()) fail(where, "is not an object");
  Session s;
  s.model = opt_string(j, "model", where);
  s.instructions = opt_string(j, "instructions", where);
  s.tool_choice = j.contains("tool_choice") && j["tool_choice"].is_string()
                      ? j["tool_choice"].get<std::string>()
                      : s.tool_choice;
  if (j.contains("tools")) s.tools = tools_from_json(j["tools"]);
  if (const auto audio = j.find("audio"); audio != j.end() && audio->is_object()) {  // GA
    if (const auto in = audio->find("input"); in != audio->end() && in->is_object()) {
      if (in->contains("format")) s.input_format = format_from_json((*in)["format"]);
      if (in->contains("transcription"))
        s.transcription_model = transcription_from_json((*in)["transcription"]);
      if (in->contains("turn_detection"))
        s.turn_detection = turn_detection_from_json((*in)["turn_detection"]);
    }
    if (const auto out = audio->find("output"); out != audio->end() && out->is_object()) {
      if (out->contains("format")) s.output_format = format_from_json((*out)["format"]);
      if (const auto v = opt_string(*out, "voice", where); !v.empty()) s.voice = v;
    }
    return s;
  }
  if (j.contains("input_audio_format")) s.input_format = format_from_json(j["input_audio_format"]);
  if (j.contains("output_audio_format"))
    s.output_format = format_from_json(j["output_audio_format"]);
  if (j.contains("input_audio_transcription"))
    s.transcription_model = transcription_from_json(j["input_audio_transcription"]);
  if (j.contains("turn_detection")) s.turn_detection = turn_detection_from_json(j["turn_detection"]);
  if (const auto v = opt_string(j, "voice", where); !v.empty()) s.voice = v;
  return s;
}

void merge_session(json& session, const json& update) {
  if (!update.is_object()) return;
  for (const auto& [key, value] : update.items()) {
    auto& target = session[key];
    // An object with its own "type" is one member of a union (an audio format, a turn detection):
    // it replaces the old one whole, or a server_vad threshold would outlive a switch to
    // semantic_vad and a pcm rate would cling to audio/pcmu.
    if (value.is_object() && target.is_object() && !value.contains("type")) {
      merge_session(target, value);
    } else {
      target = value;
    }
  }
}

// ---- Items -------------------------------------------------------------------------------------

json item_to_json(const Item& item) {
  json j = json::object();
  if (!item.id.empty()) j["id"] = item.id;
  j["type"] = item.type;
  if (item.type == "message") {
    j["role"] = item.role;
    json content = json::array();
    for (const auto& p : item.content) content.push_back(part_to_json(p));
    j["content"] = std::move(content);
  } else if (item.type == "function_call") {
    j["call_id"] = item.call_id;
    j["name"] = item.name;
    j["arguments"] = item.arguments;
  } else if (item.type == "function_call_output") {
    j["call_id"] = item.call_id;
    j["output"] = item.output;
  }
  if (!item.status.empty()) j["status"] = item.status;
  return j;
}

Item item_from_json(const json& j, std::string_view event) {
  if (!j.is_object()) fail(event, "\"item\" is not an object");
  Item item{.id = opt_string(j, "id", event),
            .type = get_string(j, "type", event),
            .role = opt_string(j, "role", event),
            .status = opt_string(j, "status", event)};
  if (const auto c = j.find("content"); c != j.end() && !c->is_null()) {
    if (!c->is_array()) fail(event, "\"item.content\" is not an array");
    for (const auto& p : *c) item.content.push_back(part_from_json(p, event));
  }
  item.call_id = opt_string(j, "call_id", event);
  item.name = opt_string(j, "name", event);
  item.arguments = opt_string(j, "arguments", event);
  item.output = opt_string(j, "output", event);
  if (item.type == "message" && item.role.empty()) fail(event, "a message item has no \"role\"");
  if (item.type == "function_call_output" && item.call_id.empty())
    fail(event, "a function_call_output item has no \"call_id\"");
  return item;
}

namespace {

ResponseStatus status_from(const std::string& s, std::string_view event) {
  for (auto st : {ResponseStatus::in_progress, ResponseStatus::completed,
                  ResponseStatus::cancelled, ResponseStatus::incomplete, ResponseStatus::failed})
    if (to_string(st) == s) return st;
  fail(event, "unknown response status \"" + s + "\"");
}

Response response_from_json(const json& j, std::string_view event) {
  const auto& r = field(j, "response", event);
  Response out{.id = get_string(r, "id", event),
               .status = status_from(get_string(r, "status", event), event)};
  if (const auto d = r.find("status_details"); d != r.end() && d->is_object()) {
    out.status_reason = opt_string(*d, "reason", event);
    if (const auto e = d->find("error"); e != d->end() && e->is_object())
      out.error_message = opt_string(*e, "message", event);
  }
  if (const auto o = r.find("output"); o != r.end() && !o->is_null()) {
    if (!o->is_array()) fail(event, "\"response.output\" is not an array");
    for (const auto& item : *o) out.output.push_back(item_from_json(item, event));
  }
  if (const auto u = r.find("usage"); u != r.end() && u->is_object()) {
    out.usage = Usage{.input_tokens = opt_int(*u, "input_tokens", event),
                      .output_tokens = opt_int(*u, "output_tokens", event),
                      .total_tokens = opt_int(*u, "total_tokens", event)};
  }
  return out;
}

json response_to_json(const Response& r) {
  json j = {{"id", r.id},
            {"object", "realtime.response"},
            {"status", to_string(r.status)},
            {"status_details", nullptr},
            {"output", json::array()},
            {"usage", nullptr}};
  if (r.status != ResponseStatus::in_progress && r.status != ResponseStatus::completed) {
    json details = {{"type", to_string(r.status)}};
    if (!r.status_reason.empty()) details["reason"] = r.status_reason;
    if (!r.error_message.empty())
      details["error"] = {{"type", "server_error"}, {"message", r.error_message}};
    j["status_details"] = std::move(details);
  }
  for (const auto& item : r.output) j["output"].push_back(item_to_json(item));
  if (r.usage)
    j["usage"] = {{"total_tokens", r.usage->total_tokens},
                  {"input_tokens", r.usage->input_tokens},
                  {"output_tokens", r.usage->output_tokens}};
  return j;
}

json parse_object(std::string_view text, std::string_view who) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail(who, "not JSON");
  if (!j.is_object()) fail(who, "not a JSON object");
  return j;
}

}  // namespace

// ---- Client → server ---------------------------------------------------------------------------

std::string_view type_of(const ClientEvent& event) noexcept {
  return std::visit(
      [](const auto& e) -> std::string_view {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, client::SessionUpdate>) return "session.update";
        else if constexpr (std::is_same_v<T, client::AppendAudio>) return "input_audio_buffer.append";
        else if constexpr (std::is_same_v<T, client::CommitAudio>) return "input_audio_buffer.commit";
        else if constexpr (std::is_same_v<T, client::ClearAudio>) return "input_audio_buffer.clear";
        else if constexpr (std::is_same_v<T, client::CreateItem>) return "conversation.item.create";
        else if constexpr (std::is_same_v<T, client::TruncateItem>) return "conversation.item.truncate";
        else if constexpr (std::is_same_v<T, client::RetrieveItem>) return "conversation.item.retrieve";
        else if constexpr (std::is_same_v<T, client::DeleteItem>) return "conversation.item.delete";
        else if constexpr (std::is_same_v<T, client::CreateResponse>) return "response.create";
        else if constexpr (std::is_same_v<T, client::CancelResponse>) return "response.cancel";
        else static_assert(kAlwaysFalse<T>);
      },
      event);
}

std::string encode(const ClientEvent& event, std::string_view event_id) {
  json j = {{"type", type_of(event)}};
  if (!event_id.empty()) j["event_id"] = event_id;
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, client::SessionUpdate>) {
          j["session"] = e.session;
        } else if constexpr (std::is_same_v<T, client::AppendAudio>) {
          if (e.audio.size() > kMaxAppendBytes)
            throw ProtocolError("input_audio_buffer.append: " + std::to_string(e.audio.size()) +
                                " bytes is over the 15 MiB a message may carry");
          j["audio"] = audio::base64_encode(e.audio);
        } else if constexpr (std::is_same_v<T, client::CreateItem>) {
          if (e.previous_item_id) j["previous_item_id"] = *e.previous_item_id;
          j["item"] = item_to_json(e.item);
        } else if constexpr (std::is_same_v<T, client::TruncateItem>) {
          j["item_id"] = e.item_id;
          j["content_index"] = e.content_index;
          j["audio_end_ms"] = e.audio_end_ms;
        } else if constexpr (std::is_same_v<T, client::RetrieveItem> ||
                             std::is_same_v<T, client::DeleteItem>) {
          j["item_id"] = e.item_id;
        } else if constexpr (std::is_same_v<T, client::CreateResponse>) {
          if (!e.response.is_null()) j["response"] = e.response;
        } else if constexpr (std::is_same_v<T, client::CancelResponse>) {
          if (!e.response_id.empty()) j["response_id"] = e.response_id;
        }
      },
      event);
  return j.dump();
}

const std::string& AppendEncoder::frame(std::span<const std::int16_t> samples) {
  bytes_.resize(samples.size() * (format_ == AudioFormat::pcm16 ? 2 : 1));
  switch (format_) {
    case AudioFormat::pcm16:
      for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto v = static_cast<std::uint16_t>(samples[i]);
        bytes_[2 * i] = static_cast<std::uint8_t>(v & 0xff);
        bytes_[2 * i + 1] = static_cast<std::uint8_t>(v >> 8);
      }
      break;
    case AudioFormat::g711_ulaw:
      audio::mulaw_encode(samples, bytes_);
      break;
    case AudioFormat::g711_alaw:
      audio::alaw_encode(samples, bytes_);
      break;
  }
  if (bytes_.size() > kMaxAppendBytes)
    throw ProtocolError("input_audio_buffer.append: " + std::to_string(bytes_.size()) +
                        " bytes is over the 15 MiB a message may carry");
  // The keys in the order nlohmann::json writes them (sorted), so both encoders agree.
  text_.assign(R"({"audio":")");
  audio::base64_encode(bytes_, text_);
  text_.append(R"(","type":"input_audio_buffer.append"})");
  return text_;
}

ClientMessage decode_client(std::string_view text) {
  const json j = parse_object(text, "client event");
  const auto type = get_string(j, "type", "client event");
  ClientMessage m{.event_id = opt_string(j, "event_id", type)};
  if (type == "session.update") {
    const auto& s = field(j, "session", type);
    if (!s.is_object()) fail(type, "\"session\" is not an object");
    m.event = client::SessionUpdate{.session = s};
  } else if (type == "input_audio_buffer.append") {
    m.event = client::AppendAudio{.audio = get_base64(j, "audio", type)};
  } else if (type == "input_audio_buffer.commit") {
    m.event = client::CommitAudio{};
  } else if (type == "input_audio_buffer.clear") {
    m.event = client::ClearAudio{};
  } else if (type == "conversation.item.create") {
    m.event = client::CreateItem{.item = item_from_json(field(j, "item", type), type),
                                 .previous_item_id = nullable_string(j, "previous_item_id", type)};
  } else if (type == "conversation.item.truncate") {
    client::TruncateItem t{.item_id = get_string(j, "item_id", type),
                           .content_index = static_cast<int>(get_int(j, "content_index", type)),
                           .audio_end_ms = get_int(j, "audio_end_ms", type)};
    if (t.audio_end_ms < 0) fail(type, "\"audio_end_ms\" is negative");
    m.event = t;
  } else if (type == "conversation.item.retrieve") {
    m.event = client::RetrieveItem{.item_id = get_string(j, "item_id", type)};
  } else if (type == "conversation.item.delete") {
    m.event = client::DeleteItem{.item_id = get_string(j, "item_id", type)};
  } else if (type == "response.create") {
    client::CreateResponse r;
    if (const auto it = j.find("response"); it != j.end() && !it->is_null()) {
      if (!it->is_object()) fail(type, "\"response\" is not an object");
      r.response = *it;
    }
    m.event = std::move(r);
  } else if (type == "response.cancel") {
    m.event = client::CancelResponse{.response_id = opt_string(j, "response_id", type)};
  } else {
    fail(type, "unknown client event type");
  }
  return m;
}

// ---- Server → client ---------------------------------------------------------------------------

std::string type_of(const ServerEvent& event, Dialect d) {
  return std::visit(
      [d](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        using namespace server;
        if constexpr (std::is_same_v<T, SessionCreated>) return "session.created";
        else if constexpr (std::is_same_v<T, SessionUpdated>) return "session.updated";
        else if constexpr (std::is_same_v<T, SpeechStarted>) return "input_audio_buffer.speech_started";
        else if constexpr (std::is_same_v<T, SpeechStopped>) return "input_audio_buffer.speech_stopped";
        else if constexpr (std::is_same_v<T, AudioCommitted>) return "input_audio_buffer.committed";
        else if constexpr (std::is_same_v<T, AudioCleared>) return "input_audio_buffer.cleared";
        else if constexpr (std::is_same_v<T, ItemAdded>) {
          switch (e.stage) {
            case ItemAdded::Stage::created:
              return "conversation.item.created";
            case ItemAdded::Stage::added:
              return "conversation.item.added";
            case ItemAdded::Stage::done:
              return "conversation.item.done";
          }
          return "conversation.item.created";
        } else if constexpr (std::is_same_v<T, ItemTruncated>) return "conversation.item.truncated";
        else if constexpr (std::is_same_v<T, ItemRetrieved>) return "conversation.item.retrieved";
        else if constexpr (std::is_same_v<T, ItemDeleted>) return "conversation.item.deleted";
        else if constexpr (std::is_same_v<T, InputTranscriptionDelta>)
          return "conversation.item.input_audio_transcription.delta";
        else if constexpr (std::is_same_v<T, InputTranscriptionCompleted>)
          return "conversation.item.input_audio_transcription.completed";
        else if constexpr (std::is_same_v<T, InputTranscriptionFailed>)
          return "conversation.item.input_audio_transcription.failed";
        else if constexpr (std::is_same_v<T, ResponseCreated>) return "response.created";
        else if constexpr (std::is_same_v<T, OutputItemAdded>) return "response.output_item.added";
        else if constexpr (std::is_same_v<T, OutputItemDone>) return "response.output_item.done";
        else if constexpr (std::is_same_v<T, ContentPartAdded>) return "response.content_part.added";
        else if constexpr (std::is_same_v<T, ContentPartDone>) return "response.content_part.done";
        else if constexpr (std::is_same_v<T, AudioDelta>)
          return std::string(renamed(d, "response.audio.delta", "response.output_audio.delta"));
        else if constexpr (std::is_same_v<T, AudioDone>)
          return std::string(renamed(d, "response.audio.done", "response.output_audio.done"));
        else if constexpr (std::is_same_v<T, TranscriptDelta>)
          return std::string(renamed(d, "response.audio_transcript.delta",
                                     "response.output_audio_transcript.delta"));
        else if constexpr (std::is_same_v<T, TranscriptDone>)
          return std::string(renamed(d, "response.audio_transcript.done",
                                     "response.output_audio_transcript.done"));
        else if constexpr (std::is_same_v<T, TextDelta>)
          return std::string(renamed(d, "response.text.delta", "response.output_text.delta"));
        else if constexpr (std::is_same_v<T, TextDone>)
          return std::string(renamed(d, "response.text.done", "response.output_text.done"));
        else if constexpr (std::is_same_v<T, FunctionArgumentsDelta>)
          return "response.function_call_arguments.delta";
        else if constexpr (std::is_same_v<T, FunctionArgumentsDone>)
          return "response.function_call_arguments.done";
        else if constexpr (std::is_same_v<T, ResponseDone>) return "response.done";
        else if constexpr (std::is_same_v<T, RateLimitsUpdated>) return "rate_limits.updated";
        else if constexpr (std::is_same_v<T, Error>) return "error";
        else if constexpr (std::is_same_v<T, Other>) return e.type;
        else static_assert(kAlwaysFalse<T>);
      },
      event);
}

std::string encode(const ServerEvent& event, Dialect dialect, std::string_view event_id) {
  json j = {{"type", type_of(event, dialect)}, {"event_id", event_id}};
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        using namespace server;
        if constexpr (std::is_same_v<T, SessionCreated> || std::is_same_v<T, SessionUpdated>) {
          j["session"] = e.session;
        } else if constexpr (std::is_same_v<T, SpeechStarted>) {
          j["audio_start_ms"] = e.audio_start_ms;
          j["item_id"] = e.item_id;
        } else if constexpr (std::is_same_v<T, SpeechStopped>) {
          j["audio_end_ms"] = e.audio_end_ms;
          j["item_id"] = e.item_id;
        } else if constexpr (std::is_same_v<T, AudioCommitted>) {
          j["previous_item_id"] = nullable(e.previous_item_id);
          j["item_id"] = e.item_id;
        } else if constexpr (std::is_same_v<T, ItemAdded>) {
          j["previous_item_id"] = nullable(e.previous_item_id);
          j["item"] = item_to_json(e.item);
        } else if constexpr (std::is_same_v<T, ItemTruncated>) {
          j["item_id"] = e.item_id;
          j["content_index"] = e.content_index;
          j["audio_end_ms"] = e.audio_end_ms;
        } else if constexpr (std::is_same_v<T, ItemRetrieved>) {
          j["item"] = item_to_json(e.item);
        } else if constexpr (std::is_same_v<T, ItemDeleted>) {
          j["item_id"] = e.item_id;
        } else if constexpr (std::is_same_v<T, InputTranscriptionDelta>) {
          j["item_id"] = e.item_id;
          j["content_index"] = e.content_index;
          j["delta"] = e.delta;
        } else if constexpr (std::is_same_v<T, InputTranscriptionCompleted>) {
          j["item_id"] = e.item_id;
          j["content_index"] = e.content_index;
          j["transcript"] = e.transcript;
        } else if constexpr (std::is_same_v<T, InputTranscriptionFailed>) {
          j["item_id"] = e.item_id;
          j["content_index"] = e.content_index;
          j["error"] = {{"type", "transcription_error"}, {"message", e.message}};
        } else if constexpr (std::is_same_v<T, ResponseCreated> ||
                             std::is_same_v<T, ResponseDone>) {
          j["response"] = response_to_json(e.response);
        } else if constexpr (std::is_same_v<T, OutputItemAdded> ||
                             std::is_same_v<T, OutputItemDone>) {
          j["response_id"] = e.response_id;
          j["output_index"] = e.output_index;
          j["item"] = item_to_json(e.item);
        } else if constexpr (std::is_same_v<T, ContentPartAdded> ||
                             std::is_same_v<T, ContentPartDone>) {
          put_ref(j, e.ref);
          j["part"] = part_to_json(e.part);
        } else if constexpr (std::is_same_v<T, AudioDelta>) {
          put_ref(j, e.ref);
          j["delta"] = audio::base64_encode(e.audio);
        } else if constexpr (std::is_same_v<T, AudioDone>) {
          put_ref(j, e.ref);
        } else if constexpr (std::is_same_v<T, TranscriptDelta> || std::is_same_v<T, TextDelta>) {
          put_ref(j, e.ref);
          j["delta"] = e.delta;
        } else if constexpr (std::is_same_v<T, TranscriptDone>) {
          put_ref(j, e.ref);
          j["transcript"] = e.transcript;
        } else if constexpr (std::is_same_v<T, TextDone>) {
          put_ref(j, e.ref);
          j["text"] = e.text;
        } else if constexpr (std::is_same_v<T, FunctionArgumentsDelta>) {
          put_ref(j, e.ref);
          j.erase("content_index");
          j["call_id"] = e.call_id;
          j["delta"] = e.delta;
        } else if constexpr (std::is_same_v<T, FunctionArgumentsDone>) {
          put_ref(j, e.ref);
          j.erase("content_index");
          j["call_id"] = e.call_id;
          if (dialect == Dialect::ga) j["name"] = e.name;  // not in the beta type
          j["arguments"] = e.arguments;
        } else if constexpr (std::is_same_v<T, RateLimitsUpdated>) {
          json limits = json::array();
          for (const auto& l : e.rate_limits)
            limits.push_back({{"name", l.name},
                              {"limit", l.limit},
                              {"remaining", l.remaining},
                              {"reset_seconds", l.reset_seconds}});
          j["rate_limits"] = std::move(limits);
        } else if constexpr (std::is_same_v<T, Error>) {
          j["error"] = {{"type", e.type},
                        {"code", e.code.empty() ? json(nullptr) : json(e.code)},
                        {"message", e.message},
                        {"param", e.param.empty() ? json(nullptr) : json(e.param)},
                        {"event_id", e.event_id.empty() ? json(nullptr) : json(e.event_id)}};
        }
      },
      event);
  return j.dump();
}

ServerMessage decode_server(std::string_view text) {
  const json j = parse_object(text, "server event");
  ServerMessage m{.type = get_string(j, "type", "server event")};
  const std::string& type = m.type;
  m.event_id = opt_string(j, "event_id", type);
  using namespace server;
  auto is = [&](std::string_view beta, std::string_view ga) { return type == beta || type == ga; };
  if (type == "session.created" || type == "session.updated") {
    const auto& s = field(j, "session", type);
    if (!s.is_object()) fail(type, "\"session\" is not an object");
    if (type == "session.created") {
      m.event = SessionCreated{.session = s};
    } else {
      m.event = SessionUpdated{.session = s};
    }
  } else if (type == "input_audio_buffer.speech_started") {
    m.event = SpeechStarted{.audio_start_ms = get_int(j, "audio_start_ms", type),
                            .item_id = opt_string(j, "item_id", type)};
  } else if (type == "input_audio_buffer.speech_stopped") {
    m.event = SpeechStopped{.audio_end_ms = get_int(j, "audio_end_ms", type),
                            .item_id = opt_string(j, "item_id", type)};
  } else if (type == "input_audio_buffer.committed") {
    m.event = AudioCommitted{.item_id = get_string(j, "item_id", type),
                             .previous_item_id = nullable_string(j, "previous_item_id", type)};
  } else if (type == "input_audio_buffer.cleared") {
    m.event = AudioCleared{};
  } else if (type == "conversation.item.created" || type == "conversation.item.added" ||
             type == "conversation.item.done") {
    ItemAdded a{.item = item_from_json(field(j, "item", type), type),
                .previous_item_id = nullable_string(j, "previous_item_id", type)};
    a.stage = type == "conversation.item.created" ? ItemAdded::Stage::created
              : type == "conversation.item.added" ? ItemAdded::Stage::added
                                                  : ItemAdded::Stage::done;
    m.event = std::move(a);
  } else if (type == "conversation.item.truncated") {
    m.event = ItemTruncated{.item_id = get_string(j, "item_id", type),
                            .content_index = opt_int(j, "content_index", type),
                            .audio_end_ms = get_int(j, "audio_end_ms", type)};
  } else if (type == "conversation.item.retrieved") {
    m.event = ItemRetrieved{.item = item_from_json(field(j, "item", type), type)};
  } else if (type == "conversation.item.deleted") {
    m.event = ItemDeleted{.item_id = get_string(j, "item_id", type)};
  } else if (type == "conversation.item.input_audio_transcription.delta") {
    m.event = InputTranscriptionDelta{.item_id = get_string(j, "item_id", type),
                                      .content_index = opt_int(j, "content_index", type),
                                      .delta = opt_string(j, "delta", type)};
  } else if (type == "conversation.item.input_audio_transcription.completed") {
    m.event = InputTranscriptionCompleted{.item_id = get_string(j, "item_id", type),
                                          .content_index = opt_int(j, "content_index", type),
                                          .transcript = get_string(j, "transcript", type)};
  } else if (type == "conversation.item.input_audio_transcription.failed") {
    InputTranscriptionFailed f{.item_id = get_string(j, "item_id", type),
                               .content_index = opt_int(j, "content_index", type)};
    if (const auto e = j.find("error"); e != j.end() && e->is_object())
      f.message = opt_string(*e, "message", type);
    m.event = std::move(f);
  } else if (type == "response.created") {
    m.event = ResponseCreated{.response = response_from_json(j, type)};
  } else if (type == "response.done") {
    m.event = ResponseDone{.response = response_from_json(j, type)};
  } else if (type == "response.output_item.added" || type == "response.output_item.done") {
    const auto response_id = get_string(j, "response_id", type);
    const auto index = opt_int(j, "output_index", type);
    auto item = item_from_json(field(j, "item", type), type);
    if (type == "response.output_item.added") {
      m.event = OutputItemAdded{.response_id = response_id, .output_index = index, .item = item};
    } else {
      m.event = OutputItemDone{.response_id = response_id, .output_index = index, .item = item};
    }
  } else if (type == "response.content_part.added") {
    m.event = ContentPartAdded{.ref = ref_from_json(j, type),
                               .part = part_from_json(field(j, "part", type), type)};
  } else if (type == "response.content_part.done") {
    m.event = ContentPartDone{.ref = ref_from_json(j, type),
                              .part = part_from_json(field(j, "part", type), type)};
  } else if (is("response.audio.delta", "response.output_audio.delta")) {
    m.event = AudioDelta{.ref = ref_from_json(j, type), .audio = get_base64(j, "delta", type)};
  } else if (is("response.audio.done", "response.output_audio.done")) {
    m.event = AudioDone{.ref = ref_from_json(j, type)};
  } else if (is("response.audio_transcript.delta", "response.output_audio_transcript.delta")) {
    m.event = TranscriptDelta{.ref = ref_from_json(j, type), .delta = get_string(j, "delta", type)};
  } else if (is("response.audio_transcript.done", "response.output_audio_transcript.done")) {
    m.event = TranscriptDone{.ref = ref_from_json(j, type),
                             .transcript = opt_string(j, "transcript", type)};
  } else if (is("response.text.delta", "response.output_text.delta")) {
    m.event = TextDelta{.ref = ref_from_json(j, type), .delta = get_string(j, "delta", type)};
  } else if (is("response.text.done", "response.output_text.done")) {
    m.event = TextDone{.ref = ref_from_json(j, type), .text = opt_string(j, "text", type)};
  } else if (type == "response.function_call_arguments.delta" ||
             type == "response.function_call_arguments.done") {
    OutputRef ref{.response_id = get_string(j, "response_id", type),
                  .item_id = get_string(j, "item_id", type),
                  .output_index = opt_int(j, "output_index", type)};
    const auto call_id = get_string(j, "call_id", type);
    if (type.ends_with(".delta")) {
      m.event = FunctionArgumentsDelta{
          .ref = ref, .call_id = call_id, .delta = get_string(j, "delta", type)};
    } else {
      m.event = FunctionArgumentsDone{.ref = ref,
                                      .call_id = call_id,
                                      .name = opt_string(j, "name", type),
                                      .arguments = get_string(j, "arguments", type)};
    }
  } else if (type == "rate_limits.updated") {
    const auto& limits = field(j, "rate_limits", type);
    if (!limits.is_array()) fail(type, "\"rate_limits\" is not an array");
    RateLimitsUpdated r;
    for (const auto& l : limits)
      r.rate_limits.push_back({.name = opt_string(l, "name", type),
                               .limit = opt_number(l, "limit", type, 0),
                               .remaining = opt_number(l, "remaining", type, 0),
                               .reset_seconds = opt_number(l, "reset_seconds", type, 0)});
    m.event = std::move(r);
  } else if (type == "error") {
    const auto& e = field(j, "error", type);
    if (!e.is_object()) fail(type, "\"error\" is not an object");
    m.event = Error{.type = opt_string(e, "type", type),
                    .code = opt_string(e, "code", type),
                    .message = get_string(e, "message", type),
                    .param = opt_string(e, "param", type),
                    .event_id = opt_string(e, "event_id", type)};
  } else {
    m.event = Other{.type = type};
  }
  return m;
}

}  // namespace scenario::openai::realtime
