#pragma once

// Umbrella header: the whole scenario engine.
#include "scenario/agent.hpp"
#include "scenario/agents.hpp"
#include "scenario/artifacts.hpp"
#include "scenario/config.hpp"
#include "scenario/console.hpp"
#include "scenario/message.hpp"
#include "scenario/result.hpp"
#include "scenario/run.hpp"
#include "scenario/script.hpp"
#include "scenario/speech.hpp"
#include "scenario/state.hpp"
#include "scenario/version.hpp"
#include "scenario/voice/clock.hpp"
#include "scenario/voice/recorder.hpp"
#include "scenario/voice/timeline.hpp"
