#pragma once

#include <string>
#include <vector>

#include "scenario/message.hpp"
#include "scenario/result.hpp"

namespace scenario {

struct ConsoleStyle {
  bool colour = false;
};

/// Whether stdout gets colour: a terminal, and neither CI nor NO_COLOR set.
ConsoleStyle console_style_for_stdout();

/// One line per message: "[User] …", "[Agent] …", tool calls and results spelled out.
std::string format_message(const Message& message, const ConsoleStyle& style = {});
std::string format_transcript(const std::vector<Message>& messages, const ConsoleStyle& style = {});

/// A one-screen summary of a result: verdict, reasoning, failed and passed criteria, timing and
/// the last turns of the conversation.
std::string format_summary(const ScenarioResult& result, const ConsoleStyle& style = {},
                           std::size_t last_messages = 8);

}  // namespace scenario
