#pragma once
// The few Twilio REST calls a test call needs (twilio-media-streams.md "REST endpoints"), on the
// libcurl client. The base URL is configurable (the fake Twilio in tests); TLS is verified.

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "scenario/http.hpp"
#include "scenario/twilio/signature.hpp"

namespace scenario::twilio {

/// Twilio answered with an error ({"code":20404,"message":…,"more_info":…,"status":404}).
class ApiError : public std::runtime_error {
 public:
  ApiError(const std::string& what, long status, int code)
      : std::runtime_error(what), status_(status), code_(code) {}
  long status() const noexcept { return status_; }
  int code() const noexcept { return code_; }  ///< Twilio's error code (0: none in the body)

 private:
  long status_;
  int code_;
};

struct RestOptions {
  std::string account_sid{};
  /// Auth token (or an API key's secret). Sent only in the Authorization header; never logged or
  /// put in an error.
  std::string auth_token{};
  /// API key SID (SK…) to authenticate with instead of the account SID.
  std::string api_key_sid{};
  std::string base_url = "https://api.twilio.com";
  /// PEM CA bundle for the base URL (a test CA); the system store otherwise.
  std::string ca_file{};
  std::chrono::milliseconds timeout{15000};
  /// Default: a libcurl client.
  std::shared_ptr<http::Client> http{};
};

struct CallResource {
  std::string sid{};
  std::string status{};
  std::string to{};
  std::string from{};
  std::string direction{};
};

struct PhoneNumberResource {
  std::string sid{};
  std::string phone_number{};
  std::string voice_url{};
  std::string voice_method{};
};

struct NewCall {
  std::string to{};
  std::string from{};
  std::string url{};  ///< the webhook that returns the call's TwiML
  std::string status_callback{};
  std::chrono::seconds ring_timeout{30};
};

class RestClient {
 public:
  explicit RestClient(RestOptions options);

  /// POST …/Calls.json (201).
  CallResource create_call(const NewCall& call);
  /// POST …/Calls/{sid}.json with these parameters (Twiml, Url, Status …).
  CallResource update_call(const std::string& call_sid, const FormParams& params);
  /// Status=completed: hangs up a live call.
  CallResource hang_up(const std::string& call_sid);
  /// GET …/IncomingPhoneNumbers.json?PhoneNumber=… ; throws ApiError (404) when not on the account.
  PhoneNumberResource find_number(const std::string& phone_number);
  /// POST …/IncomingPhoneNumbers/{sid}.json VoiceUrl, VoiceMethod.
  PhoneNumberResource set_voice_url(const std::string& number_sid, const std::string& voice_url,
                                    const std::string& voice_method = "POST");

 private:
  std::string send(const std::string& method, const std::string& path, const FormParams& form);

  RestOptions options_;
  std::string authorization_;
};

}  // namespace scenario::twilio
