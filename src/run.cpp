#include "scenario/run.hpp"

#include "executor.hpp"

namespace scenario {

ScenarioResult run(const RunSpec& spec) {
  if (spec.agents.empty() && spec.script.empty()) {
    throw std::invalid_argument("scenario '" + spec.name +
                                "' has no agents and no script: nothing can happen");
  }
  detail::Executor executor(spec);
  return executor.run();
}

std::future<ScenarioResult> run_async(RunSpec spec) {
  return std::async(std::launch::async, [spec = std::move(spec)] { return run(spec); });
}

}  // namespace scenario
