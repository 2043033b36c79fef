#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <regex>

#include "scenario/artifacts.hpp"
#include "scenario/audio/media.hpp"
#include "scenario/audio/wav.hpp"
#include "scenario/voice/recorder.hpp"

namespace scenario {
namespace {

namespace fs = std::filesystem;

std::string utc_now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Every file goes below `root`: refuse anything that resolves elsewhere.
fs::path inside(const fs::path& root, const fs::path& relative) {
  const fs::path full = (root / relative).lexically_normal();
  const auto rel = full.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..")
    throw std::invalid_argument("refusing to write outside " + root.string() + ": " +
                                relative.string());
  return full;
}

// A directory saved into before keeps only what this manifest lists: segment files we wrote
// earlier (their names carry start times that differ between runs) go; other files stay.
void remove_earlier_segments(const fs::path& folder) {
  static const std::regex ours(R"(\d{2,}-(user|agent)-\d{4,}ms\.wav)");
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.is_regular_file() && std::regex_match(entry.path().filename().string(), ours))
      fs::remove(entry.path());
  }
}

nlohmann::json optional_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json turns_json(const LatencyMetrics& l) {
  auto out = nlohmann::json::array();
  for (const auto& t : l.turns) {
    out.push_back({{"turn", t.turn},
                   {"trigger", t.trigger},
                   {"heard_at", t.heard_at},
                   {"response_latency", optional_json(t.response_latency)},
                   {"time_to_first_audio", optional_json(t.time_to_first_audio)}});
  }
  return out;
}

nlohmann::json interrupts_json(const LatencyMetrics& l) {
  auto out = nlohmann::json::array();
  for (const auto& i : l.interrupts) {
    out.push_back({{"turn", i.turn},
                   {"agent_started_at", i.agent_started_at},
                   {"at", i.at},
                   {"outcome", i.outcome},
                   {"response_time", optional_json(i.response_time)}});
  }
  return out;
}

nlohmann::json latency_json(const LatencyMetrics& l) {
  auto value = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"response_latencies", l.response_latencies},
          {"time_to_first_audio", l.time_to_first_audio},
          {"interrupt_response_times", l.interrupt_response_times},
          {"turns", turns_json(l)},
          {"interrupts", interrupts_json(l)},
          {"avg", value(l.average())},
          {"p50", value(l.p50())},
          {"p95", value(l.p95())},
          {"p99", value(l.p99())},
          {"max", value(l.max())},
          {"measurement_degraded", l.measurement_degraded},
          {"worst_pacing_lateness", l.worst_pacing_lateness},
          {"method",
           "user audio is placed on the caller's clock: network adapters pace it with one uplink "
           "pacer per connection and each frame is placed in its 20 ms slot (the far end times the "
           "stream by its samples, as a jitter buffer does); in-process agents on the session's "
           "deadlines of the run clock. A frame leaving more than 10 ms after its slot reached the "
           "agent late and marks the run measurement_degraded. Agent audio is stamped where "
           "the transport read it (the I/O thread for network adapters) and placed on the playout "
           "cursor at real-time rate. Speech onsets and ends are found by VAD on those two tracks "
           "of the recording, at sample resolution."},
          {"definitions",
           {{"response_latency",
             "onset of agent speech minus end of user speech, both found in the audio (s)"},
            {"time_to_first_audio",
             "arrival of the first agent audio minus the end of the user's transmission (s)"},
            {"interrupt_response_time", "barge-in onset to the last agent sample heard (s)"}}}};
}

}  // namespace

void VoiceRecording::save(const std::filesystem::path& path) const {
  save_recording(*this, path);
}

nlohmann::json VoiceRecording::save_segments(const std::filesystem::path& directory) const {
  return scenario::save_segments(*this, segments, events, latency, directory, info);
}

std::vector<std::int16_t> VoiceRecording::mono_mix() const {
  std::vector<std::int16_t> mix(std::max(user.size(), agent.size()), 0);
  for (std::size_t i = 0; i < mix.size(); ++i) {
    const int a = i < user.size() ? user[i] : 0;
    const int b = i < agent.size() ? agent[i] : 0;
    mix[i] = static_cast<std::int16_t>(std::clamp(a + b, -32768, 32767));
  }
  return mix;
}

void save_recording(const VoiceRecording& recording, const std::filesystem::path& path) {
  audio::encode_media_file(
      path, audio::interleave_stereo(recording.user, recording.agent, recording.sample_rate));
}

nlohmann::json save_segments(const VoiceRecording& recording, const std::vector<Segment>& segments,
                             const std::vector<VoiceEvent>& events, const LatencyMetrics& latency,
                             const std::filesystem::path& directory, const ManifestInfo& info) {
  fs::create_directories(directory);
  const fs::path root = fs::weakly_canonical(directory);
  fs::create_directories(inside(root, "segments"));
  remove_earlier_segments(inside(root, "segments"));
  const int rate = recording.sample_rate;
  const auto frames = std::max(recording.user.size(), recording.agent.size());

  nlohmann::json manifest = {
      {"schema_version", 1},
      {"generated_at", info.generated_at.empty() ? utc_now_iso() : info.generated_at},
      {"scenario", info.scenario_name},
      {"success", info.success ? nlohmann::json(*info.success) : nlohmann::json(nullptr)},
      {"reasoning", info.reasoning},
      {"sample_rate", rate},
      {"channels", 2},
      {"duration", static_cast<double>(frames) / rate},
      {"full_recording", "full.wav"},
      {"segment_count", segments.size()},
      {"segments", nlohmann::json::array()},
      {"events", nlohmann::json::array()},
      {"latency", latency_json(latency)},
      // What the agent's model reported using (realtime APIs), for cost.
      {"usage",
       {{"input_tokens", recording.usage.input_tokens},
        {"output_tokens", recording.usage.output_tokens},
        {"total_tokens", recording.usage.total_tokens},
        {"responses", recording.usage.responses}}}};
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    char name[64];
    std::snprintf(name, sizeof name, "segments/%02zu-%s-%04lldms.wav", i + 1,
                  s.speaker == Speaker::user ? "user" : "agent",
                  static_cast<long long>(std::llround(s.start * 1000)));
    const auto& track = s.speaker == Speaker::user ? recording.user : recording.agent;
    const auto from =
        std::min(track.size(), static_cast<std::size_t>(std::llround(s.start * rate)));
    const auto to = std::min(track.size(),
                             std::max(from, static_cast<std::size_t>(std::llround(s.end * rate))));
    audio::write_wav_file(inside(root, name),
                          audio::PcmBuffer{rate, 1,
                                           std::vector<std::int16_t>(
                                               track.begin() + static_cast<std::ptrdiff_t>(from),
                                               track.begin() + static_cast<std::ptrdiff_t>(to))});
    manifest["segments"].push_back({{"idx", i + 1},
                                    {"file", name},
                                    {"role", to_string(s.speaker)},
                                    {"start_time", s.start},
                                    {"end_time", s.end},
                                    {"duration", s.end - s.start},
                                    {"transcript", s.transcript},
                                    {"transcript_truncated", s.transcript_truncated}});
  }
  for (const auto& e : events) {
    nlohmann::json j = {
        {"time", e.time},
        {"type", e.type},
        {"latency", e.latency ? nlohmann::json(*e.latency) : nlohmann::json(nullptr)}};
    for (const char* key : {"name", "args", "result"})
      j[key] = e.metadata.contains(key) ? e.metadata[key] : nlohmann::json(nullptr);
    j["metadata"] = e.metadata;
    manifest["events"].push_back(j);
  }
  audio::write_wav_stereo_file(inside(root, "full.wav"), recording.user, recording.agent, rate);
  std::ofstream(inside(root, "manifest.json")) << manifest.dump(2) << "\n";
  return manifest;
}

}  // namespace scenario
