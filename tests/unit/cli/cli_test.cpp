#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "scenario/audio/analysis.hpp"
#include "scenario/audio/chunk.hpp"
#include "scenario/audio/g711.hpp"
#include "scenario/audio/wav.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace scenario::test {
namespace {

using audio::PcmBuffer;

CommandResult cli(const std::string& args) {
  return run_command(std::string(SCENARIO_CLI) + " " + args);
}

std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

std::string q(const std::filesystem::path& p) {
  return shell_quote(p.string());
}

TEST(Cli, ConvertToMulawRawAt8kMatchesSox) {
  const auto dir = scratch_dir("cli_convert");
  audio::write_wav_file(dir / "in.wav", PcmBuffer{24000, 1, speech(speech_sentences()[0], 24000)});
  auto r = cli("audio convert " + q(dir / "in.wav") + " " + q(dir / "out.raw") +
               " --rate 8000 --encoding mulaw");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto ours = read_bytes(dir / "out.raw");
  EXPECT_EQ(ours.size(), audio::read_wav_file(dir / "in.wav").pcm.samples.size() / 3);
  // sox's decoding of our μ-law stream is bit-exact with ours.
  run_checked("sox -t raw -r 8000 -e u-law -b 8 -c 1 " + q(dir / "out.raw") +
              " -t raw -e signed -b 16 " + q(dir / "back.raw"));
  std::vector<std::int16_t> ours_decoded(ours.size());
  audio::mulaw_decode(ours, ours_decoded);
  EXPECT_EQ(audio::pcm16_from_le_bytes(read_bytes(dir / "back.raw")), ours_decoded);
}

TEST(Cli, ConvertPicksTheContainerFromTheExtensionAndMakesStereo) {
  const auto dir = scratch_dir("cli_containers");
  audio::write_wav_file(dir / "in.wav", PcmBuffer{16000, 1, speech(speech_sentences()[1], 16000)});
  for (const std::string ext : {"flac", "mp3", "ogg", "wav"}) {
    const auto out = dir / ("out." + ext);
    auto r =
        cli("audio convert " + q(dir / "in.wav") + " " + q(out) + " --channels 2 --rate 48000");
    ASSERT_EQ(r.exit_code, 0) << ext << ": " << r.output;
    const auto info = run_checked(
        "ffprobe -v error -show_entries stream=channels,sample_rate -of csv=p=0 " + q(out));
    EXPECT_NE(info.find("48000,2"), std::string::npos) << ext << ": " << info;
  }
}

TEST(Cli, VadPrintsOneJsonObjectPerSegment) {
  const auto dir = scratch_dir("cli_vad");
  auto audio = silence(16000, 0.5);
  append(audio, speech("Thank you for calling", 16000));
  append(audio, silence(16000, 1.0));
  append(audio, speech("Goodbye now", 16000));
  append(audio, silence(16000, 0.5));
  audio::write_wav_file(dir / "talk.wav", PcmBuffer{16000, 1, audio});
  auto r = cli("audio vad " + q(dir / "talk.wav") + " --aggressiveness 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 2u) << r.output;
  EXPECT_NEAR(lines[0]["start"].get<double>(), 0.5, 0.03);
  EXPECT_LT(lines[0]["end"].get<double>(), lines[1]["start"].get<double>());
}

TEST(Cli, DtmfGenerateThenDetectRoundTrips) {
  const auto dir = scratch_dir("cli_dtmf");
  auto r = cli("audio dtmf generate 9*0#D " + q(dir / "keys.wav") +
               " --tone-ms 70 --gap-ms 60 --rate 8000 --level-dbfs -12");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto wav = audio::read_wav_file(dir / "keys.wav");
  EXPECT_EQ(wav.pcm.samples.size(), 5u * 130u * 8u);
  r = cli("audio dtmf detect " + q(dir / "keys.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string digits;
  double previous_end = -1.0;
  for (const auto& line : json_lines(r.output)) {
    digits += line["digit"].get<std::string>();
    EXPECT_GT(line["start"].get<double>(), previous_end);
    previous_end = line["end"].get<double>();
  }
  EXPECT_EQ(digits, "9*0#D");
}

TEST(Cli, EffectsWriteTheirOutput) {
  const auto dir = scratch_dir("cli_effect");
  const auto clean = speech(speech_sentences()[2], 24000);
  audio::write_wav_file(dir / "in.wav", PcmBuffer{24000, 1, clean});
  for (const std::string args :
       {"--noise-snr 10 --noise pink --seed 4", "--noise-snr 10 --noise babble", "--telephone",
        "--packet-loss 0.2 --seed 2", "--gain -6"}) {
    auto r = cli("audio effect " + q(dir / "in.wav") + " " + q(dir / "out.wav") + " " + args);
    ASSERT_EQ(r.exit_code, 0) << args << ": " << r.output;
    const auto out = audio::read_wav_file(dir / "out.wav").pcm.samples;
    EXPECT_EQ(out.size(), clean.size()) << args;
    EXPECT_NE(out, clean) << args;
  }
  // Noise from a file.
  audio::write_wav_file(dir / "hum.wav", PcmBuffer{8000, 1, sine(60.0, 8000, 1.0, 3000.0)});
  auto r = cli("audio effect " + q(dir / "in.wav") + " " + q(dir / "out.wav") +
               " --noise-snr 20 --noise " + q(dir / "hum.wav"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto noisy = audio::read_wav_file(dir / "out.wav").pcm.samples;
  EXPECT_NEAR(audio::snr_db(clean, noisy), 20.0, 2.0);
}

TEST(Cli, BadArgumentsAndInputsGiveOneLineAndExitCode2) {
  const auto dir = scratch_dir("cli_errors");
  const std::vector<std::uint8_t> junk(100, 'x');
  write_bytes(dir / "junk.wav", junk);
  const std::pair<std::string, std::string> cases[] = {
      {"", "usage"},
      {"nonsense", "unknown command group"},
      {"audio frobnicate", "unknown audio command"},
      {"audio convert only-one-arg", "expected 2 argument(s)"},
      {"audio convert /nonexistent.wav " + q(dir / "o.wav"), "does not exist"},
      {"audio convert " + q(dir / "junk.wav") + " " + q(dir / "o.wav"), "not a RIFF/WAVE"},
      {"audio vad x.wav --aggressiveness 9", "--aggressiveness must be within 0..3"},
      {"audio vad x.wav --aggressiveness two", "expects a whole number"},
      {"audio dtmf generate 12X " + q(dir / "d.wav"), "'X' is not a DTMF key"},
      {"audio effect a.wav b.wav", "choose exactly one"},
      {"audio effect a.wav b.wav --gain 3 --telephone", "choose exactly one"},
      {"audio convert a.wav b.wav --bogus 1", "unknown option --bogus"},
      {"audio convert a.wav b.wav --rate", "needs a value"},
  };
  for (const auto& [args, needle] : cases) {
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << args << ": " << r.output;
    if (!args.empty()) {
      EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << "\n" << r.output;
    }
  }
  // A URL is refused, not fetched.
  const auto r = cli("audio vad http://127.0.0.1:9/x.mp3");
  EXPECT_EQ(r.exit_code, 2);
}

#ifdef SCENARIO_IVR_BOT
std::string read_text(const std::filesystem::path& path) {
  const auto bytes = read_bytes(path);
  return {bytes.begin(), bytes.end()};
}

// Programs we ship report errors as one line and an exit code, never an abort.
TEST(IvrBotProgram, APortInUseIsOneLineAndExitCode1AndBadArgumentsExit2) {
  const std::string bot = SCENARIO_IVR_BOT;
  const auto dir = scratch_dir("ivr_bot_program");
  // The first bot takes any free port and prints its URL first; a second one on that port fails.
  const auto r = run_command(
      "cd " + q(dir) + " && (" + shell_quote(bot) + " --port 0 > first.txt & echo $! > pid; " +
      "for i in $(seq 100); do [ -s first.txt ] && break; sleep 0.1; done; " +
      "port=$(sed -n '1s#.*:\\([0-9]*\\)/.*#\\1#p' first.txt); " + shell_quote(bot) +
      " --port \"$port\" 2> second.err; echo \"exit $?\"; kill $(cat pid); wait) 2>/dev/null");
  const std::string first = read_text(dir / "first.txt");
  EXPECT_EQ(first.rfind("ws://127.0.0.1:", 0), 0u) << first;
  EXPECT_NE(r.output.find("exit 1"), std::string::npos) << r.output;
  const std::string err = read_text(dir / "second.err");
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("ivr_bot: cannot serve on port"), std::string::npos) << err;
  EXPECT_NE(err.find("in use"), std::string::npos) << err;
  EXPECT_EQ(err.find("terminate"), std::string::npos) << err;

  const auto help = run_command(shell_quote(bot) + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("0 (the default) takes any free port"), std::string::npos);
  for (const std::string bad :
       {"--port 70000", "--port x", "--reaction-ms", "--nope", "--priority 100", "--priority"}) {
    const auto b = run_command(shell_quote(bot) + " " + bad);
    EXPECT_EQ(b.exit_code, 2) << bad << ": " << b.output;
    EXPECT_EQ(std::count(b.output.begin(), b.output.end(), '\n'), 1) << b.output;
  }
}

// --priority puts the bot's network thread on SCHED_RR (policy 2, field 41 of each task's stat:
// the command name "ivr_bot" has no spaces), or says in one line why it may not.
TEST(IvrBotProgram, PriorityRunsTheNetworkThreadRoundRobinOrSaysWhyNot) {
  const std::string bot = SCENARIO_IVR_BOT;
  const auto dir = scratch_dir("ivr_bot_priority");
  const auto r = run_command(
      "cd " + q(dir) + " && (" + shell_quote(bot) +
      " --port 0 --priority 10 > url.txt 2> err.txt & echo $! > pid; " +
      "for i in $(seq 100); do [ -s url.txt ] && break; sleep 0.1; done; " +
      "awk '{ print $41 }' /proc/$(cat pid)/task/*/stat | grep -c '^2$'; kill $(cat pid); wait)");
  EXPECT_EQ(read_text(dir / "url.txt").rfind("ws://127.0.0.1:", 0), 0u);
  const std::string err = read_text(dir / "err.txt");
  if (err.empty()) {
    EXPECT_EQ(r.output.rfind("1\n", 0), 0u) << "round-robin threads: " << r.output;
  } else {
    EXPECT_NE(err.find("not permitted"), std::string::npos) << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  }
}
#endif

}  // namespace
}  // namespace scenario::test
