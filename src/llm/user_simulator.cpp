#include <sstream>

#include "agents_common.hpp"
#include "scenario/agents.hpp"
#include "scenario/llm/cache.hpp"

namespace scenario {
namespace {

constexpr const char* kUserInstructions =
    "<role>\n"
    "You are playing a human user who is talking to an AI agent, to test that agent. The agent's "
    "messages reach you "
    "as the user role; you answer as the assistant role, but you are the USER, never the agent.\n"
    "</role>\n"
    "<style>\n"
    "Write like a real person on a call or in a chat: short, plain, a few words to one or two "
    "sentences, no lists, "
    "no markdown. Do not repeat the agent's words back. Stay in character.\n"
    "</style>\n"
    "<rules>\n"
    "- Never do the agent's job (do not answer your own questions).\n"
    "- Pursue the goal of the scenario; react to what the agent actually said.\n"
    "</rules>\n";

// The agent under test greets first from the simulated user's point of view (it is the "user" of
// the reversed conversation), so the model has something to answer.
constexpr const char* kOpening = "Hello, how can I help you today?";

}  // namespace

UserSimulatorAgent::UserSimulatorAgent(UserSimulatorOptions options)
    : options_(std::move(options)) {
  if (options_.interrupt_probability < 0.0 || options_.interrupt_probability > 1.0) {
    throw std::invalid_argument("interrupt_probability must be within 0..1");
  }
}

llm::ChatRequest UserSimulatorAgent::build_request(const AgentInput& input) const {
  std::ostringstream system;
  if (options_.system_prompt) {
    system << *options_.system_prompt;
  } else {
    system << kUserInstructions;
    if (input.scenario_state)
      system << "<scenario>\n" << input.state().description() << "\n</scenario>\n";
    if (options_.persona) system << "<persona>\n" << *options_.persona << "\n</persona>\n";
  }
  llm::ChatRequest request;
  request.messages.push_back(system_message(system.str()));
  // Role reversal: the agent's lines become "user" lines for the model, and the simulated user's
  // earlier lines become its own "assistant" lines. Tool traffic is the agent's business: dropped.
  bool agent_spoke = false;
  for (const auto& m : input.messages) {
    if (m.role == Role::assistant) {
      if (m.text().empty()) continue;
      request.messages.push_back(user_message(m.text()));
      agent_spoke = true;
    } else if (m.role == Role::user) {
      if (!agent_spoke && request.messages.size() == 1)
        request.messages.push_back(user_message(kOpening));
      request.messages.push_back(assistant_message(m.text()));
    }
  }
  if (request.messages.size() == 1) request.messages.push_back(user_message(kOpening));
  request.temperature = options_.llm.temperature;
  request.max_tokens = options_.llm.max_tokens;
  return request;
}

bool UserSimulatorAgent::interrupts_on_turn(int turn,
                                            const std::optional<std::string>& cache_key) const {
  if (options_.interrupt_probability <= 0.0) return false;
  const std::string digest =
      llm::CallCache::hash_of({{"cache_key", cache_key.value_or("")}, {"turn", turn}});
  // The first 13 hex digits of the hash as a uniform number in [0, 1).
  const double u = static_cast<double>(std::stoull(digest.substr(0, 13), nullptr, 16)) /
                   static_cast<double>(1ULL << 52);
  return u < options_.interrupt_probability;
}

AgentReply UserSimulatorAgent::call(const AgentInput& input) {
  auto client = detail::chat_client_for(options_.llm, input);
  const auto response = client.complete(build_request(input), detail::cache_key_of(input));
  std::string text = response.message.text();
  if (text.empty()) throw std::runtime_error("the user simulator's model returned no text");
  if (!options_.voice) return text;
  SpeechOptions speech{.cache_key = detail::cache_key_of(input),
                       .http = options_.llm.http,
                       .cache = options_.llm.cache,
                       .sleeper = options_.llm.sleeper};
  audio::AudioChunk chunk =
      apply_effects(synthesize(text, *options_.voice, speech), options_.audio_effects);
  chunk.transcript = text;
  Message m{.role = Role::user};
  m.parts.push_back(ContentPart::audio_part(std::move(chunk)));
  return m;
}

std::shared_ptr<UserSimulatorAgent> user_simulator(UserSimulatorOptions options) {
  return std::make_shared<UserSimulatorAgent>(std::move(options));
}

}  // namespace scenario
