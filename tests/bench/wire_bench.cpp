// Per-message cost of the two wire codecs a realtime call runs through, side by side in one run:
// the OpenAI Realtime codec (JSON + base64, pcm16 24 kHz or G.711 8 kHz) and the Pipecat Twilio
// serializer (the reference each figure is read against).
//
//   wire_bench [--benchmark_filter=...]
//
// Uplink: one 20 ms caller frame (canonical 24 kHz) to the text frame that carries it, including
// the resampling to the wire rate. Downlink: one server message to samples at the wire rate, and
// to 24 kHz as the runtime then converts it. One iteration = one message.
#include <benchmark/benchmark.h>

#include <chrono>
#include <string>

#include "scenario/audio.hpp"
#include "scenario/openai/realtime.hpp"
#include "scenario/pipecat/serializer.hpp"
#include "support/fixtures.hpp"
#include "support/tools.hpp"

namespace {

using namespace scenario;
namespace rt = scenario::openai::realtime;

const std::vector<std::int16_t>& speech_24k() {
  static const std::vector<std::int16_t> audio = [] {
    std::vector<std::int16_t> v;
    for (const auto& s : test::speech_sentences()) test::append(v, test::speech(s, 24000));
    v.resize(240000);
    return v;
  }();
  return audio;
}

int rate_of(rt::AudioFormat f) { return rt::sample_rate(f); }

void BM_RealtimeUplinkFrame(benchmark::State& state) {
  const auto format = static_cast<rt::AudioFormat>(state.range(0));
  const auto& audio = speech_24k();
  audio::Resampler to_wire(24000, rate_of(format));
  rt::AppendEncoder encoder(format);  // as the adapter sends each frame
  std::vector<std::int16_t> wire;
  std::size_t pos = 0;
  for (auto _ : state) {
    const auto frame = std::span(audio).subspan(pos, 480);
    std::span<const std::int16_t> samples = frame;
    if (rate_of(format) != 24000) {
      wire.clear();
      to_wire.process(frame, wire);
      samples = wire;
    }
    const auto& text = encoder.frame(samples);
    benchmark::DoNotOptimize(text.data());
    pos = (pos + 480) % audio.size();
  }
  state.SetLabel(format == rt::AudioFormat::pcm16 ? "input_audio_buffer.append, pcm16 24 kHz"
                                                  : "input_audio_buffer.append, g711 8 kHz");
}
BENCHMARK(BM_RealtimeUplinkFrame)
    ->Arg(static_cast<int>(rt::AudioFormat::pcm16))
    ->Arg(static_cast<int>(rt::AudioFormat::g711_ulaw));

void BM_RealtimeDownlinkDelta(benchmark::State& state) {
  const auto format = static_cast<rt::AudioFormat>(state.range(0));
  const auto& audio = speech_24k();
  // 100 ms deltas, as the fake (and, typically, the service) sends them.
  std::vector<std::string> messages;
  const auto wire = rate_of(format) == 24000 ? audio : audio::resample(audio, 24000, rate_of(format));
  const std::size_t per = static_cast<std::size_t>(rate_of(format) / 10);
  for (std::size_t pos = 0; pos + per <= wire.size(); pos += per)
    messages.push_back(rt::encode(
        rt::server::AudioDelta{.ref = {.response_id = "resp_1", .item_id = "item_1"},
                               .audio = rt::encode_audio(std::span(wire).subspan(pos, per), format)},
        rt::Dialect::ga, "event_1"));
  rt::AudioDecoder decoder(format);
  audio::Resampler to_24k(rate_of(format), 24000);
  std::vector<std::int16_t> samples, wide;
  std::size_t i = 0;
  for (auto _ : state) {
    auto m = rt::decode_server(messages[i]);
    samples.clear();
    decoder.decode(std::get<rt::server::AudioDelta>(m.event).audio, samples);
    if (rate_of(format) != 24000) {
      wide.clear();
      to_24k.process(samples, wide);
    }
    benchmark::DoNotOptimize(samples.data());
    i = (i + 1) % messages.size();
  }
  state.SetLabel("response.output_audio.delta (100 ms) -> 24 kHz");
}
BENCHMARK(BM_RealtimeDownlinkDelta)
    ->Arg(static_cast<int>(rt::AudioFormat::pcm16))
    ->Arg(static_cast<int>(rt::AudioFormat::g711_ulaw));

// The reference: the Pipecat Twilio serializer on the same audio (20 ms μ-law frames).
void BM_PipecatTwilioUplinkFrame(benchmark::State& state) {
  const auto& audio = speech_24k();
  twilio::StartInfo start;
  start.stream_sid = "MZ0123456789abcdef0123456789abcdef";
  auto client = pipecat::make_twilio_client(start);
  (void)client->open();
  audio::Resampler to_8k(24000, 8000);
  std::vector<std::int16_t> narrow;
  std::size_t pos = 0;
  std::int64_t k = 0;
  for (auto _ : state) {
    narrow.clear();
    to_8k.process(std::span(audio).subspan(pos, 480), narrow);
    auto m = client->audio(narrow, 8000, std::chrono::milliseconds(20 * k++));
    benchmark::DoNotOptimize(m.data.data());
    pos = (pos + 480) % audio.size();
  }
  state.SetLabel("Twilio media, mu-law 8 kHz (reference)");
}
BENCHMARK(BM_PipecatTwilioUplinkFrame);

void BM_PipecatTwilioDownlinkFrame(benchmark::State& state) {
  const auto& audio = speech_24k();
  auto bot = pipecat::make_twilio_bot();
  twilio::StartInfo start;
  start.stream_sid = "MZ0123456789abcdef0123456789abcdef";
  auto client = pipecat::make_twilio_client(start);
  for (auto& m : client->open()) (void)bot->deserialize(m.data, m.binary);  // the bot learns the SID
  const auto narrow = audio::resample(audio, 24000, 8000);
  std::vector<std::string> messages;
  for (std::size_t pos = 0; pos + 160 <= narrow.size(); pos += 160)
    messages.push_back(bot->audio(std::span(narrow).subspan(pos, 160), 8000, {}).data);
  audio::Resampler to_24k(8000, 24000);
  std::vector<std::int16_t> wide;
  std::size_t i = 0;
  for (auto _ : state) {
    auto m = client->deserialize(messages[i], false);
    wide.clear();
    to_24k.process(std::get<pipecat::line::Audio>(*m).samples, wide);
    benchmark::DoNotOptimize(wide.data());
    i = (i + 1) % messages.size();
  }
  state.SetLabel("Twilio media (20 ms) -> 24 kHz (reference)");
}
BENCHMARK(BM_PipecatTwilioDownlinkFrame);

}  // namespace

BENCHMARK_MAIN();
