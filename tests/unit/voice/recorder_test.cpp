#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include <cmath>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/media.hpp"
#include "scenario/audio/wav.hpp"
#include "scenario/voice/recorder.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;

audio::AudioChunk chunk_of(std::vector<std::int16_t> samples, std::string transcript = "") {
  audio::AudioChunk c;
  c.samples = std::move(samples);
  if (!transcript.empty()) c.transcript = transcript;
  return c;
}

TEST(Recorder, UserAudioAtWireTimeAgentAudioOnThePlayoutCursor) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  rec.user_audio(chunk_of(test::sine(300, 24000, 1.0), "hello"), 500ms);
  // The agent's reply arrives 2 s in, all at once and faster than real time, in three chunks:
  // it still plays for its true duration, back to back.
  for (int i = 0; i < 3; ++i)
    rec.agent_audio(chunk_of(test::sine(500, 24000, 0.5), "part"), 2000ms);
  const auto r = rec.recording();
  EXPECT_EQ(r.user.size(), r.agent.size());
  EXPECT_EQ(r.agent.size(), static_cast<std::size_t>(3.5 * 24000));
  EXPECT_EQ(audio::find_onset(r.user, {.threshold_dbfs = -60, .window_samples = 1}),
            12001);  // sin(0) = 0 at 12000
  EXPECT_EQ(audio::find_offset(r.agent, {.threshold_dbfs = -60, .window_samples = 1}),
            static_cast<std::int64_t>(3.5 * 24000));
  EXPECT_EQ(rec.agent_playout_end(), 3500ms);
  // Real silence between them: 0.5 s after the user stopped.
  EXPECT_TRUE(std::all_of(r.user.begin() + 36000, r.user.end(), [](auto s) { return s == 0; }));
  EXPECT_TRUE(std::all_of(r.agent.begin(), r.agent.begin() + 48000, [](auto s) { return s == 0; }));
  const auto segments = rec.segments();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].speaker, Speaker::user);
  EXPECT_DOUBLE_EQ(segments[0].start, 0.5);
  EXPECT_DOUBLE_EQ(segments[0].end, 1.5);
  EXPECT_EQ(segments[1].transcript, "part part part");
  EXPECT_DOUBLE_EQ(segments[1].end, 3.5);
}

TEST(Recorder, OverlapIsKeptAndAnInterruptCutsTheAgentWhereItStoppedBeingHeard) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  rec.agent_audio(chunk_of(test::sine(500, 24000, 3.0), "a long answer"), 0ms);
  rec.user_audio(chunk_of(test::sine(300, 24000, 0.8), "stop"), 1000ms);  // barge-in over the agent
  const auto dropped = rec.cut_agent(1250ms);
  EXPECT_EQ(dropped, 1750ms);
  const auto r = rec.recording();
  // Both speak between 1.0 and 1.25 s: a real overlap in the stereo file.
  EXPECT_NE(r.agent[static_cast<std::size_t>(1.1 * 24000) + 7], 0);
  EXPECT_NE(r.user[static_cast<std::size_t>(1.1 * 24000) + 7], 0);
  EXPECT_EQ(audio::find_offset(r.agent, {.threshold_dbfs = -60, .window_samples = 1}).value(),
            30000);
  const auto segments = rec.segments();
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_EQ(segments[0].speaker, Speaker::agent);
  EXPECT_TRUE(segments[0].transcript_truncated);
  EXPECT_DOUBLE_EQ(segments[0].end, 1.25);
  EXPECT_DOUBLE_EQ(rec.duration_seconds(), 1.8);
}

TEST(Recorder, TurnsAndPausesStartNewSegments) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  rec.user_audio(chunk_of(test::sine(300, 24000, 0.2), "one"), 0ms);
  rec.user_audio(chunk_of(test::sine(300, 24000, 0.2), "two"), 200ms);  // continues: same segment
  rec.user_audio(chunk_of(test::sine(300, 24000, 0.2), "three"), 1000ms);  // after a pause: new one
  rec.start_turn(Speaker::user);
  clock->advance(1300ms);
  rec.user_audio(chunk_of(test::sine(300, 24000, 0.2), "four"));  // default time: the clock's now
  const auto s = rec.segments();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].transcript, "one two");
  EXPECT_EQ(s[1].transcript, "three");
  EXPECT_EQ(s[2].transcript, "four");
  EXPECT_DOUBLE_EQ(s[2].start, 1.3);
}

// Ground truth: 20 turns of espeak speech, the agent answering after an exact injected delay.
TEST(Latency, MeasuredFromTheAudioMatchesInjectedDelays) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  const auto user_line = test::speech("I would like to check my order status", 24000);
  const auto agent_line = test::speech("Sure, let me look that up for you", 24000);
  std::vector<double> injected;
  std::int64_t t = 12000;  // samples
  for (int turn = 0; turn < 20; ++turn) {
    rec.user_audio(chunk_of(user_line), std::chrono::nanoseconds(t * 1'000'000'000LL / 24000));
    t += static_cast<std::int64_t>(user_line.size());
    const std::int64_t delay = 4800 + turn * 1733;  // 200 ms … ~1.6 s, not multiples of a frame
    injected.push_back(delay / 24000.0);
    rec.agent_audio(chunk_of(agent_line),
                    std::chrono::nanoseconds((t + delay) * 1'000'000'000LL / 24000));
    t += delay + static_cast<std::int64_t>(agent_line.size()) + 24000;
  }
  const auto m = measure_latency(rec.recording(), rec.events());
  ASSERT_EQ(m.response_latencies.size(), 20u);
  double worst = 0;
  for (std::size_t i = 0; i < 20; ++i)
    worst = std::max(worst, std::abs(m.response_latencies[i] - injected[i]));
  std::cout << "[          ] worst latency error over 20 turns: " << worst * 1000 << " ms\n";
  EXPECT_LT(worst, 0.005);
  EXPECT_NEAR(*m.p50(), injected[9], 0.005);
  EXPECT_NEAR(*m.max(), injected[19], 0.005);
}

TEST(Latency, InterruptResponseTimeIsBargeInOnsetToLastAgentSampleHeard) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  rec.agent_audio(
      chunk_of(test::speech(
          "Our opening hours are nine to five on weekdays and ten to two on Saturdays", 24000)),
      0ms);
  const auto barge = 1500ms;
  rec.user_audio(chunk_of(test::speech("wait, stop", 24000)), barge);
  rec.event({.time = 1.5, .type = "user_interrupt", .metadata = {{"native", false}}});
  rec.cut_agent(barge + 340ms);  // the agent reacts 340 ms later
  const auto m = measure_latency(rec.recording(), rec.events());
  ASSERT_EQ(m.interrupt_response_times.size(), 1u);
  EXPECT_NEAR(m.interrupt_response_times[0], 0.340, 0.005);
}

TEST(Artifacts, SegmentsFullRecordingAndManifest) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  rec.user_audio(chunk_of(test::speech("hi there", 24000), "hi there"), 250ms);
  rec.agent_audio(chunk_of(test::speech("hello, how can I help", 24000), "hello, how can I help"),
                  2000ms);
  rec.event({.time = 2.0, .type = "agent_start_speaking", .latency = 0.61});
  rec.event(
      {.time = 2.5, .type = "tool_call", .metadata = {{"name", "lookup"}, {"args", {{"id", 1}}}}});
  const auto dir = test::scratch_dir("voice_artifacts") / "run";
  const auto latency = measure_latency(rec.recording(), rec.events());
  const auto manifest = save_segments(
      rec.recording(), rec.segments(), rec.events(), latency, dir,
      {.scenario_name = "greeting", .success = true, .generated_at = "2026-11-21T00:00:00Z"});
  const auto full = audio::read_wav_file(dir / "full.wav");
  EXPECT_EQ(full.info.channels, 2);
  EXPECT_LT(std::abs(manifest["duration"].get<double>() - full.pcm.duration_seconds()), 0.001);
  EXPECT_EQ(manifest["segment_count"], 2);
  EXPECT_EQ(manifest["segments"][0]["file"], "segments/01-user-0250ms.wav");
  EXPECT_EQ(manifest["segments"][1]["file"], "segments/02-agent-2000ms.wav");
  EXPECT_EQ(manifest["segments"][1]["transcript"], "hello, how can I help");
  EXPECT_EQ(manifest["events"][1]["name"], "lookup");
  EXPECT_EQ(manifest["events"][0]["latency"], 0.61);
  EXPECT_EQ(manifest["scenario"], "greeting");
  EXPECT_EQ(manifest["schema_version"], 1);
  EXPECT_EQ(manifest["latency"]["response_latencies"].size(), 1u);
  for (const auto& s : manifest["segments"]) {
    const auto wav = audio::read_wav_file(dir / s["file"].get<std::string>());
    EXPECT_NEAR(wav.pcm.duration_seconds(), s["duration"].get<double>(), 1.0 / 24000);
  }
  const auto bytes = test::read_bytes(dir / "manifest.json");
  EXPECT_EQ(nlohmann::json::parse(std::string(bytes.begin(), bytes.end())), manifest);
  // Every other container by extension.
  for (const std::string ext : {"flac", "ogg", "mp3", "wav"}) {
    save_recording(rec.recording(), dir / ("call." + ext));
    EXPECT_NEAR(audio::decode_media_file(dir / ("call." + ext)).duration_seconds(),
                rec.duration_seconds(), 0.08)
        << ext;
  }
}

// A call of `seconds`: the user speaks in the first half of every 4 s, the agent answers in the
// second half; every frame different (a counter in the samples), one barge-in cut at 10.5 s.
void record_call(Recorder& rec, VirtualClock& clock, int seconds) {
  std::int16_t counter = 0;
  for (int ms = 0; ms < seconds * 1000; ms += 20) {
    clock.sleep_until(std::chrono::milliseconds(ms));
    std::vector<std::int16_t> frame(480);
    for (auto& s : frame) s = counter++;
    if (ms % 4000 < 2000) {
      rec.user_audio(chunk_of(frame, "u"));
    } else if (ms % 4000 == 2000) {
      rec.start_turn(Speaker::agent);
      rec.agent_audio(chunk_of(std::vector<std::int16_t>(frame.begin(), frame.end()), "a"));
      // The rest of the answer arrives at once, faster than real time.
      for (int k = 1; k < 100; ++k) rec.agent_audio(chunk_of(frame));
    }
    if (ms == 10'500) rec.cut_agent();
  }
}

// A directory saved into before holds exactly what the new manifest lists: segment files of an
// earlier run (their names carry start times) go, files that are not ours stay.
TEST(Artifacts, SavingAgainIntoADirectoryLeavesOnlyTheNewSegments) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock);
  rec.user_audio(chunk_of(test::speech("hi there", 24000), "hi there"), 250ms);
  const auto dir = test::scratch_dir("voice_artifacts_again") / "run";
  std::filesystem::create_directories(dir / "segments");
  test::write_bytes(dir / "segments" / "01-user-0990ms.wav", {1, 2, 3});
  test::write_bytes(dir / "segments" / "02-agent-1500ms.wav", {1, 2, 3});
  test::write_bytes(dir / "segments" / "notes.txt", {'x'});
  const auto manifest = save_segments(rec.recording(), rec.segments(), rec.events(),
                                      measure_latency(rec.recording(), rec.events()), dir, {});
  std::set<std::string> listed{"notes.txt"}, present;
  for (const auto& seg : manifest["segments"])
    listed.insert(std::filesystem::path(seg["file"].get<std::string>()).filename().string());
  for (const auto& entry : std::filesystem::directory_iterator(dir / "segments"))
    present.insert(entry.path().filename().string());
  EXPECT_EQ(present, listed);
  EXPECT_EQ(manifest["segments"].size(), 1u);
}

TEST(Recorder, LongCallsSpillToDiskAndRecordTheSameAudio) {
  const auto spill_dir = test::scratch_dir("recorder-spill");
  auto clock_a = std::make_shared<VirtualClock>();
  auto clock_b = std::make_shared<VirtualClock>();
  Recorder in_memory(clock_a, {.memory_window = std::chrono::seconds(600)});
  Recorder spilling(clock_b,
                    {.memory_window = std::chrono::seconds(2), .spill_directory = spill_dir});
  record_call(in_memory, *clock_a, 40);
  record_call(spilling, *clock_b, 40);

  EXPECT_EQ(in_memory.spilled_samples(), 0);
  // All but the last ~2 s (+ a quarter window of slack) of each track left memory.
  EXPECT_GT(spilling.spilled_samples(), 2 * 24000 * 35);
  const auto a = in_memory.recording();
  const auto b = spilling.recording();
  EXPECT_FALSE(a.user.file_backed());
  EXPECT_TRUE(b.user.file_backed());
  ASSERT_EQ(a.user.size(), b.user.size());
  ASSERT_EQ(a.agent.size(), b.agent.size());
  EXPECT_TRUE(std::equal(a.user.begin(), a.user.end(), b.user.begin()));
  EXPECT_TRUE(std::equal(a.agent.begin(), a.agent.end(), b.agent.begin()));
  EXPECT_EQ(in_memory.segments().size(), spilling.segments().size());
  // The snapshot does not change when the call goes on (and cuts) after it.
  const std::vector<std::int16_t> before(b.agent.begin(), b.agent.end());
  spilling.agent_audio(chunk_of(std::vector<std::int16_t>(24000, 1234)));
  spilling.cut_agent();
  EXPECT_TRUE(std::equal(before.begin(), before.end(), b.agent.begin()));

  // Artifacts from a spilled recording are the same files.
  const auto dir_a = test::scratch_dir("recorder-spill-a");
  const auto dir_b = test::scratch_dir("recorder-spill-b");
  const ManifestInfo info{.generated_at = "2026-01-01T00:00:00Z"};
  save_segments(a, a.segments, a.events, {}, dir_a, info);
  save_segments(b, b.segments, b.events, {}, dir_b, info);
  EXPECT_EQ(test::read_bytes(dir_a / "full.wav"), test::read_bytes(dir_b / "full.wav"));
  EXPECT_EQ(test::read_bytes(dir_a / "manifest.json"), test::read_bytes(dir_b / "manifest.json"));
  // Spill files never have a name: nothing is left in the spill directory.
  EXPECT_TRUE(std::filesystem::is_empty(spill_dir));
}

TEST(Recorder, AHeldRangeStaysInMemoryAndOlderAudioCannotBeRead) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock, {.memory_window = std::chrono::seconds(1)});
  rec.keep_agent_from(0);
  for (int ms = 0; ms < 5000; ms += 20) {
    clock->sleep_until(std::chrono::milliseconds(ms));
    rec.agent_audio(chunk_of(std::vector<std::int16_t>(480, 7)));
  }
  EXPECT_EQ(rec.agent_samples_from(0).size(), 5u * 24000);
  rec.keep_agent_from(std::nullopt);
  for (int ms = 5000; ms < 8000; ms += 20) {
    clock->sleep_until(std::chrono::milliseconds(ms));
    rec.agent_audio(chunk_of(std::vector<std::int16_t>(480, 7)));
  }
  EXPECT_THROW(rec.agent_samples_from(0), std::logic_error);
  EXPECT_EQ(rec.recording().agent.size(), 8u * 24000);
}

// The inode of the file mapped at `address` (0 when it is not a file mapping), from
// /proc/self/maps.
unsigned long mapped_inode(const void* address) {
  std::ifstream maps("/proc/self/maps");
  const auto at = reinterpret_cast<std::uintptr_t>(address);
  std::string line;
  while (std::getline(maps, line)) {
    std::uintptr_t from = 0, to = 0;
    char perms[8] = {};
    unsigned long offset = 0, inode = 0;
    unsigned major = 0, minor = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx %7s %lx %x:%x %lu", &from, &to, perms, &offset, &major,
                    &minor, &inode) == 7 &&
        at >= from && at < to)
      return inode;
  }
  return 0;
}

// Speech is found as audio leaves memory and at close(): the same segments as one pass over the
// finished tracks, with interruptions cutting agent audio still in memory, so the latency figures
// need no second pass over a long call.
TEST(Recorder, SpeechFoundWhileTheCallGoesOnIsThatOfTheFinishedRecording) {
  auto clock = std::make_shared<VirtualClock>();
  Recorder rec(clock, {.memory_window = std::chrono::seconds(2)});
  const auto question = test::speech("What time do you open on Saturdays", 24000);
  const auto answer = test::speech("We open at ten and close at two in the afternoon", 24000);
  const auto barge = test::speech("wait, stop", 24000);
  auto at = [](std::int64_t sample) {
    return std::chrono::nanoseconds(sample * 1'000'000'000LL / 24000);
  };
  std::int64_t t = 6000;
  for (int turn = 0; turn < 8; ++turn) {
    clock->sleep_until(at(t));
    rec.user_audio(chunk_of(question));
    t += static_cast<std::int64_t>(question.size()) + 7200 + turn * 997;
    clock->sleep_until(at(t));
    rec.agent_audio(chunk_of(answer));  // arrives at once, plays on the cursor
    if (turn % 3 == 1) {
      t += 24000;
      clock->sleep_until(at(t));
      rec.user_audio(chunk_of(barge));
      rec.event({.time = static_cast<double>(t) / 24000, .type = "user_interrupt"});
      t += 7200;
      clock->sleep_until(at(t));
      rec.cut_agent();
      t += static_cast<std::int64_t>(barge.size());
    } else {
      t += static_cast<std::int64_t>(answer.size());
    }
    t += 12000;
  }
  clock->sleep_until(at(t));
  EXPECT_GT(rec.spilled_samples(), 2 * 24000 * 20);
  rec.close();
  const auto found = rec.recording();
  ASSERT_TRUE(found.speech.has_value());
  ASSERT_TRUE(found.user.file_backed());

  const auto vad = latency_vad_options();
  const auto user = audio::detect_speech(found.user, 24000, vad);
  const auto agent = audio::detect_speech(found.agent, 24000, vad);
  ASSERT_EQ(user.size(), 8u + 3u);  // the questions and the barge-ins
  ASSERT_EQ(found.speech->user.size(), user.size());
  ASSERT_EQ(found.speech->agent.size(), agent.size());
  for (std::size_t i = 0; i < user.size(); ++i) {
    EXPECT_EQ(found.speech->user[i].start_sample, user[i].start_sample) << i;
    EXPECT_EQ(found.speech->user[i].end_sample, user[i].end_sample) << i;
  }
  for (std::size_t i = 0; i < agent.size(); ++i) {
    EXPECT_EQ(found.speech->agent[i].start_sample, agent[i].start_sample) << i;
    EXPECT_EQ(found.speech->agent[i].end_sample, agent[i].end_sample) << i;
  }
  // The figures are the same with the speech found as it went and found afterwards.
  auto read_again = found;
  read_again.speech.reset();
  const auto events = rec.events();
  const auto live = measure_latency(found, events);
  const auto after = measure_latency(read_again, events);
  EXPECT_EQ(live.response_latencies, after.response_latencies);
  EXPECT_EQ(live.interrupt_response_times, after.interrupt_response_times);
  EXPECT_EQ(live.response_latencies.size(), 8u);
  EXPECT_EQ(live.interrupt_response_times.size(), 3u);

  // Recordings of a closed call map the recorder's own file: no copy of the audio at the end.
  const auto again = rec.recording();
  EXPECT_NE(mapped_inode(found.user.data()), 0u);
  EXPECT_EQ(mapped_inode(again.user.data()), mapped_inode(found.user.data()));
  EXPECT_EQ(mapped_inode(again.agent.data()), mapped_inode(found.agent.data()));

  // Audio after close() is recorded, and the speech is no longer claimed to be known. What was
  // taken before stays as it was, although the recorder goes on writing.
  const std::vector<std::int16_t> user_before(found.user.begin(), found.user.end());
  const std::vector<std::int16_t> agent_before(found.agent.begin(), found.agent.end());
  for (int k = 0; k < 6; ++k) {
    t += 24000;
    clock->sleep_until(at(t));
    rec.user_audio(chunk_of(question));
    rec.agent_audio(chunk_of(answer));
  }
  rec.cut_agent();
  const auto later = rec.recording();
  EXPECT_FALSE(later.speech.has_value());
  EXPECT_GT(later.agent.size(), found.agent.size());
  EXPECT_NE(mapped_inode(later.user.data()), mapped_inode(found.user.data()));
  EXPECT_TRUE(std::equal(user_before.begin(), user_before.end(), found.user.begin()));
  EXPECT_TRUE(std::equal(agent_before.begin(), agent_before.end(), found.agent.begin()));
  // ... and the later recording starts with the same audio.
  EXPECT_TRUE(std::equal(user_before.begin(), user_before.end(), later.user.begin()));
}

}  // namespace
}  // namespace scenario
