#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>

#include "scenario/http.hpp"

namespace scenario::http {
namespace {

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct MimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* headers = static_cast<Headers*>(user);
  std::string line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0)
    headers->clear();  // a new response (after 100-continue, redirects)
  const auto colon = line.find(':');
  if (colon != std::string::npos) {
    auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t\r\n");
      const auto e = s.find_last_not_of(" \t\r\n");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    headers->emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return size * count;
}

class CurlClient : public Client {
 public:
  explicit CurlClient(ClientOptions options) : options_(std::move(options)) { global_init_once(); }

  Response send(const Request& request) override {
    std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
    if (!curl) throw TransportError("libcurl could not create a handle", false);
    Response response;
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     std::min<long>(static_cast<long>(request.timeout.count()), 15000L));
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (options_.ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file->c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.headers);

    std::unique_ptr<curl_slist, SlistDeleter> header_list;
    curl_slist* raw_list = nullptr;
    for (const auto& [name, value] : request.headers)
      raw_list = curl_slist_append(raw_list, (name + ": " + value).c_str());
    raw_list = curl_slist_append(raw_list, "Expect:");  // no 100-continue round trip
    header_list.reset(raw_list);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());

    std::unique_ptr<curl_mime, MimeDeleter> mime;
    if (!request.form.empty()) {
      mime.reset(curl_mime_init(c));
      for (const auto& field : request.form) {
        curl_mimepart* part = curl_mime_addpart(mime.get());
        curl_mime_name(part, field.name.c_str());
        curl_mime_data(part, field.value.data(), field.value.size());
        if (!field.filename.empty()) curl_mime_filename(part, field.filename.c_str());
        if (!field.content_type.empty()) curl_mime_type(part, field.content_type.c_str());
      }
      curl_easy_setopt(c, CURLOPT_MIMEPOST, mime.get());
    } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
      curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    }
    if (request.method != "POST" && request.method != "GET") {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else if (request.method == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }

    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
      // The URL is safe to show: credentials travel in headers, never in URLs we build.
      throw TransportError(
          request.method + " " + request.url + " failed: " + curl_easy_strerror(rc),
          rc == CURLE_OPERATION_TIMEDOUT);
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

 private:
  ClientOptions options_;
};

}  // namespace

std::optional<std::string> Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return value;
    }
  }
  return std::nullopt;
}

std::shared_ptr<Client> make_curl_client(ClientOptions options) {
  return std::make_shared<CurlClient>(std::move(options));
}

}  // namespace scenario::http
