#pragma once

// Umbrella header for scenario::audio, the DSP and media layer.
#include "scenario/audio/analysis.hpp"
#include "scenario/audio/base64.hpp"
#include "scenario/audio/chunk.hpp"
#include "scenario/audio/dtmf.hpp"
#include "scenario/audio/effects.hpp"
#include "scenario/audio/errors.hpp"
#include "scenario/audio/format.hpp"
#include "scenario/audio/framing.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/media.hpp"
#include "scenario/audio/opus.hpp"
#include "scenario/audio/pcm_buffer.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/audio/wav.hpp"
