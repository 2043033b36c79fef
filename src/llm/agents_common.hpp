#pragma once
// Internal: what the LLM agents share (building a ChatClient from ModelOptions and the run).

#include "scenario/agents.hpp"

namespace scenario::detail {

inline llm::ChatClient chat_client_for(const ModelOptions& options, const AgentInput& input) {
  std::string model = "openai/gpt-4.1-mini";
  if (input.scenario_state && input.state().config().default_model)
    model = *input.state().config().default_model;
  if (options.model) model = *options.model;
  return llm::ChatClient(llm::ChatOptions{.model = model,
                                          .endpoint = options.endpoint,
                                          .timeout = options.timeout,
                                          .retry = options.retry},
                         options.http, options.cache, options.sleeper);
}

inline std::optional<std::string> cache_key_of(const AgentInput& input) {
  return input.scenario_state ? input.state().config().cache_key : std::nullopt;
}

}  // namespace scenario::detail
