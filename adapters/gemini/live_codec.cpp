// Gemini Live wire codec (shared/protocols/gemini-live.md). "§n" refers to its section "Verified
// against the official JS SDKs", which wins over the text above it.
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "scenario/audio/base64.hpp"
#include "scenario/gemini/live.hpp"

namespace scenario::gemini::live {
namespace {

using nlohmann::json;

template <class>
[[maybe_unused]] inline constexpr bool kAlwaysFalse = false;

[[noreturn]] void fail(std::string_view where, std::string_view what) {
  throw ProtocolError(std::string(where) + ": " + std::string(what));
}

/// "realtimeInput" → "realtime_input": the other spelling proto3 JSON accepts.
std::string snake_case(std::string_view camel) {
  std::string out;
  out.reserve(camel.size() + 4);
  for (const char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c)) != 0) {
      out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

/// The field `camel` in either spelling; null when absent (or null). Both spellings at once is
/// ambiguous, and refused.
const json* find(const json& j, std::string_view camel, std::string_view where) {
  if (!j.is_object()) fail(where, "expected an object");
  const auto a = j.find(std::string(camel));
  const auto snake = snake_case(camel);
  const auto b = snake == camel ? j.end() : j.find(snake);
  if (a != j.end() && b != j.end())
    fail(where, "both \"" + std::string(camel) + "\" and \"" + snake + "\"");
  const auto it = a != j.end() ? a : b;
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string path(std::string_view where, std::string_view field) {
  return std::string(where) + "." + std::string(field);
}

const json& need(const json& j, std::string_view camel, std::string_view where) {
  const json* v = find(j, camel, where);
  if (v == nullptr) fail(where, "missing \"" + std::string(camel) + "\"");
  return *v;
}

std::string get_string(const json& j, std::string_view camel, std::string_view where) {
  const json& v = need(j, camel, where);
  if (!v.is_string()) fail(path(where, camel), "is not a string");
  return v.get<std::string>();
}

std::string opt_string(const json& j, std::string_view camel, std::string_view where) {
  const json* v = find(j, camel, where);
  if (v == nullptr) return {};
  if (!v->is_string()) fail(path(where, camel), "is not a string");
  return v->get<std::string>();
}

bool opt_bool(const json& j, std::string_view camel, std::string_view where) {
  const json* v = find(j, camel, where);
  if (v == nullptr) return false;
  if (!v->is_boolean()) fail(path(where, camel), "is not a boolean");
  return v->get<bool>();
}

/// proto3 JSON writes int64 as a string; accept a number or a decimal string.
std::optional<std::int64_t> opt_int(const json& j, std::string_view camel, std::string_view where) {
  const json* v = find(j, camel, where);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<std::int64_t>();
  if (v->is_string()) {
    const auto& s = v->get_ref<const std::string&>();
    std::int64_t out = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size()) return out;
  }
  fail(path(where, camel), "is not an integer");
}

std::vector<std::uint8_t> get_base64(const json& j, std::string_view camel,
                                     std::string_view where) {
  const auto text = get_string(j, camel, where);
  try {
    // The Python SDK sends the URL-safe alphabet; js-genai and the server the standard one.
    return audio::base64_decode_any_alphabet(text);
  } catch (const std::exception& e) {
    fail(path(where, camel), std::string("is not base64: ") + e.what());
  }
}

json blob(const std::vector<std::int16_t>& samples, int rate) {
  std::string data;
  audio::base64_encode(pcm_bytes(samples), data);
  return {{"mimeType", pcm_mime_type(rate)}, {"data", std::move(data)}};
}

/// A Blob {mimeType, data} of 16-bit PCM.
std::vector<std::int16_t> blob_samples(const json& b, std::string_view where, int default_rate,
                                       int& rate) {
  if (!b.is_object()) fail(where, "is not an object");
  try {
    rate = pcm_rate(get_string(b, "mimeType", where), default_rate);
  } catch (const ProtocolError& e) {
    fail(path(where, "mimeType"), e.what());
  }
  return pcm_samples(get_base64(b, "data", where), path(where, "data"));
}

const char* to_wire(Sensitivity s, bool start) {
  if (s == Sensitivity::high) return start ? "START_SENSITIVITY_HIGH" : "END_SENSITIVITY_HIGH";
  return start ? "START_SENSITIVITY_LOW" : "END_SENSITIVITY_LOW";
}

Sensitivity sensitivity_from(const json& j, std::string_view camel, std::string_view where,
                             bool start) {
  const auto s = opt_string(j, camel, where);
  if (s.empty() || s.ends_with("UNSPECIFIED")) return Sensitivity::unspecified;
  if (s == to_wire(Sensitivity::high, start)) return Sensitivity::high;
  if (s == to_wire(Sensitivity::low, start)) return Sensitivity::low;
  fail(path(where, camel), "unknown value \"" + s + "\"");
}

// ---- Client messages
// -----------------------------------------------------------------------------

json setup_to_json(const SessionSetup& s) {
  json generation = {{"responseModalities", s.response_modalities}};
  if (!s.voice.empty() || !s.language_code.empty()) {
    json speech = json::object();
    if (!s.voice.empty())
      speech["voiceConfig"] = {{"prebuiltVoiceConfig", {{"voiceName", s.voice}}}};
    if (!s.language_code.empty()) speech["languageCode"] = s.language_code;
    generation["speechConfig"] = std::move(speech);
  }
  if (s.temperature) generation["temperature"] = *s.temperature;
  json j = {{"model", s.model.starts_with("models/") ? s.model : "models/" + s.model},
            {"generationConfig", std::move(generation)}};
  // js-genai adds role "user" to the system instruction (§6).
  if (!s.system_instruction.empty())
    j["systemInstruction"] = {{"parts", json::array({{{"text", s.system_instruction}}})},
                              {"role", "user"}};
  if (!s.tools.empty()) j["tools"] = s.tools;
  json detection = {{"disabled", !s.automatic_activity_detection}};
  if (s.start_of_speech != Sensitivity::unspecified)
    detection["startOfSpeechSensitivity"] = to_wire(s.start_of_speech, true);
  if (s.end_of_speech != Sensitivity::unspecified)
    detection["endOfSpeechSensitivity"] = to_wire(s.end_of_speech, false);
  if (s.prefix_padding_ms) detection["prefixPaddingMs"] = *s.prefix_padding_ms;
  if (s.silence_duration_ms) detection["silenceDurationMs"] = *s.silence_duration_ms;
  j["realtimeInputConfig"] = {{"automaticActivityDetection", std::move(detection)}};
  if (s.input_transcription) j["inputAudioTranscription"] = json::object();
  if (s.output_transcription) j["outputAudioTranscription"] = json::object();
  if (s.session_resumption || !s.resumption_handle.empty()) {
    j["sessionResumption"] = json::object();
    if (!s.resumption_handle.empty()) j["sessionResumption"]["handle"] = s.resumption_handle;
  }
  return j;
}

SessionSetup setup_from_json(const json& j) {
  constexpr std::string_view where = "setup";
  if (!j.is_object()) fail(where, "is not an object");
  SessionSetup s;
  s.model = get_string(j, "model", where);
  if (const json* g = find(j, "generationConfig", where)) {
    const std::string gw = "setup.generationConfig";
    if (const json* m = find(*g, "responseModalities", gw)) {
      if (!m->is_array()) fail(gw + ".responseModalities", "is not an array");
      s.response_modalities.clear();
      for (const auto& v : *m) {
        if (!v.is_string()) fail(gw + ".responseModalities", "holds a non-string");
        s.response_modalities.push_back(v.get<std::string>());
      }
    }
    if (const json* sc = find(*g, "speechConfig", gw)) {
      const std::string sw = gw + ".speechConfig";
      s.language_code = opt_string(*sc, "languageCode", sw);
      if (const json* vc = find(*sc, "voiceConfig", sw))
        if (const json* pv = find(*vc, "prebuiltVoiceConfig", sw + ".voiceConfig"))
          s.voice = opt_string(*pv, "voiceName", sw + ".voiceConfig.prebuiltVoiceConfig");
    }
    if (const json* t = find(*g, "temperature", gw)) {
      if (!t->is_number()) fail(gw + ".temperature", "is not a number");
      s.temperature = t->get<double>();
    }
  }
  if (const json* si = find(j, "systemInstruction", where)) {
    const std::string sw = "setup.systemInstruction";
    if (si->is_string()) {
      s.system_instruction = si->get<std::string>();
    } else if (const json* parts = find(*si, "parts", sw)) {
      if (!parts->is_array()) fail(sw + ".parts", "is not an array");
      for (const auto& p : *parts) s.system_instruction += opt_string(p, "text", sw + ".parts[]");
    }
  }
  if (const json* t = find(j, "tools", where)) {
    if (!t->is_array()) fail("setup.tools", "is not an array");
    s.tools = *t;
  }
  if (const json* rc = find(j, "realtimeInputConfig", where)) {
    const std::string rw = "setup.realtimeInputConfig";
    if (const json* d = find(*rc, "automaticActivityDetection", rw)) {
      const std::string dw = rw + ".automaticActivityDetection";
      s.automatic_activity_detection = !opt_bool(*d, "disabled", dw);
      s.start_of_speech = sensitivity_from(*d, "startOfSpeechSensitivity", dw, true);
      s.end_of_speech = sensitivity_from(*d, "endOfSpeechSensitivity", dw, false);
      if (const auto v = opt_int(*d, "prefixPaddingMs", dw))
        s.prefix_padding_ms = static_cast<int>(*v);
      if (const auto v = opt_int(*d, "silenceDurationMs", dw))
        s.silence_duration_ms = static_cast<int>(*v);
    }
  }
  s.input_transcription = find(j, "inputAudioTranscription", where) != nullptr;
  s.output_transcription = find(j, "outputAudioTranscription", where) != nullptr;
  if (const json* r = find(j, "sessionResumption", where)) {
    s.session_resumption = true;
    s.resumption_handle = opt_string(*r, "handle", "setup.sessionResumption");
  }
  return s;
}

ClientMessage realtime_input_from_json(const json& r) {
  constexpr std::string_view where = "realtimeInput";
  if (!r.is_object()) fail(where, "is not an object");
  std::vector<ClientMessage> found;
  if (const json* a = find(r, "audio", where)) {
    RealtimeAudio audio;
    audio.samples = blob_samples(*a, "realtimeInput.audio", kInputRate, audio.rate);
    found.emplace_back(std::move(audio));
  }
  if (const json* chunks = find(r, "mediaChunks", where)) {
    // Legacy: a list of blobs (the cookbook's raw sample). Joined; one rate for all.
    if (!chunks->is_array() || chunks->empty())
      fail("realtimeInput.mediaChunks", "is not a non-empty array");
    RealtimeAudio audio;
    for (const auto& c : *chunks) {
      int rate = kInputRate;
      auto samples = blob_samples(c, "realtimeInput.mediaChunks[]", kInputRate, rate);
      if (!audio.samples.empty() && rate != audio.rate)
        fail("realtimeInput.mediaChunks", "mixes sample rates");
      audio.rate = rate;
      audio.samples.insert(audio.samples.end(), samples.begin(), samples.end());
    }
    found.emplace_back(std::move(audio));
  }
  if (find(r, "activityStart", where) != nullptr) found.emplace_back(ActivityStart{});
  if (find(r, "activityEnd", where) != nullptr) found.emplace_back(ActivityEnd{});
  if (opt_bool(r, "audioStreamEnd", where)) found.emplace_back(AudioStreamEnd{});
  if (find(r, "text", where) != nullptr)
    found.emplace_back(RealtimeText{get_string(r, "text", where)});
  if (find(r, "video", where) != nullptr) fail(where, "video input is not supported here");
  if (found.size() != 1)
    fail(where,
         "must hold exactly one of audio, activityStart, activityEnd, "
         "audioStreamEnd, text");
  return std::move(found.front());
}

ToolResponse tool_response_from_json(const json& t) {
  constexpr std::string_view where = "toolResponse";
  const json& list = need(t, "functionResponses", where);
  if (!list.is_array()) fail("toolResponse.functionResponses", "is not an array");
  ToolResponse out;
  for (const auto& f : list) {
    constexpr std::string_view fw = "toolResponse.functionResponses[]";
    FunctionResponse r;
    r.id = get_string(f, "id", fw);  // required by the Developer API
    r.name = opt_string(f, "name", fw);
    if (const json* resp = find(f, "response", fw)) {
      if (!resp->is_object()) fail(path(fw, "response"), "is not an object");
      r.response = *resp;
    }
    out.function_responses.push_back(std::move(r));
  }
  return out;
}

// ---- Server messages
// -----------------------------------------------------------------------------

std::optional<Transcription> transcription_from(const json& c, std::string_view camel,
                                                std::string_view where) {
  const json* t = find(c, camel, where);
  if (t == nullptr) return std::nullopt;
  const auto w = path(where, camel);
  return Transcription{.text = opt_string(*t, "text", w), .finished = opt_bool(*t, "finished", w)};
}

ServerContent content_from_json(const json& c) {
  constexpr std::string_view where = "serverContent";
  if (!c.is_object()) fail(where, "is not an object");
  ServerContent out;
  if (const json* turn = find(c, "modelTurn", where)) {
    if (const json* parts = find(*turn, "parts", "serverContent.modelTurn")) {
      if (!parts->is_array()) fail("serverContent.modelTurn.parts", "is not an array");
      for (const auto& p : *parts) {
        constexpr std::string_view pw = "serverContent.modelTurn.parts[]";
        if (!p.is_object()) fail(pw, "is not an object");
        if (const json* inline_data = find(p, "inlineData", pw)) {
          ServerContent::Audio a;
          a.samples = blob_samples(*inline_data, path(pw, "inlineData"), kOutputRate, a.rate);
          out.audio.push_back(std::move(a));
        }
        const auto text = opt_string(p, "text", pw);
        if (!text.empty()) (opt_bool(p, "thought", pw) ? out.thought_text : out.text) += text;
      }
    }
  }
  out.input_transcription = transcription_from(c, "inputTranscription", where);
  out.output_transcription = transcription_from(c, "outputTranscription", where);
  out.turn_complete = opt_bool(c, "turnComplete", where);
  out.generation_complete = opt_bool(c, "generationComplete", where);
  out.interrupted = opt_bool(c, "interrupted", where);
  out.waiting_for_input = opt_bool(c, "waitingForInput", where);
  out.turn_complete_reason = opt_string(c, "turnCompleteReason", where);
  return out;
}

json content_to_json(const ServerContent& c) {
  json j = json::object();
  json parts = json::array();
  for (const auto& a : c.audio) parts.push_back({{"inlineData", blob(a.samples, a.rate)}});
  if (!c.thought_text.empty()) parts.push_back({{"text", c.thought_text}, {"thought", true}});
  if (!c.text.empty()) parts.push_back({{"text", c.text}});
  if (!parts.empty()) j["modelTurn"] = {{"parts", std::move(parts)}};
  auto transcription = [](const Transcription& t) {
    json o = {{"text", t.text}};
    if (t.finished) o["finished"] = true;
    return o;
  };
  if (c.input_transcription) j["inputTranscription"] = transcription(*c.input_transcription);
  if (c.output_transcription) j["outputTranscription"] = transcription(*c.output_transcription);
  if (c.generation_complete) j["generationComplete"] = true;
  if (c.interrupted) j["interrupted"] = true;
  if (c.turn_complete) j["turnComplete"] = true;
  if (c.waiting_for_input) j["waitingForInput"] = true;
  if (!c.turn_complete_reason.empty()) j["turnCompleteReason"] = c.turn_complete_reason;
  return j;
}

std::string duration_text(std::chrono::milliseconds ms) {
  const auto whole = ms.count() / 1000;
  const auto frac = ms.count() % 1000;
  if (frac == 0) return std::to_string(whole) + "s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03llds", static_cast<long long>(whole),
                static_cast<long long>(frac));
  return buf;
}

}  // namespace

std::string pcm_mime_type(int rate) {
  return "audio/pcm;rate=" + std::to_string(rate);
}

int pcm_rate(std::string_view mime_type, int default_rate) {
  constexpr std::string_view kPcm = "audio/pcm";
  if (!mime_type.starts_with(kPcm))
    throw ProtocolError("\"" + std::string(mime_type) + "\" is not 16-bit PCM (audio/pcm)");
  auto rest = mime_type.substr(kPcm.size());
  if (rest.empty()) return default_rate;
  constexpr std::string_view kRate = ";rate=";
  if (!rest.starts_with(kRate))
    throw ProtocolError("\"" + std::string(mime_type) + "\": expected audio/pcm;rate=N");
  rest.remove_prefix(kRate.size());
  int rate = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), rate);
  if (ec != std::errc() || end != rest.data() + rest.size() || rate < 8000 || rate > 48000)
    throw ProtocolError("\"" + std::string(mime_type) + "\": the rate must be 8000…48000 Hz");
  return rate;
}

std::vector<std::uint8_t> pcm_bytes(const std::vector<std::int16_t>& samples) {
  std::vector<std::uint8_t> out(samples.size() * 2);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto u = static_cast<std::uint16_t>(samples[i]);
    out[2 * i] = static_cast<std::uint8_t>(u & 0xFF);
    out[2 * i + 1] = static_cast<std::uint8_t>(u >> 8);
  }
  return out;
}

std::vector<std::int16_t> pcm_samples(const std::vector<std::uint8_t>& bytes,
                                      std::string_view what) {
  if (bytes.size() % 2 != 0)
    fail(what, std::to_string(bytes.size()) + " bytes is not whole 16-bit samples");
  std::vector<std::int16_t> out(bytes.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<std::int16_t>(static_cast<std::uint16_t>(bytes[2 * i]) |
                                       static_cast<std::uint16_t>(bytes[2 * i + 1] << 8));
  return out;
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  if (text.size() < 2 || text.back() != 's')
    throw ProtocolError("\"" + std::string(text) + "\" is not a duration (e.g. \"10s\")");
  const auto number = text.substr(0, text.size() - 1);
  const auto dot = number.find('.');
  const auto whole_part = number.substr(0, dot);
  std::int64_t whole = 0;
  auto [end, ec] = std::from_chars(whole_part.data(), whole_part.data() + whole_part.size(), whole);
  if (ec != std::errc() || end != whole_part.data() + whole_part.size() || whole < 0 ||
      whole > 1'000'000'000)
    throw ProtocolError("\"" + std::string(text) + "\" is not a duration (e.g. \"10s\")");
  std::int64_t ms = whole * 1000;
  if (dot != std::string_view::npos) {
    const auto frac = number.substr(dot + 1);
    if (frac.empty() || frac.size() > 9 ||
        frac.find_first_not_of("0123456789") != std::string_view::npos)
      throw ProtocolError("\"" + std::string(text) + "\" is not a duration (e.g. \"1.5s\")");
    // Milliseconds from the first three digits, rounded by the fourth.
    std::string digits(frac.substr(0, std::min<std::size_t>(frac.size(), 4)));
    digits.resize(4, '0');
    const int first4 = std::stoi(digits);
    ms += (first4 + 5) / 10;
  }
  return std::chrono::milliseconds(ms);
}

std::string_view name_of(const ClientMessage& message) noexcept {
  return std::visit(
      [](const auto& m) -> std::string_view {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, SessionSetup>)
          return "setup";
        else if constexpr (std::is_same_v<T, RealtimeAudio>)
          return "realtimeInput.audio";
        else if constexpr (std::is_same_v<T, ActivityStart>)
          return "realtimeInput.activityStart";
        else if constexpr (std::is_same_v<T, ActivityEnd>)
          return "realtimeInput.activityEnd";
        else if constexpr (std::is_same_v<T, AudioStreamEnd>)
          return "realtimeInput.audioStreamEnd";
        else if constexpr (std::is_same_v<T, RealtimeText>)
          return "realtimeInput.text";
        else if constexpr (std::is_same_v<T, ClientContent>)
          return "clientContent";
        else if constexpr (std::is_same_v<T, ToolResponse>)
          return "toolResponse";
        else if constexpr (std::is_same_v<T, ContextUpdate>)
          return "contextUpdate";
        else
          static_assert(kAlwaysFalse<T>, "a name for every client message");
      },
      message);
}

std::string encode(const ClientMessage& message) {
  const json j = std::visit(
      [](const auto& m) -> json {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, SessionSetup>) {
          return {{"setup", setup_to_json(m)}};
        } else if constexpr (std::is_same_v<T, RealtimeAudio>) {
          return {{"realtimeInput", {{"audio", blob(m.samples, m.rate)}}}};
        } else if constexpr (std::is_same_v<T, ActivityStart>) {
          return {{"realtimeInput", {{"activityStart", json::object()}}}};
        } else if constexpr (std::is_same_v<T, ActivityEnd>) {
          return {{"realtimeInput", {{"activityEnd", json::object()}}}};
        } else if constexpr (std::is_same_v<T, AudioStreamEnd>) {
          return {{"realtimeInput", {{"audioStreamEnd", true}}}};
        } else if constexpr (std::is_same_v<T, RealtimeText>) {
          return {{"realtimeInput", {{"text", m.text}}}};
        } else if constexpr (std::is_same_v<T, ClientContent>) {
          return {{"clientContent", {{"turns", m.turns}, {"turnComplete", m.turn_complete}}}};
        } else if constexpr (std::is_same_v<T, ToolResponse>) {
          json list = json::array();
          for (const auto& r : m.function_responses)
            list.push_back({{"id", r.id}, {"name", r.name}, {"response", r.response}});
          return {{"toolResponse", {{"functionResponses", std::move(list)}}}};
        } else if constexpr (std::is_same_v<T, ContextUpdate>) {
          return {{"contextUpdate", m.body}};
        } else {
          static_assert(kAlwaysFalse<T>, "every client message is encoded");
        }
      },
      message);
  return j.dump();
}

ClientMessage decode_client(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail("client message", "not JSON");
  if (!j.is_object()) fail("client message", "not a JSON object");
  constexpr std::string_view kKeys[] = {"setup", "realtimeInput", "clientContent", "toolResponse",
                                        "contextUpdate"};
  std::vector<std::string_view> present;
  for (const auto key : kKeys)
    if (find(j, key, "client message") != nullptr) present.push_back(key);
  if (present.size() != 1 || j.size() != 1) {
    std::string keys;
    for (const auto& [k, v] : j.items()) keys += (keys.empty() ? "" : ", ") + k;
    fail("client message",
         "must hold exactly one of setup, realtimeInput, clientContent, "
         "toolResponse, contextUpdate; it holds: " +
             (keys.empty() ? std::string("nothing") : keys));
  }
  const auto key = present.front();
  const json& body = need(j, key, "client message");
  if (key == "setup") return setup_from_json(body);
  if (key == "realtimeInput") return realtime_input_from_json(body);
  if (key == "toolResponse") return tool_response_from_json(body);
  if (!body.is_object()) fail(key, "is not an object");
  if (key == "contextUpdate") return ContextUpdate{body};
  ClientContent c;
  if (const json* turns = find(body, "turns", "clientContent")) {
    if (!turns->is_array()) fail("clientContent.turns", "is not an array");
    c.turns = *turns;
  }
  c.turn_complete = opt_bool(body, "turnComplete", "clientContent");
  return c;
}

std::string encode(const ServerMessage& m) {
  json j = json::object();
  if (m.setup_complete) {
    j["setupComplete"] = json::object();
    if (!m.setup_complete->session_id.empty())
      j["setupComplete"]["sessionId"] = m.setup_complete->session_id;
  }
  if (m.server_content) j["serverContent"] = content_to_json(*m.server_content);
  if (m.tool_call) {
    json calls = json::array();
    for (const auto& c : m.tool_call->function_calls)
      calls.push_back({{"id", c.id}, {"name", c.name}, {"args", c.args}});
    j["toolCall"] = {{"functionCalls", std::move(calls)}};
  }
  if (m.tool_call_cancellation)
    j["toolCallCancellation"] = {{"ids", m.tool_call_cancellation->ids}};
  if (m.go_away) j["goAway"] = {{"timeLeft", duration_text(m.go_away->time_left)}};
  if (m.session_resumption_update) {
    const auto& u = *m.session_resumption_update;
    json o = {{"resumable", u.resumable}};
    if (!u.new_handle.empty()) o["newHandle"] = u.new_handle;
    if (u.last_consumed_client_message_index)
      o["lastConsumedClientMessageIndex"] = std::to_string(*u.last_consumed_client_message_index);
    j["sessionResumptionUpdate"] = std::move(o);
  }
  if (m.usage_metadata) {
    j["usageMetadata"] = {{"promptTokenCount", m.usage_metadata->prompt_tokens},
                          {"responseTokenCount", m.usage_metadata->response_tokens},
                          {"totalTokenCount", m.usage_metadata->total_tokens}};
  }
  if (m.error) {
    j["error"] = {{"code", m.error->code}, {"message", m.error->message}};
    if (!m.error->status.empty()) j["error"]["status"] = m.error->status;
  }
  return j.dump();
}

ServerMessage decode_server(std::string_view text) {
  const json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) fail("server message", "not JSON");
  if (!j.is_object()) fail("server message", "not a JSON object");
  constexpr std::string_view where = "server message";
  ServerMessage m;
  if (const json* s = find(j, "setupComplete", where)) {
    m.setup_complete = SetupComplete{};
    if (s->is_object()) m.setup_complete->session_id = opt_string(*s, "sessionId", "setupComplete");
  }
  if (const json* c = find(j, "serverContent", where)) m.server_content = content_from_json(*c);
  if (const json* t = find(j, "toolCall", where)) {
    constexpr std::string_view tw = "toolCall";
    const json& list = need(*t, "functionCalls", tw);
    if (!list.is_array()) fail("toolCall.functionCalls", "is not an array");
    ToolCall call;
    for (const auto& f : list) {
      constexpr std::string_view fw = "toolCall.functionCalls[]";
      FunctionCall fc{.id = opt_string(f, "id", fw), .name = get_string(f, "name", fw)};
      if (const json* args = find(f, "args", fw)) {
        if (!args->is_object()) fail(path(fw, "args"), "is not an object");
        fc.args = *args;
      }
      call.function_calls.push_back(std::move(fc));
    }
    m.tool_call = std::move(call);
  }
  if (const json* c = find(j, "toolCallCancellation", where)) {
    ToolCallCancellation cancel;
    if (const json* ids = find(*c, "ids", "toolCallCancellation")) {
      if (!ids->is_array()) fail("toolCallCancellation.ids", "is not an array");
      for (const auto& id : *ids) {
        if (!id.is_string()) fail("toolCallCancellation.ids", "holds a non-string");
        cancel.ids.push_back(id.get<std::string>());
      }
    }
    m.tool_call_cancellation = std::move(cancel);
  }
  if (const json* g = find(j, "goAway", where)) {
    GoAway away;
    const auto left = opt_string(*g, "timeLeft", "goAway");
    if (!left.empty()) {
      try {
        away.time_left = parse_duration(left);
      } catch (const ProtocolError& e) {
        fail("goAway.timeLeft", e.what());
      }
    }
    m.go_away = away;
  }
  if (const json* u = find(j, "sessionResumptionUpdate", where)) {
    constexpr std::string_view uw = "sessionResumptionUpdate";
    m.session_resumption_update = SessionResumptionUpdate{
        .new_handle = opt_string(*u, "newHandle", uw),
        .resumable = opt_bool(*u, "resumable", uw),
        .last_consumed_client_message_index = opt_int(*u, "lastConsumedClientMessageIndex", uw)};
  }
  if (const json* u = find(j, "usageMetadata", where)) {
    constexpr std::string_view uw = "usageMetadata";
    m.usage_metadata =
        UsageMetadata{.prompt_tokens = opt_int(*u, "promptTokenCount", uw).value_or(0),
                      .response_tokens = opt_int(*u, "responseTokenCount", uw).value_or(0),
                      .total_tokens = opt_int(*u, "totalTokenCount", uw).value_or(0)};
  }
  const json* e = find(j, "error", where);
  if (e != nullptr || (find(j, "code", where) != nullptr && !m.setup_complete &&
                       !m.server_content && !m.tool_call)) {
    const json& err = e != nullptr ? *e : j;
    if (!err.is_object()) fail("error", "is not an object");
    ServerError out;
    out.code = static_cast<int>(opt_int(err, "code", "error").value_or(0));
    out.message = opt_string(err, "message", "error");
    out.status = opt_string(err, "status", "error");
    m.error = std::move(out);
  }
  return m;
}

}  // namespace scenario::gemini::live
