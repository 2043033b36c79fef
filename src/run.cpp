#include "scenario/run.hpp"

#include <optional>

#include "executor.hpp"

namespace scenario {

ScenarioResult run(const RunSpec& spec) {
  if (spec.agents.empty() && spec.script.empty()) {
    throw std::invalid_argument("scenario '" + spec.name +
                                "' has no agents and no script: nothing can happen");
  }
  std::optional<detail::Executor> executor;
  try {
    executor.emplace(spec);  // connects voice adapters
  } catch (const std::exception& e) {
    ScenarioResult failed =
        ScenarioResult::failed(std::string("the voice session could not start: ") + e.what());
    failed.name = spec.name;
    failed.set_id = spec.set_id;
    failed.metadata = spec.metadata;
    // The artifacts of a run that never reached its call still say what happened.
    failed.recording.info = {.scenario_name = spec.name,
                             .success = false,
                             .reasoning = failed.reasoning,
                             .generated_at = ""};
    return failed;
  }
  return executor->run();
}

std::future<ScenarioResult> run_async(RunSpec spec) {
  return std::async(std::launch::async, [spec = std::move(spec)] { return run(spec); });
}

}  // namespace scenario
