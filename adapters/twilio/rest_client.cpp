// Twilio REST (twilio-media-streams.md "REST endpoints"): form-encoded requests, JSON answers,
// HTTP Basic auth.
#include <nlohmann/json.hpp>

#include "scenario/audio/base64.hpp"
#include "scenario/twilio/media_streams.hpp"
#include "scenario/twilio/rest.hpp"

namespace scenario::twilio {
namespace {

using json = nlohmann::json;

std::string text_of(const json& j, const char* name) {
  const auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

CallResource call_of(const json& j) {
  return {.sid = text_of(j, "sid"),
          .status = text_of(j, "status"),
          .to = text_of(j, "to"),
          .from = text_of(j, "from"),
          .direction = text_of(j, "direction")};
}

PhoneNumberResource number_of(const json& j) {
  return {.sid = text_of(j, "sid"),
          .phone_number = text_of(j, "phone_number"),
          .voice_url = text_of(j, "voice_url"),
          .voice_method = text_of(j, "voice_method")};
}

json parse_body(const std::string& body, const std::string& what) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw ApiError("twilio: " + what + ": the answer is not a JSON object", 0, 0);
  }
  return j;
}

}  // namespace

RestClient::RestClient(RestOptions options) : options_(std::move(options)) {
  if (options_.account_sid.empty()) throw std::invalid_argument("twilio: account_sid is empty");
  if (options_.auth_token.empty()) throw std::invalid_argument("twilio: auth_token is empty");
  while (!options_.base_url.empty() && options_.base_url.back() == '/')
    options_.base_url.pop_back();
  if (!options_.http) {
    http::ClientOptions client;
    if (!options_.ca_file.empty()) client.ca_file = options_.ca_file;
    options_.http = http::make_curl_client(client);
  }
  const std::string user =
      options_.api_key_sid.empty() ? options_.account_sid : options_.api_key_sid;
  const std::string credentials = user + ":" + options_.auth_token;
  authorization_ = "Basic " + audio::base64_encode(std::span<const std::uint8_t>(
                                  reinterpret_cast<const std::uint8_t*>(credentials.data()),
                                  credentials.size()));
}

std::string RestClient::send(const std::string& method, const std::string& path,
                             const FormParams& form) {
  http::Request request;
  request.method = method;
  request.url =
      options_.base_url + "/2010-04-01/Accounts/" + percent_encode(options_.account_sid) + path;
  request.timeout = options_.timeout;
  request.headers = {{"Authorization", authorization_}, {"Accept", "application/json"}};
  if (method == "POST") {
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = form_encode(form);
  }
  const std::string what = method + " " + request.url;
  http::Response response;
  try {
    response = options_.http->send(request);
  } catch (const http::TransportError& e) {
    throw ApiError(std::string("twilio: ") + e.what(), 0, 0);
  }
  if (response.status >= 200 && response.status < 300) return response.body;
  // Error body: {"code":20404,"message":"…","more_info":"…","status":404}
  int code = 0;
  std::string message;
  const json j = json::parse(response.body, nullptr, false);
  if (j.is_object()) {
    if (const auto c = j.find("code"); c != j.end() && c->is_number_integer()) code = c->get<int>();
    message = text_of(j, "message");
  }
  std::string text = "twilio: " + what + " → HTTP " + std::to_string(response.status);
  if (code != 0) text += ", error " + std::to_string(code);
  if (!message.empty()) text += ": " + message.substr(0, 200);
  if (response.status == 401) text += " (check the account SID and auth token)";
  throw ApiError(text, response.status, code);
}

CallResource RestClient::create_call(const NewCall& call) {
  FormParams form{{"To", call.to},
                  {"From", call.from},
                  {"Url", call.url},
                  {"Method", "POST"},
                  {"Timeout", std::to_string(call.ring_timeout.count())}};
  if (!call.status_callback.empty()) {
    form.emplace_back("StatusCallback", call.status_callback);
    form.emplace_back("StatusCallbackMethod", "POST");
    for (const char* event : {"initiated", "ringing", "answered", "completed"})
      form.emplace_back("StatusCallbackEvent", event);
  }
  return call_of(parse_body(send("POST", "/Calls.json", form), "create call"));
}

CallResource RestClient::update_call(const std::string& call_sid, const FormParams& params) {
  return call_of(parse_body(send("POST", "/Calls/" + percent_encode(call_sid) + ".json", params),
                            "update call"));
}

CallResource RestClient::hang_up(const std::string& call_sid) {
  return update_call(call_sid, {{"Status", "completed"}});
}

PhoneNumberResource RestClient::find_number(const std::string& phone_number) {
  const json j = parse_body(
      send("GET", "/IncomingPhoneNumbers.json?PhoneNumber=" + percent_encode(phone_number), {}),
      "find number");
  const auto list = j.find("incoming_phone_numbers");
  if (list == j.end() || !list->is_array() || list->empty()) {
    throw ApiError("twilio: " + phone_number + " is not a number on this account", 404, 0);
  }
  return number_of(list->front());
}

PhoneNumberResource RestClient::set_voice_url(const std::string& number_sid,
                                              const std::string& voice_url,
                                              const std::string& voice_method) {
  return number_of(
      parse_body(send("POST", "/IncomingPhoneNumbers/" + percent_encode(number_sid) + ".json",
                      {{"VoiceUrl", voice_url}, {"VoiceMethod", voice_method}}),
                 "update number"));
}

}  // namespace scenario::twilio
