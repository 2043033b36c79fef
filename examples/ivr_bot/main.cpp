// The reference IVR bot as a standalone program: a Twilio Media Streams bot on a WebSocket, or
// with --protobuf a bot speaking Pipecat's protobuf serializer (PCM16, 40 ms chunks as Pipecat).
//
//   ivr_bot [--port N] [--protobuf] [--response-delay-ms N] [--reaction-ms N] [--reprompt-ms N]
//           [--call-log FILE] [--priority N]
//
// Prints its URL on the first line, then serves calls until SIGINT/SIGTERM. Every error is one
// line on stderr and a non-zero exit code (2: bad arguments, 1: could not serve).
#include <charconv>
#include <csignal>
#include <exception>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "ivr_bot.hpp"

namespace {
volatile std::sig_atomic_t stop_requested = 0;

constexpr const char* kUsage =
    "usage: ivr_bot [--port N] [--protobuf] [--response-delay-ms N] [--reaction-ms N]\n"
    "               [--reprompt-ms N] [--call-log FILE] [--priority N]\n"
    "\n"
    "A reference IVR bot for scenario tests, on ws://127.0.0.1:PORT/ (loopback only).\n"
    "Prints its URL on the first line, then serves calls until interrupted.\n"
    "\n"
    "  --port N               port to listen on; 0 (the default) takes any free port\n"
    "  --protobuf             speak Pipecat's protobuf serializer instead of Twilio Media\n"
    "                         Streams JSON\n"
    "  --response-delay-ms N  caller finished -> bot starts answering (default 300)\n"
    "  --reaction-ms N        caller barges in -> bot stops talking (default 120)\n"
    "  --reprompt-ms N        silence after a prompt -> prompt repeated (default 4000)\n"
    "  --call-log FILE        append one JSON line per ended call: its custom parameters,\n"
    "                         prompts, keys, and the bot's own timing (ground truth for\n"
    "                         latencies measured from the caller's recording)\n"
    "  --priority N           run the bot's network thread at SCHED_RR priority N (1-99), as\n"
    "                         media servers do, so its pacing holds on a loaded machine; 0 (the\n"
    "                         default) keeps normal scheduling. Refused rights are reported.\n"
    "  --help                 this text\n"
    "\n"
    "Menu (DTMF events or in-band tones): main: 1 billing, 2 technical support, 9 end the call;\n"
    "billing: 1 last payment, 0 main menu, 9 end; support: 0 main menu, 9 end. Speech gets\n"
    "\"Sorry, I can only understand key presses.\" A mark follows each prompt; after goodbye the\n"
    "bot hangs up.\n";

std::optional<int> parse_int(const std::string& text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}
std::string call_log_line(const scenario::examples::IvrCallLog& log) {
  return nlohmann::json{{"call_sid", log.call_sid},
                        {"custom_parameters", log.custom_parameters},
                        {"prompts", log.prompts},
                        {"digits", log.digits},
                        {"barge_ins", log.barge_ins},
                        {"hung_up", log.hung_up},
                        {"speech_answer_ms", log.speech_answer_ms},
                        {"barge_in_stop_ms", log.barge_in_stop_ms},
                        {"pacing_p99_ms", log.pacing.percentile_ms(99)}}
      .dump();
}
}  // namespace

int main(int argc, char** argv) {
  std::ofstream call_log;
  std::mutex call_log_mutex;
  scenario::examples::IvrBotOptions options;
  scenario::net::ServerOptions server;
  int priority = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    }
    if (arg == "--protobuf") {
      options.wire = scenario::examples::IvrWire::pipecat_protobuf;
      options.chunk = std::chrono::milliseconds(40);
      continue;
    }
    if (arg == "--call-log") {
      if (i + 1 >= argc) {
        std::cerr << "ivr_bot: --call-log needs a file\n";
        return 2;
      }
      call_log.open(argv[++i], std::ios::app);
      if (!call_log) {
        std::cerr << "ivr_bot: cannot write the call log '" << argv[i] << "'\n";
        return 2;
      }
      options.on_call_end = [&](const scenario::examples::IvrCallLog& log) {
        const std::lock_guard lock(call_log_mutex);
        call_log << call_log_line(log) << std::endl;
      };
      continue;
    }
    const bool takes_value = arg == "--port" || arg == "--response-delay-ms" ||
                             arg == "--reaction-ms" || arg == "--reprompt-ms" ||
                             arg == "--priority";
    if (!takes_value) {
      std::cerr << "ivr_bot: unknown argument '" << arg << "' (see --help)\n";
      return 2;
    }
    if (i + 1 >= argc) {
      std::cerr << "ivr_bot: " << arg << " needs a value\n";
      return 2;
    }
    const auto value = parse_int(argv[++i]);
    const int max = arg == "--port" ? 65535 : arg == "--priority" ? 99 : 600000;
    if (!value || *value < 0 || *value > max) {
      std::cerr << "ivr_bot: " << arg << " takes a whole number from 0 to " << max << ", not '"
                << argv[i] << "'\n";
      return 2;
    }
    if (arg == "--port") server.port = static_cast<unsigned short>(*value);
    if (arg == "--response-delay-ms") options.response_delay = std::chrono::milliseconds(*value);
    if (arg == "--reaction-ms") options.reaction_time = std::chrono::milliseconds(*value);
    if (arg == "--reprompt-ms") options.reprompt_after = std::chrono::milliseconds(*value);
    if (arg == "--priority") priority = *value;
  }
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  try {
    scenario::net::EventLoop loop({.threads = 1, .realtime_priority = priority});
    scenario::examples::IvrBot bot(loop, options, server);
    std::cout << bot.url() << std::endl;
    if (priority > 0 && !loop.realtime()) std::cerr << "ivr_bot: " << loop.scheduling() << "\n";
    while (stop_requested == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  } catch (const std::exception& e) {
    std::cerr << "ivr_bot: cannot serve on port " << server.port << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
