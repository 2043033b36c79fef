#pragma once
// The main job's scenario against the reference IVR bot (examples/ivr_demo.cpp): greeting, a DTMF
// menu choice, a barge-in, a silence, a goodbye, judged by deterministic checks. Shared with the
// full-scenario load program (tests/bench/scenario_load.cpp), which runs many of it at once.

#include <memory>

#include <scenario/adapters/pipecat.hpp>
#include <scenario/run.hpp>

namespace scenario::examples {

/// The run spec for one call through `ivr` (a Pipecat adapter pointed at the bot).
RunSpec ivr_demo_scenario(std::shared_ptr<adapters::PipecatAgentAdapter> ivr);

}  // namespace scenario::examples
