#include "scenario/console.hpp"

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>

#include "console_output.hpp"

namespace scenario {
namespace {

const char* colour_for(Role role) {
  switch (role) {
    case Role::user:
      return "\033[36m";  // cyan
    case Role::assistant:
      return "\033[32m";  // green
    case Role::tool:
      return "\033[33m";  // yellow
    default:
      return "\033[90m";  // grey
  }
}

std::string label(Role role) {
  switch (role) {
    case Role::user:
      return "User";
    case Role::assistant:
      return "Agent";
    case Role::tool:
      return "Tool";
    case Role::system:
      return "System";
    case Role::developer:
      return "Developer";
  }
  return "?";
}

std::string paint(const std::string& text, const char* code, const ConsoleStyle& style) {
  return style.colour ? std::string(code) + text + "\033[0m" : text;
}

}  // namespace

ConsoleStyle console_style_for_stdout() {
  const bool ci = std::getenv("CI") != nullptr && std::string(std::getenv("CI")) != "false";
  const bool no_colour = std::getenv("NO_COLOR") != nullptr;
  return ConsoleStyle{.colour = isatty(STDOUT_FILENO) == 1 && !ci && !no_colour};
}

std::string format_message(const Message& m, const ConsoleStyle& style) {
  std::ostringstream out;
  out << paint("[" + label(m.role) + "]", colour_for(m.role), style);
  const std::string text = m.text();
  if (!text.empty()) out << " " << text;
  for (const auto& part : m.parts) {
    if (part.kind == ContentPart::Kind::audio && part.audio) {
      out << " <audio " << std::fixed << std::setprecision(2) << part.audio->duration_seconds()
          << " s>";
    }
    if (part.kind == ContentPart::Kind::image_url) out << " <image " << part.image_url << ">";
  }
  for (const auto& call : m.tool_calls)
    out << " " << paint("→ " + call.name + "(" + call.arguments + ")", "\033[33m", style);
  if (m.tool_call_id) out << " (result of " << *m.tool_call_id << ")";
  return out.str();
}

std::string format_transcript(const std::vector<Message>& messages, const ConsoleStyle& style) {
  std::string out;
  for (const auto& m : messages) out += format_message(m, style) + "\n";
  return out;
}

std::string format_summary(const ScenarioResult& r, const ConsoleStyle& style,
                           std::size_t last_messages) {
  std::ostringstream out;
  const std::string verdict = r.success ? "PASSED" : "FAILED";
  out << paint("Scenario " + (r.name.empty() ? std::string("(unnamed)") : "'" + r.name + "'") +
                   " " + verdict,
               r.success ? "\033[1;32m" : "\033[1;31m", style)
      << "\n";
  if (!r.reasoning.empty()) out << "  reasoning: " << r.reasoning << "\n";
  for (const auto& c : r.failed_criteria) out << "  " << paint("✗ " + c, "\033[31m", style) << "\n";
  for (const auto& c : r.passed_criteria) out << "  " << paint("✓ " + c, "\033[32m", style) << "\n";
  out << std::fixed << std::setprecision(3) << "  time: " << r.total_time.count() << " s total, "
      << r.agent_time.count() << " s in agents, " << r.messages.size() << " messages\n";
  if (last_messages > 0 && !r.messages.empty()) {
    const std::size_t from =
        r.messages.size() > last_messages ? r.messages.size() - last_messages : 0;
    out << "  last " << (r.messages.size() - from) << " message(s):\n";
    for (std::size_t i = from; i < r.messages.size(); ++i)
      out << "    " << format_message(r.messages[i], style) << "\n";
  }
  return out.str();
}

namespace detail {

void print_line(const std::string& text) {
  static std::mutex mutex;
  const std::lock_guard lock(mutex);
  std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "") << std::flush;
}

}  // namespace detail
}  // namespace scenario
