// fake_openai_realtime: the fake OpenAI Realtime server as a program, so that any client (an
// official SDK, a bot under development) can be pointed at it. Prints its base URL first
// (ws://127.0.0.1:PORT/v1/realtime), then serves until SIGINT or SIGTERM.
//   fake_openai_realtime [--port N] [--dialect ga|beta] [--script FILE] [--key KEY] [--speed X]
#include <charconv>
#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "fakes/openai_realtime_fake.hpp"

namespace {

volatile std::sig_atomic_t stop_requested = 0;

constexpr const char* kUsage =
    "usage: fake_openai_realtime [--port N] [--dialect ga|beta] [--script FILE] [--key KEY]\n"
    "                            [--speed X]\n"
    "A fake OpenAI Realtime server on 127.0.0.1 (shared/protocols/openai-realtime.md). Prints\n"
    "its base URL (ws://127.0.0.1:PORT/v1/realtime) on the first line; clients add ?model=.\n"
    "  --port N       port to listen on; 0 (the default) takes any free port\n"
    "  --dialect D    speak only GA or beta (default: as the OpenAI-Beta header says)\n"
    "  --script FILE  replies, in order: a JSON array of {\"text\", \"delay_ms\", \"tool\",\n"
    "                 \"arguments\", \"error_code\", \"reply_after_error\", \"close_after_deltas\",\n"
    "                 \"close_code\"}; after the last, the default reply\n"
    "  --key KEY      the API key clients must send as Authorization: Bearer KEY\n"
    "                 (default sk-fake-realtime-0123456789abcdef)\n"
    "  --speed X      replies stream X times faster than real time (default 4)\n"
    "  --tls-cert F --tls-key F\n"
    "                 serve wss://localhost:PORT with this PEM certificate chain and key\n"
    "  --help         this text\n";

int fail(const std::string& message) {
  std::cerr << "fake_openai_realtime: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  scenario::fakes::FakeRealtimeOptions options;
  std::vector<scenario::fakes::FakeRealtimeReply> script;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg != "--port" && arg != "--dialect" && arg != "--script" && arg != "--key" &&
        arg != "--speed" && arg != "--tls-cert" && arg != "--tls-key")
      return fail("unknown argument '" + arg + "' (see --help)");
    if (i + 1 >= argc) return fail(arg + " needs a value");
    const std::string value = argv[++i];
    if (arg == "--port") {
      int port = -1;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), port);
      if (error != std::errc() || end != value.data() + value.size() || port < 0 || port > 65535)
        return fail("--port takes a whole number from 0 to 65535, not '" + value + "'");
      options.port = static_cast<unsigned short>(port);
    } else if (arg == "--dialect") {
      if (value == "ga") {
        options.dialect = scenario::openai::realtime::Dialect::ga;
      } else if (value == "beta") {
        options.dialect = scenario::openai::realtime::Dialect::beta;
      } else {
        return fail("--dialect is ga or beta, not '" + value + "'");
      }
    } else if (arg == "--tls-cert") {
      options.certificate_file = value;
    } else if (arg == "--tls-key") {
      options.private_key_file = value;
    } else if (arg == "--key") {
      if (value.empty()) return fail("--key needs a non-empty key");
      options.api_key = value;
    } else if (arg == "--speed") {
      double speed = 0;
      const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), speed);
      if (error != std::errc() || end != value.data() + value.size() || !(speed >= 0.5) ||
          speed > 1000)
        return fail("--speed takes a number from 0.5 to 1000, not '" + value + "'");
      options.speed = speed;
    } else {
      std::ifstream in(value);
      if (!in) return fail("cannot read the script '" + value + "'");
      const auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
      if (json.is_discarded()) return fail("the script '" + value + "' is not JSON");
      try {
        script = scenario::fakes::replies_from_json(json);
      } catch (const std::invalid_argument& e) {
        return fail("the script '" + value + "': " + e.what());
      }
    }
  }
  if (options.certificate_file.empty() != options.private_key_file.empty())
    return fail("--tls-cert and --tls-key go together");
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  try {
    scenario::net::EventLoop loop(1);
    scenario::fakes::FakeOpenAIRealtime fake(loop, options);
    for (auto& reply : script) fake.push_reply(std::move(reply));
    std::cout << fake.base_url() << std::endl;
    while (stop_requested == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } catch (const std::exception& e) {
    std::cerr << "fake_openai_realtime: cannot serve on port " << options.port << ": " << e.what()
              << "\n";
    return 1;
  }
  return 0;
}
