#include <algorithm>

#include "agents_common.hpp"
#include "scenario/agents.hpp"

namespace scenario {

ScriptedUser::ScriptedUser(std::vector<std::string> lines, std::optional<std::string> voice,
                           std::vector<AudioEffect> effects)
    : lines_(std::move(lines)), voice_(std::move(voice)), effects_(std::move(effects)) {
  if (lines_.empty()) throw std::invalid_argument("a scripted user needs at least one line");
}

AgentReply ScriptedUser::call(const AgentInput& input) {
  std::string text;
  {
    const std::lock_guard lock(mutex_);
    text = lines_[std::min(next_++, lines_.size() - 1)];
  }
  if (!voice_) return text;
  audio::AudioChunk chunk = apply_effects(
      synthesize(text, *voice_, {.cache_key = detail::cache_key_of(input)}), effects_);
  chunk.transcript = text;
  Message m{.role = Role::user};
  m.parts.push_back(ContentPart::audio_part(std::move(chunk)));
  return m;
}

CheckJudge::CheckJudge(std::vector<Check> checks, bool finish_when_all_pass)
    : checks_(std::move(checks)), finish_when_all_pass_(finish_when_all_pass) {}

ScenarioResult CheckJudge::evaluate(const ScenarioState& state,
                                    const std::vector<std::string>& criteria) const {
  ScenarioResult r;
  for (const auto& criterion : criteria) {
    const auto it = std::find_if(checks_.begin(), checks_.end(),
                                 [&](const Check& c) { return c.criterion == criterion; });
    if (it == checks_.end()) {
      r.failed_criteria.push_back(criterion + " (inconclusive: no check with this name)");
    } else if (it->holds(state)) {
      r.passed_criteria.push_back(criterion);
    } else {
      r.failed_criteria.push_back(criterion);
    }
  }
  r.success = r.failed_criteria.empty();
  r.reasoning = r.success ? "all " + std::to_string(r.passed_criteria.size()) + " checks hold"
                          : std::to_string(r.failed_criteria.size()) + " of " +
                                std::to_string(criteria.size()) + " checks failed";
  return r;
}

AgentReply CheckJudge::call(const AgentInput& input) {
  std::vector<std::string> all;
  for (const auto& c : checks_) all.push_back(c.criterion);
  if (input.judgment_request) {
    return evaluate(input.state(), input.judgment_request->criteria.value_or(all));
  }
  if (finish_when_all_pass_) {
    ScenarioResult r = evaluate(input.state(), all);
    if (r.success) return r;
  }
  return std::monostate{};
}

}  // namespace scenario
