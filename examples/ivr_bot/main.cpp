// The reference IVR bot as a standalone program: a Twilio Media Streams bot on a WebSocket, or
// with --protobuf a bot speaking Pipecat's protobuf serializer (PCM16, 40 ms chunks as Pipecat).
//
//   ivr_bot [--port N] [--protobuf] [--response-delay-ms N] [--reaction-ms N] [--reprompt-ms N]
//
// Prints its URL, then serves calls until interrupted.
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "ivr_bot.hpp"

namespace {
volatile std::sig_atomic_t stop_requested = 0;
}

int main(int argc, char** argv) {
  scenario::examples::IvrBotOptions options;
  scenario::net::ServerOptions server;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> int {
      if (i + 1 >= argc) {
        std::cerr << "ivr_bot: " << arg << " needs a value\n";
        std::exit(2);
      }
      return std::atoi(argv[++i]);
    };
    if (arg == "--protobuf") {
      options.wire = scenario::examples::IvrWire::pipecat_protobuf;
      options.chunk = std::chrono::milliseconds(40);
    } else if (arg == "--port") {
      server.port = static_cast<unsigned short>(value());
    } else if (arg == "--response-delay-ms") {
      options.response_delay = std::chrono::milliseconds(value());
    } else if (arg == "--reaction-ms") {
      options.reaction_time = std::chrono::milliseconds(value());
    } else if (arg == "--reprompt-ms") {
      options.reprompt_after = std::chrono::milliseconds(value());
    } else {
      std::cerr << "usage: ivr_bot [--port N] [--protobuf] [--response-delay-ms N] "
                   "[--reaction-ms N] [--reprompt-ms N]\n";
      return 2;
    }
  }
  std::signal(SIGINT, [](int) { stop_requested = 1; });
  std::signal(SIGTERM, [](int) { stop_requested = 1; });
  scenario::net::EventLoop loop(1);
  scenario::examples::IvrBot bot(loop, options, server);
  std::cout << bot.url() << std::endl;
  while (stop_requested == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return 0;
}
