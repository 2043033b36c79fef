// The offline main job (for now): a caller's side of a phone call, built from real speech and
// DTMF, sent through a telephone channel with noise, then analysed back — digits and voice
// segments found in the audio and compared with where they were placed.
//
//   audio_demo [ARTIFACTS_DIR]      (default: $SCENARIO_ARTIFACTS_DIR/audio_demo or
//   ./artifacts/audio_demo)
//
// Leaves caller.wav (stereo: left clean, right as heard through the phone line), phone.flac,
// manifest.json and report.txt; prints a summary and, as its last line, the artifacts directory.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>

#include <nlohmann/json.hpp>

#include "scenario/audio.hpp"

namespace fs = std::filesystem;
using namespace scenario::audio;

namespace {

constexpr int kRate = kCanonicalSampleRate;

// Speaks with the espeak-ng program (the framework's TTS layer will do this in-process).
std::vector<std::int16_t> speak(const std::string& text, const fs::path& scratch) {
  const fs::path wav = scratch / "tts.wav";
  const std::string cmd = "espeak-ng -v en-us -s 165 -w '" + wav.string() + "' \"" + text + "\"";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("espeak-ng failed; is it installed?");
  auto chunk = load_canonical(wav);
  fs::remove(wav);
  // espeak pads its output with silence: keep just the sound, so the placement below is exact.
  const auto on =
      find_onset(chunk.samples, {.threshold_dbfs = -60.0, .window_samples = 48}).value_or(0);
  const auto off = find_offset(chunk.samples, {.threshold_dbfs = -60.0, .window_samples = 48})
                       .value_or(static_cast<std::int64_t>(chunk.samples.size()));
  return {chunk.samples.begin() + on, chunk.samples.begin() + off};
}

struct Placed {
  std::string what;
  double start;
  double end;
};

double seconds(std::int64_t samples) {
  return static_cast<double>(samples) / kRate;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    fs::path out_dir;
    if (argc > 1) {
      out_dir = argv[1];
    } else if (const char* env = std::getenv("SCENARIO_ARTIFACTS_DIR")) {
      out_dir = fs::path(env) / "audio_demo";
    } else {
      out_dir = fs::path("artifacts") / "audio_demo";
    }
    fs::create_directories(out_dir);
    out_dir = fs::canonical(out_dir);

    // 1. The caller's side: greeting, a menu choice by DTMF, a request — with real gaps.
    std::vector<std::int16_t> call;
    std::vector<Placed> placed;
    auto add_silence = [&](double s) {
      call.insert(call.end(), static_cast<std::size_t>(s * kRate), 0);
    };
    auto add = [&](const std::string& what, const std::vector<std::int16_t>& audio) {
      const double start = seconds(static_cast<std::int64_t>(call.size()));
      call.insert(call.end(), audio.begin(), audio.end());
      placed.push_back({what, start, seconds(static_cast<std::int64_t>(call.size()))});
    };
    add_silence(0.6);
    add("speech: hi, I'm calling about my order", speak("Hi, I'm calling about my order", out_dir));
    add_silence(0.8);
    const std::string digits = "2#";
    add("dtmf: " + digits, generate_dtmf(digits, {.tone = std::chrono::milliseconds(120),
                                                  .gap = std::chrono::milliseconds(120),
                                                  .sample_rate = kRate,
                                                  .level_dbfs = -12.0}));
    add_silence(0.7);
    add("speech: my blender arrived broken",
        speak("My blender arrived broken, and I would like a refund", out_dir));
    add_silence(0.8);

    // 2. Through the phone network: 300-3400 Hz, μ-law at 8 kHz, and street noise at 20 dB SNR.
    auto phone = effects::telephone_channel(call, kRate);
    phone = effects::add_noise(phone, kRate,
                               {.kind = effects::NoiseKind::pink, .snr_db = 20.0, .seed = 2026});

    // 3. What can be found back in what the line carried.
    const auto found_digits = detect_dtmf(phone, kRate);
    const auto segments = detect_speech(phone, kRate, {.aggressiveness = 2});

    // 4. Artifacts.
    write_wav_file(out_dir / "caller.wav", interleave_stereo(call, phone, kRate));
    encode_media_file(out_dir / "phone.flac", PcmBuffer{kRate, 1, phone});
    nlohmann::json manifest = {
        {"schema_version", 1},
        {"sample_rate", kRate},
        {"duration", seconds(static_cast<std::int64_t>(call.size()))},
        {"files", {{"recording", "caller.wav"}, {"phone_line", "phone.flac"}}},
        {"effects", {"telephone_channel", "pink_noise_20dB"}}};
    for (const auto& p : placed)
      manifest["placed"].push_back({{"what", p.what}, {"start", p.start}, {"end", p.end}});
    std::string heard;
    for (const auto& d : found_digits) {
      heard += d.digit;
      manifest["dtmf_detected"].push_back({{"digit", std::string(1, d.digit)},
                                           {"start", seconds(d.start_sample)},
                                           {"end", seconds(d.end_sample)}});
    }
    for (const auto& s : segments) {
      manifest["voice_segments"].push_back(
          {{"start", seconds(s.start_sample)}, {"end", seconds(s.end_sample)}});
    }
    std::ofstream(out_dir / "manifest.json") << manifest.dump(2) << "\n";

    std::ostringstream report;
    report << std::fixed << std::setprecision(3);
    report << "scenario-cpp audio demo: a caller through a telephone line (300-3400 Hz, mu-law 8 "
              "kHz, pink noise 20 dB SNR)\n\n";
    report << "placed in the call:\n";
    for (const auto& p : placed)
      report << "  " << std::setw(7) << p.start << " - " << std::setw(7) << p.end << " s  "
             << p.what << "\n";
    report << "found in the phone line:\n";
    for (const auto& d : found_digits) {
      report << "  " << std::setw(7) << seconds(d.start_sample) << " - " << std::setw(7)
             << seconds(d.end_sample) << " s  dtmf '" << d.digit << "'\n";
    }
    for (const auto& s : segments) {
      report << "  " << std::setw(7) << seconds(s.start_sample) << " - " << std::setw(7)
             << seconds(s.end_sample) << " s  sound (VAD)\n";
    }
    const bool ok = heard == digits && !segments.empty();
    report << "\nDTMF sent '" << digits << "', detected '" << heard
           << "': " << (ok ? "MATCH" : "MISMATCH") << "\n";
    report
        << "artifacts: caller.wav (left: caller, right: phone line), phone.flac, manifest.json\n";
    std::ofstream(out_dir / "report.txt") << report.str();

    std::cout << report.str() << out_dir.string() << "\n";
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "audio_demo: " << e.what() << "\n";
    return 1;
  }
}
