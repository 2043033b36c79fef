// `scenario`: the command-line front of scenario-cpp. `scenario audio …` runs the DSP from a shell.
#include <iostream>
#include <string>
#include <vector>

#include "args.hpp"
#include "commands.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/version.hpp"

namespace {

constexpr const char* kUsage =
    "usage: scenario <group> <command> [args]\n"
    "groups:\n"
    "  audio   convert | vad | dtmf generate | dtmf detect | effect   (scenario audio --help)\n"
    "  --version";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
      std::cout << kUsage << "\n";
      return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
      std::cout << "scenario " << scenario::version() << "\n";
      return 0;
    }
    if (args[0] == "audio") return scenario::cli::run_audio({args.begin() + 1, args.end()});
    throw scenario::cli::UsageError("unknown command group '" + args[0] +
                                    "' (try: scenario --help)");
  } catch (const scenario::cli::UsageError& e) {
    std::cerr << "scenario: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "scenario: error: " << e.what() << "\n";
    return 2;
  }
}
