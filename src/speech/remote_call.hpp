#pragma once
// Internal: one authorized request to a speech provider, with the retry policy and the test
// injection points of SpeechOptions. Shared by text-to-speech and transcription.

#include "scenario/speech.hpp"

namespace scenario::detail {

inline http::Response send_speech_request(const llm::Endpoint& endpoint, http::Request request,
                                          const SpeechOptions& options, const std::string& what) {
  if (endpoint.api_key)
    request.headers.emplace_back(endpoint.auth_header, endpoint.auth_prefix + *endpoint.api_key);
  request.timeout = options.timeout;
  auto http = options.http ? options.http : http::make_curl_client();
  auto sleeper = options.sleeper ? options.sleeper : llm::real_sleeper();
  return llm::send_with_retries(*http, request, options.retry, *sleeper, what, endpoint.api_key);
}

}  // namespace scenario::detail
