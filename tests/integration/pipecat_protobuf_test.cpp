// The Pipecat adapter's protobuf transport (shared/protocols/pipecat.md §2) against the reference
// IVR bot speaking pipecat.Frame, and against a bot that breaks the protocol, over real WebSockets
// on loopback, in real time.
#include <gtest/gtest.h>

#include <mutex>

#include "ivr_bot.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/audio/resampler.hpp"
#include "scenario/audio/vad.hpp"
#include "scenario/audio/wav.hpp"
#include "scenario/pipecat/frames.hpp"
#include "scenario/scenario.hpp"

namespace scenario {
namespace {

using namespace std::chrono_literals;
using adapters::PipecatAgentAdapter;
using adapters::PipecatOptions;
using adapters::PipecatSerializer;

std::vector<VoiceEvent> events_of(const ScenarioResult& r, const std::string& type) {
  std::vector<VoiceEvent> out;
  for (const auto& e : r.timeline)
    if (e.type == type) out.push_back(e);
  return out;
}

// Protobuf wire format by hand (varints and length-delimited fields), for frames our encoder does
// not produce.
std::string varint(std::uint64_t v) {
  std::string out;
  do {
    out += static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v != 0);
  return out;
}

std::string length_field(int number, const std::string& bytes) {
  return varint(static_cast<std::uint64_t>(number) << 3 | 2) + varint(bytes.size()) + bytes;
}

std::string audio_frame_with_wav(const std::vector<std::uint8_t>& wav, int rate) {
  const std::string inner = length_field(3, std::string(wav.begin(), wav.end())) + varint(4 << 3) +
                            varint(static_cast<std::uint64_t>(rate)) + varint(5 << 3) + varint(1);
  return length_field(2, inner);
}

examples::IvrBotOptions protobuf_bot() {
  return {.wire = examples::IvrWire::pipecat_protobuf,
          .response_delay = 250ms,
          .reaction_time = 100ms,
          .chunk = 40ms};  // Pipecat's output transport sends 40 ms chunks
}

TEST(PipecatProtobuf, TonesNativeInterruptionTextMessagesAndTheBotHangingUp) {
  // Real-time I/O threads, as a deployment would run them (where permitted): the pacing asserted
  // below must not depend on what else ctest runs beside this test.
  net::EventLoop loop({.threads = 1, .realtime_priority = 10});
  examples::IvrBot bot(loop, protobuf_bot());
  auto ivr = std::make_shared<PipecatAgentAdapter>(
      PipecatOptions{.url = bot.url(),
                     .serializer = PipecatSerializer::protobuf,
                     .turn = {.hangover = 700ms},
                     .loop = &loop});
  const auto caps = ivr->capabilities();
  EXPECT_FALSE(caps.dtmf) << "pipecat.Frame has no key presses";
  EXPECT_TRUE(caps.native_interruption);
  EXPECT_EQ(caps.input_format, (audio::AudioFormat{audio::Encoding::pcm16, 16000, 1}));
  const auto r =
      run({.name = "ivr-protobuf",
           .description = "d",
           .agents = {ivr},
           .script = {agent(), dtmf("1"), interrupt("Wait, what was that?", {.after_seconds = 1.0}),
                      agent(), dtmf("9"), agent(), sleep(30.0), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto calls = bot.calls();
  ASSERT_EQ(calls.size(), 1u);
  const auto& call = calls[0];
  EXPECT_EQ(call.malformed, 0u) << call.last_error;
  // Caller audio went out as PCM16 at the pipeline's input rate, and the key presses as tones
  // (there is nothing else to carry them) that the bot's detector decoded.
  EXPECT_EQ(call.input_sample_rate, 16000);
  EXPECT_EQ(call.digits, "19");
  EXPECT_EQ(call.inband_digits, "19");
  // The interrupt was native: one InterruptionFrame reached the bot, which stopped at once (no
  // barge-in needed) and answered with its own.
  EXPECT_EQ(call.interruptions, 1);
  EXPECT_EQ(call.barge_ins, 0);
  const auto stats = ivr->stats();
  EXPECT_EQ(stats.interruptions, 1u);
  const auto interrupts = events_of(r, "user_interrupt");
  ASSERT_EQ(interrupts.size(), 1u);
  EXPECT_EQ(interrupts[0].metadata["native"], true);
  EXPECT_EQ(interrupts[0].metadata["outcome"], "agent_stopped");
  // The bot's confirming InterruptionFrame does not stop the agent a second time: one stop, one
  // cut, and the confirmation on the timeline.
  EXPECT_EQ(events_of(r, "agent_stopped").size(), 1u);
  EXPECT_EQ(events_of(r, "agent_stop_confirmed").size(), 1u);
  const std::vector<std::string> prompts{"greeting", "billing", "speech", "goodbye"};
  EXPECT_EQ(call.prompts, prompts);
  // The bot's words came as TextFrames into the agent's messages; its menu change as a
  // MessageFrame on the timeline.
  bool billing_words = false;
  for (const auto& m : r.messages)
    if (m.role == Role::assistant &&
        m.text().find("Your balance is forty two dollars") != std::string::npos)
      billing_words = true;
  EXPECT_TRUE(billing_words);
  const auto messages = events_of(r, "message");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].metadata["message"]["name"], "billing");
  EXPECT_GE(stats.messages, 5u);  // four prompts' words + the menu message
  EXPECT_EQ(events_of(r, "agent_hung_up").size(), 1u);
  EXPECT_TRUE(call.hung_up);
  // The line never went quiet: one 20 ms frame per slot, silence while the caller was quiet.
  EXPECT_GT(stats.silence_frames, 100u);
  const double seconds = r.recording.duration_seconds();
  EXPECT_NEAR(static_cast<double>(call.media_frames), seconds * 50, seconds * 50 * 0.05);
  // Every caller frame of the whole call was exactly 20 ms (rate/50 samples), as a strict peer
  // requires: the first frame after silence too.
  EXPECT_EQ(call.odd_sized_frames, 0u) << "first odd frame: " << call.first_odd_frame_size;
  // The design bound: a frame later than one frame period misses its slot (the receiver hears a
  // gap or a bunch). How much earlier than that frames leave depends on the machine, which a
  // test must not (the figures for a quiet machine are the load benchmark's).
  EXPECT_LT(stats.pacing.percentile_ms(99), 20.0);
  EXPECT_EQ(stats.malformed, 0u) << stats.last_error;
}

TEST(PipecatProtobuf, OlderBotsAreInterruptedByBargeInAndTheirInterruptionStopsTheAgent) {
  net::EventLoop loop(1);
  examples::IvrBot bot(loop, protobuf_bot());
  auto ivr = std::make_shared<PipecatAgentAdapter>(
      PipecatOptions{.url = bot.url(),
                     .serializer = PipecatSerializer::protobuf,
                     .interruption_frames = false,  // a bot from before May 2026
                     .turn = {.hangover = 700ms},
                     .loop = &loop});
  EXPECT_FALSE(ivr->capabilities().native_interruption);
  const auto r =
      run({.name = "barge-in",
           .description = "d",
           .agents = {ivr},
           .script = {agent(), dtmf("1"), interrupt("Hello? Hello?", {.after_seconds = 1.0}),
                      agent(), succeed()}});
  ASSERT_TRUE(r.success) << r.reasoning;
  const auto call = bot.calls().at(0);
  EXPECT_EQ(call.interruptions, 0) << "no InterruptionFrame goes to a bot that cannot parse it";
  EXPECT_EQ(call.barge_ins, 1);
  EXPECT_EQ(ivr->stats().interruptions, 1u) << "the bot's InterruptionFrame said it stopped";
  const auto interrupts = events_of(r, "user_interrupt");
  ASSERT_EQ(interrupts.size(), 1u);
  EXPECT_EQ(interrupts[0].metadata["native"], false);
  EXPECT_EQ(interrupts[0].metadata["outcome"], "agent_stopped");
  ASSERT_EQ(r.latency.interrupt_response_times.size(), 1u);
  EXPECT_GT(r.latency.interrupt_response_times[0], 0.10);
  EXPECT_LT(r.latency.interrupt_response_times[0], 0.40);
}

// A bot that breaks the protocol, sends audio at other rates and with WAV headers, then hangs up.
TEST(PipecatProtobuf, MalformedFramesAreCountedOtherRatesResampledAndAHangUpKeepsTheAudio) {
  std::mutex m;  // outlives the loop, whose threads use it
  std::vector<std::string> received;
  std::vector<bool> received_binary;
  net::EventLoop loop(1);
  net::Server bad_bot(loop, {}, [&](std::shared_ptr<net::WsConnection> c, const net::HttpRequest&) {
    std::weak_ptr<net::WsConnection> weak = c;
    c->start({.on_message = [&, weak](std::string d, bool binary) {
      std::lock_guard l(m);
      received.push_back(d);
      received_binary.push_back(binary);
      if (received.size() != 1) return;
      auto self = weak.lock();
      self->send("\xff\xff\xff", true);    // not protobuf
      self->send(R"({"event":"media"})");  // a text frame
      // odd-length PCM (3 bytes at 16000 Hz, one channel)
      self->send(std::string("\x12\x0a\x1a\x03\x01\x02\x03\x20\x80\x7d\x28\x01", 12), true);
      self->send(std::string("\x32\x00", 2), true);  // a newer frame kind
      self->send(pipecat::encode_frame(pipecat::TranscriptionFrame{
                     .text = "hello", .user_id = "caller", .timestamp = "2026-11-21T10:00:00Z"}),
                 true);
      // 1.2 s of speech at 16 kHz: 40 ms chunks in real time, mono, WAV files and stereo.
      const auto speech =
          synthesize("This sentence is cut off because the bot hangs up", "espeak/en-us");
      const auto pcm = std::make_shared<const std::vector<std::int16_t>>(
          audio::resample(speech.samples, speech.sample_rate, 16000));
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t k = 0; k < 30; ++k) {
        self->run_at(t0 + k * 40ms, [self, pcm, k] {
          const std::span<const std::int16_t> chunk(pcm->data() + k * 640, 640);
          if (k % 3 == 0) {
            self->send(pipecat::encode_audio(chunk, 16000), true);
          } else if (k % 3 == 1) {
            std::vector<std::int16_t> stereo;  // both channels the same: downmixed unchanged
            for (const auto v : chunk) stereo.insert(stereo.end(), {v, v});
            self->send(pipecat::encode_audio(stereo, 16000, 2), true);
          } else {
            // add_wav_header=True: the audio field holds a WAV file.
            const auto wav = audio::write_wav(
                {.sample_rate = 16000, .channels = 1, .samples = {chunk.begin(), chunk.end()}});
            self->send(audio_frame_with_wav(wav, 16000), true);
          }
        });
      }
      self->run_at(t0 + 1200ms, [self] { self->close(1011, "bot crashed"); });
    }});
  });
  auto ivr = std::make_shared<PipecatAgentAdapter>(PipecatOptions{
      .url = bad_bot.ws_url("/ws"), .serializer = PipecatSerializer::protobuf, .loop = &loop});
  const auto r = run({.name = "hang-up",
                      .description = "d",
                      .agents = {ivr},
                      .script = {agent(), user("Hello?"), agent(), succeed()}});
  EXPECT_FALSE(r.success);
  EXPECT_NE(r.reasoning.find("hung up"), std::string::npos) << r.reasoning;
  EXPECT_NE(r.reasoning.find("1011"), std::string::npos) << r.reasoning;
  const auto stats = ivr->stats();
  EXPECT_EQ(stats.malformed, 4u) << stats.last_error;
  const auto errors = events_of(r, "transport_error");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_NE(errors[0].metadata["error"].get<std::string>().find("does not parse"),
            std::string::npos);
  EXPECT_NE(errors[1].metadata["error"].get<std::string>().find("text frame"), std::string::npos);
  EXPECT_NE(errors[2].metadata["error"].get<std::string>().find("odd-length"), std::string::npos);
  EXPECT_NE(errors[3].metadata["error"].get<std::string>().find("field 6"), std::string::npos);
  EXPECT_EQ(stats.media_received, 30u);
  const auto transcriptions = events_of(r, "transcription");
  ASSERT_EQ(transcriptions.size(), 1u);
  EXPECT_EQ(transcriptions[0].metadata["text"], "hello");
  EXPECT_EQ(transcriptions[0].metadata["user_id"], "caller");
  // What was heard before the hang-up is kept, resampled to 24 kHz at its true length: the agent's
  // segments hold the 1.2 s the bot sent (the recording itself runs on to when the hang-up was
  // handled, later on a loaded machine: 1.45 s under TSan with both cores busy).
  double agent_seconds = 0;
  for (const auto& seg : r.recording.segments)
    if (seg.speaker == Speaker::agent) agent_seconds += seg.end - seg.start;
  EXPECT_NEAR(agent_seconds, 1.2, 0.05);
  EXPECT_FALSE(audio::detect_speech(r.recording.agent, 24000).empty());
  EXPECT_EQ(events_of(r, "agent_hung_up").size(), 1u);
  // What the bot received: binary pipecat.Frames of 20 ms PCM16 at 16 kHz from the first message.
  std::lock_guard l(m);
  ASSERT_GE(received.size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    EXPECT_TRUE(received_binary[i]);
    const auto frame = std::get<pipecat::AudioFrame>(pipecat::decode_frame(received[i]));
    EXPECT_EQ(frame.sample_rate, 16000);
    EXPECT_EQ(frame.samples.size(), 320u);
  }
}

TEST(PipecatProtobuf, KeyPressesAreNotEventsAndBadInputRatesAreRefused) {
  PipecatAgentAdapter ivr(
      PipecatOptions{.url = "ws://127.0.0.1:1/", .serializer = PipecatSerializer::protobuf});
  EXPECT_THROW(ivr.send_dtmf("1"), UnsupportedCapabilityError);
  EXPECT_THROW(PipecatAgentAdapter(PipecatOptions{.serializer = PipecatSerializer::protobuf,
                                                  .input_sample_rate = 16001}),
               std::invalid_argument);
}

}  // namespace
}  // namespace scenario
