#include "executor.hpp"

#include <algorithm>
#include <iostream>
#include <random>
#include <sstream>

#include "console_output.hpp"
#include "scenario/agents.hpp"
#include "scenario/console.hpp"
#include "scenario/speech.hpp"

namespace scenario::detail {
namespace {

using WallClock = std::chrono::steady_clock;

std::string new_thread_id() {
  std::random_device rd;
  std::ostringstream out;
  out << "thread_" << std::hex << rd() << rd();
  return out.str();
}

constexpr const char* kEndOfScript =
    "Reached the end of the script without a conclusion; end it with scenario::proceed() to let "
    "the "
    "simulation play out, scenario::judge() for a verdict, or scenario::succeed() / "
    "scenario::fail()";

}  // namespace

Executor::Executor(const RunSpec& spec) : spec_(spec) {
  const ScenarioConfig run_options{.default_model = std::nullopt,
                                   .max_turns = spec.max_turns,
                                   .verbose = spec.verbose,
                                   .cache_key = spec.cache_key,
                                   .debug = spec.debug};
  if (spec.max_turns && *spec.max_turns <= 0)
    throw std::invalid_argument("max_turns must be positive");
  for (const auto& a : spec.agents) {
    if (!a) throw std::invalid_argument("scenario '" + spec.name + "' has a null agent");
  }
  state_.config_ = effective_configuration().merged_with(run_options);
  state_.description_ = spec.description;
  state_.thread_id_ = new_thread_id();
  state_.executor_ = this;
  verbose_ = state_.config_.verbose.value_or(false);
  pending_messages_.resize(spec.agents.size());
  new_turn();
  state_.current_turn_ = 0;
  for (const auto& a : spec.agents) {
    if (auto* voice = dynamic_cast<VoiceAgentAdapter*>(a.get())) {
      voice_adapter_ = voice;
      voice_ = std::make_unique<VoiceSession>(
          *voice, spec.clock ? spec.clock : std::make_shared<RealClock>());
      voice->attach(voice_.get());
      state_.voice_ = voice_.get();
      break;
    }
  }
}

Executor::~Executor() {
  if (voice_adapter_ != nullptr) voice_adapter_->attach(nullptr);
}

Executor& Executor::of(ScenarioState& state) {
  if (state.executor_ == nullptr) {
    throw std::logic_error(
        "this ScenarioState is a read-only snapshot (given to a background agent)");
  }
  return *state.executor_;
}

std::string Executor::agent_label(std::size_t index) const {
  const auto& a = spec_.agents[index];
  return "'" + a->name() + "' (" + std::string(to_string(a->role())) + ")";
}

void Executor::new_turn() {
  pending_agents_.assign(spec_.agents.size(), true);
  pending_roles_ = {AgentRole::user, AgentRole::agent, AgentRole::judge};
  ++state_.current_turn_;
}

bool Executor::has_role(AgentRole role) const {
  return std::any_of(spec_.agents.begin(), spec_.agents.end(),
                     [&](const AgentPtr& a) { return a->role() == role; });
}

std::optional<std::size_t> Executor::next_agent_for_role(AgentRole role) const {
  for (std::size_t i = 0; i < spec_.agents.size(); ++i) {
    if (pending_agents_[i] && spec_.agents[i]->role() == role) return i;
  }
  return std::nullopt;
}

AgentInput Executor::input_for(std::size_t index, std::optional<JudgmentRequest> judgment,
                               const ScenarioState* state) const {
  std::vector<Message> fresh;
  fresh.reserve(pending_messages_[index].size());
  for (const std::size_t i : pending_messages_[index]) fresh.push_back(state_.messages_[i]);
  return AgentInput{state_.thread_id_, state_.messages_, std::move(fresh), std::move(judgment),
                    state};
}

void Executor::add_message(Message message, std::optional<std::size_t> from_agent) {
  if (verbose_) print_line(format_message(message, console_style_for_stdout()));
  const std::size_t position = state_.messages_.size();
  state_.messages_.push_back(std::move(message));
  for (std::size_t i = 0; i < pending_messages_.size(); ++i) {
    if (!from_agent || *from_agent != i) pending_messages_[i].push_back(position);
  }
}

std::vector<Message> Executor::rollback_messages_to(long index) {
  if (index < 0) throw std::invalid_argument("rollback_messages_to: index must not be negative");
  const auto cut = std::min(static_cast<std::size_t>(index), state_.messages_.size());
  std::vector<Message> removed(state_.messages_.begin() + static_cast<std::ptrdiff_t>(cut),
                               state_.messages_.end());
  state_.messages_.resize(cut);
  // Agents must not see removed messages as new either.
  for (auto& pending : pending_messages_)
    std::erase_if(pending, [&](std::size_t i) { return i >= cut; });
  return removed;
}

std::optional<ScenarioResult> Executor::take_reply(std::size_t index, AgentReply reply) {
  const AgentRole role = spec_.agents[index]->role();
  auto text_message = [&](std::string text) {
    if (role == AgentRole::judge) {
      throw AgentError("agent " + agent_label(index) +
                       " returned text; a judge returns a verdict or nothing");
    }
    return Message{.role = role == AgentRole::user ? Role::user : Role::assistant,
                   .content = std::move(text)};
  };
  return std::visit(
      [&](auto&& value) -> std::optional<ScenarioResult> {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, std::string>) {
          add_message(text_message(std::move(value)), index);
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, Message>) {
          add_message(std::move(value), index);
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, std::vector<Message>>) {
          for (auto& m : value) add_message(std::move(m), index);
          return std::nullopt;
        } else {
          return std::move(value);
        }
      },
      std::move(reply.value));
}

std::optional<ScenarioResult> Executor::call_agent(std::size_t index,
                                                   std::optional<JudgmentRequest> judgment) {
  const AgentInput input = input_for(index, std::move(judgment), &state_);
  pending_messages_[index].clear();
  const auto t0 = WallClock::now();
  AgentReply reply;
  try {
    reply = spec_.agents[index]->call(input);
  } catch (const std::exception& e) {
    agent_time_ += WallClock::now() - t0;
    throw AgentError("agent " + agent_label(index) + " threw: " + e.what());
  } catch (...) {
    agent_time_ += WallClock::now() - t0;
    throw AgentError("agent " + agent_label(index) + " threw a non-standard exception");
  }
  agent_time_ += WallClock::now() - t0;
  return take_reply(index, std::move(reply));
}

Executor::StepOutcome Executor::step(bool go_to_next_turn, const StateCallback& on_turn) {
  while (true) {
    if (pending_roles_.empty()) {
      if (!go_to_next_turn) return {};
      new_turn();
      if (on_turn) on_turn(state_);
      if (state_.current_turn_ >= state_.config_.max_turns_or_default()) {
        return {true, reached_limit("Reached the maximum number of turns (" +
                                    std::to_string(state_.config_.max_turns_or_default()) +
                                    ") without a conclusion")};
      }
      continue;
    }
    const AgentRole role = pending_roles_.front();
    const auto index = next_agent_for_role(role);
    if (!index) {
      pending_roles_.erase(pending_roles_.begin());
      continue;
    }
    pending_agents_[*index] = false;
    return {true, call_agent(*index, std::nullopt)};
  }
}

std::optional<ScenarioResult> Executor::script_call_agent(AgentRole role,
                                                          std::optional<Message> content,
                                                          std::optional<JudgmentRequest> judgment) {
  auto index = next_agent_for_role(role);
  if (!index && has_role(role)) {
    // That role already acted in this turn: acting again starts the next turn.
    new_turn();
    index = next_agent_for_role(role);
  }
  if (index) pending_agents_[*index] = false;
  if (content) {
    add_message(std::move(*content), index);
    return std::nullopt;
  }
  if (!index) {
    const char* hint = role == AgentRole::user    ? "a user simulator"
                       : role == AgentRole::judge ? "a judge"
                                                  : "the agent under test";
    throw std::logic_error("no agent plays the " + std::string(to_string(role)) +
                           " role, so it cannot act here; add " + hint +
                           " to the scenario's agents, or give the step its content");
  }
  return call_agent(*index, std::move(judgment));
}

std::optional<ScenarioResult> Executor::join_background() {
  if (!background_) return std::nullopt;
  Background bg = std::move(*background_);
  background_.reset();
  AgentReply reply;
  try {
    reply = bg.reply.get();
  } catch (const std::exception& e) {
    agent_time_ += WallClock::now() - bg.started;
    throw AgentError("agent " + agent_label(bg.agent_index) + " threw: " + e.what());
  }
  agent_time_ += WallClock::now() - bg.started;
  return take_reply(bg.agent_index, std::move(reply));
}

std::optional<ScenarioResult> Executor::user_line(const std::string& content,
                                                  const UserLineOptions& options) {
  Message m = user_message(content);
  if (voice_) {
    // The simulated user's voice: a per-line override, else the simulator's, else the adapter's.
    std::string voice = voice_adapter_->turn_options().default_voice;
    std::vector<AudioEffect> effects;
    for (const auto& a : spec_.agents) {
      if (const auto* sim = dynamic_cast<const UserSimulatorAgent*>(a.get());
          sim != nullptr && sim->options().voice) {
        voice = *sim->options().voice;
        effects = sim->options().audio_effects;
        break;
      }
    }
    if (options.voice) voice = *options.voice;
    if (options.audio_effects)
      effects.assign(options.audio_effects->begin(), options.audio_effects->end());
    SpeechOptions speech{.instructions = options.voice_style,
                         .cache_key = state_.config_.cache_key};
    audio::AudioChunk spoken = apply_effects(synthesize(content, voice, speech), effects);
    spoken.transcript = content;
    m.content.reset();
    m.parts.push_back(ContentPart::audio_part(std::move(spoken)));
  }
  return user(std::move(m));
}

std::optional<ScenarioResult> Executor::user(std::optional<Message> content) {
  // Deliberately does not join a background agent: the user may talk over it.
  return script_call_agent(AgentRole::user, std::move(content), std::nullopt);
}

std::optional<ScenarioResult> Executor::agent(std::optional<Message> content, bool wait) {
  if (auto verdict = join_background()) return verdict;
  if (wait || content) return script_call_agent(AgentRole::agent, std::move(content), std::nullopt);
  auto index = next_agent_for_role(AgentRole::agent);
  if (!index && has_role(AgentRole::agent)) {
    new_turn();
    index = next_agent_for_role(AgentRole::agent);
  }
  if (!index)
    return script_call_agent(AgentRole::agent, std::nullopt, std::nullopt);  // throws: no agent
  pending_agents_[*index] = false;
  // The background call gets a snapshot: the script goes on changing the live state meanwhile.
  auto snapshot = std::make_shared<ScenarioState>(state_);
  snapshot->executor_ = nullptr;
  auto input = std::make_shared<AgentInput>(input_for(*index, std::nullopt, snapshot.get()));
  pending_messages_[*index].clear();
  AgentPtr adapter = spec_.agents[*index];
  background_ = Background{
      *index,
      std::async(std::launch::async, [adapter, input, snapshot] { return adapter->call(*input); }),
      WallClock::now()};
  return std::nullopt;
}

std::optional<ScenarioResult> Executor::message(Message message) {
  add_message(std::move(message), std::nullopt);
  return std::nullopt;
}

std::optional<ScenarioResult> Executor::judge(std::optional<std::vector<std::string>> criteria) {
  if (auto verdict = join_background()) return verdict;
  const bool checkpoint = criteria.has_value();
  auto verdict =
      script_call_agent(AgentRole::judge, std::nullopt, JudgmentRequest{std::move(criteria)});
  if (checkpoint) {
    if (!verdict) return std::nullopt;
    if (verdict->success) {
      for (const auto& c : verdict->passed_criteria) {
        if (std::find(checkpoint_passed_.begin(), checkpoint_passed_.end(), c) ==
            checkpoint_passed_.end()) {
          checkpoint_passed_.push_back(c);
        }
      }
      return std::nullopt;
    }
    return verdict;
  }
  if (!verdict) return ScenarioResult::failed("the judge was asked for a verdict and gave none");
  return verdict;
}

std::optional<ScenarioResult> Executor::proceed(const ProceedOptions& options) {
  if (auto verdict = join_background()) return verdict;
  const int initial_turn = state_.current_turn_;
  while (true) {
    const bool go_on = !options.turns || state_.current_turn_ + 1 < initial_turn + *options.turns;
    StepOutcome outcome = step(go_on, options.on_turn);
    if (outcome.acted && options.on_step) options.on_step(state_);
    if (outcome.verdict) return outcome.verdict;
    if (!outcome.acted) return std::nullopt;
  }
}

std::optional<ScenarioResult> Executor::voice_interrupt(const std::string& content,
                                                        const InterruptOptions& options) {
  if (!voice_) {
    throw UnsupportedCapabilityError(
        "this run", "interrupt()",
        "add a voice adapter (a VoiceAgentAdapter) to the scenario's agents");
  }
  if (auto verdict = join_background()) return verdict;
  std::size_t index = 0;
  while (spec_.agents[index].get() != voice_adapter_) ++index;
  if (!pending_agents_[index]) new_turn();
  pending_agents_[index] = false;
  // The agent first hears what it has not heard yet (the line it is about to answer).
  for (const std::size_t i : pending_messages_[index]) {
    const Message& m = state_.messages_[i];
    if (m.role != Role::user || m.spoken) continue;
    audio::AudioChunk speech;
    for (const auto& p : m.parts) {
      if (p.kind == ContentPart::Kind::audio && p.audio) speech = *p.audio;
    }
    if (speech.empty() && !m.text().empty())
      speech = synthesize(m.text(), voice_adapter_->turn_options().default_voice);
    voice_->recorder().start_turn(Speaker::user);
    voice_->speak(speech);
  }
  pending_messages_[index].clear();
  audio::AudioChunk interruption;
  if (!content.empty())
    interruption = synthesize(content, voice_adapter_->turn_options().default_voice);
  const auto t0 = WallClock::now();
  Message partial;
  try {
    partial = voice_->interrupt_reply(interruption, options);
  } catch (const std::exception& e) {
    agent_time_ += WallClock::now() - t0;
    throw AgentError("agent " + agent_label(index) + ": " + e.what());
  }
  agent_time_ += WallClock::now() - t0;
  add_message(std::move(partial), index);
  if (!interruption.empty()) {
    Message said{.role = Role::user};
    said.parts.push_back(ContentPart::audio_part(std::move(interruption)));
    said.spoken = true;
    add_message(std::move(said), std::nullopt);
  }
  return std::nullopt;
}

ScenarioResult Executor::conclude(bool success, std::optional<std::string> reasoning) {
  if (auto verdict = join_background()) return *verdict;
  ScenarioResult r;
  r.success = success;
  r.reasoning =
      reasoning.value_or(success ? "Scenario marked as successful with scenario::succeed()"
                                 : "Scenario marked as failed with scenario::fail()");
  return r;
}

ScenarioResult Executor::reached_limit(const std::string& reason) {
  // With a judge present, it gives the final verdict; otherwise the run fails with the reason.
  for (std::size_t i = 0; i < spec_.agents.size(); ++i) {
    if (spec_.agents[i]->role() != AgentRole::judge) continue;
    auto verdict = call_agent(i, JudgmentRequest{});
    if (verdict) return *verdict;
    return ScenarioResult::failed(reason +
                                  "; the judge was asked for a final verdict and gave none");
  }
  return ScenarioResult::failed(reason);
}

ScenarioResult Executor::finish(ScenarioResult result) {
  // Never leave a background call running past the run.
  if (background_) {
    try {
      (void)join_background();
    } catch (const std::exception& e) {
      if (result.success) result = ScenarioResult::failed(e.what());
    }
  }
  for (auto it = checkpoint_passed_.rbegin(); it != checkpoint_passed_.rend(); ++it) {
    if (std::find(result.passed_criteria.begin(), result.passed_criteria.end(), *it) ==
        result.passed_criteria.end()) {
      result.passed_criteria.insert(result.passed_criteria.begin(), *it);
    }
  }
  result.messages = state_.messages_;
  result.total_time = WallClock::now() - started_;
  result.agent_time = agent_time_;
  result.name = spec_.name;
  result.set_id = spec_.set_id;
  result.metadata = spec_.metadata;
  if (voice_) {
    voice_->recorder().close();
    result.recording = voice_->recorder().recording();
    result.timeline = result.recording.events;  // sorted once, the same order as the manifest
    result.latency = measure_latency(result.recording, result.timeline);
    result.recording.latency = result.latency;
    result.usage = sum_token_usage(result.timeline);
    result.recording.usage = result.usage;
    result.recording.info = {.scenario_name = spec_.name,
                             .success = result.success,
                             .reasoning = result.reasoning,
                             .generated_at = ""};
  } else {
    result.timeline = state_.timeline_;
  }
  if (verbose_) print_line(format_summary(result, console_style_for_stdout(), 0));
  return result;
}

ScenarioResult Executor::run() {
  started_ = WallClock::now();
  std::vector<Step> script = spec_.script;
  if (script.empty()) script.push_back(scenario::proceed());
  for (std::size_t i = 0; i < script.size(); ++i) {
    std::optional<ScenarioResult> verdict;
    try {
      verdict = script[i](state_);
    } catch (const AgentError& e) {
      return finish(ScenarioResult::failed(e.what()));
    } catch (const ScenarioAssertionError& e) {
      return finish(ScenarioResult::failed(std::string("step ") + std::to_string(i + 1) + " (" +
                                           script[i].description() + ") failed: " + e.what()));
    } catch (const std::exception& e) {
      return finish(ScenarioResult::failed(std::string("step ") + std::to_string(i + 1) + " (" +
                                           script[i].description() + ") threw: " + e.what()));
    } catch (...) {
      return finish(ScenarioResult::failed("step " + std::to_string(i + 1) + " (" +
                                           script[i].description() +
                                           ") threw a non-standard exception"));
    }
    if (verdict) return finish(std::move(*verdict));
  }
  try {
    if (auto verdict = join_background()) return finish(std::move(*verdict));
    return finish(reached_limit(kEndOfScript));
  } catch (const AgentError& e) {
    return finish(ScenarioResult::failed(e.what()));
  }
}

}  // namespace scenario::detail
