#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "args.hpp"
#include "commands.hpp"
#include "scenario/audio.hpp"

namespace scenario::cli {
namespace {

namespace fs = std::filesystem;
using namespace scenario::audio;

constexpr const char* kAudioUsage =
    "usage:\n"
    "  scenario audio convert IN OUT [--rate HZ] [--encoding pcm16|mulaw|alaw] [--channels N]\n"
    "  scenario audio vad IN [--aggressiveness 0-3]\n"
    "  scenario audio dtmf generate DIGITS OUT [--tone-ms N] [--gap-ms N] [--rate HZ] "
    "[--level-dbfs X]\n"
    "  scenario audio dtmf detect IN\n"
    "  scenario audio effect IN OUT (--noise-snr DB [--noise white|pink|babble|FILE] | --telephone "
    "|\n"
    "                               --packet-loss P | --gain DB) [--seed N]\n"
    "OUT's extension picks the container: .wav .flac .mp3 .ogg, or .raw for headerless samples.";

std::string lower_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

PcmBuffer read_input(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw UsageError("input '" + path.string() + "' does not exist");
  // Our WAV reader gives precise errors for broken headers; everything else goes through libav.
  if (lower_extension(path) == ".wav") return read_wav_file(path).pcm;
  return decode_media_file(path);
}

void write_output(const fs::path& path, const PcmBuffer& pcm, Encoding encoding) {
  const std::string ext = lower_extension(path);
  if (ext == ".raw") {
    const auto bytes = encode_samples(encoding, pcm.samples);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw AudioError("cannot create '" + path.string() + "'");
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) throw AudioError("failed writing '" + path.string() + "'");
    return;
  }
  if (ext == ".wav") {
    const WavSampleFormat format = encoding == Encoding::mulaw  ? WavSampleFormat::mulaw
                                   : encoding == Encoding::alaw ? WavSampleFormat::alaw
                                                                : WavSampleFormat::pcm16;
    write_wav_file(path, pcm, format);
    return;
  }
  if (encoding != Encoding::pcm16) {
    throw UsageError("--encoding " + std::string(to_string(encoding)) +
                     " needs a .wav or .raw output, not " + ext);
  }
  encode_media_file(path, pcm, container_from_extension(path));
}

PcmBuffer with_channels(const PcmBuffer& in, int channels) {
  if (channels == in.channels) return in;
  PcmBuffer out;
  out.sample_rate = in.sample_rate;
  out.channels = channels;
  const auto mono = downmix_to_mono(in);
  if (channels == 1) {
    out.samples = mono;
  } else {
    out.samples.reserve(mono.size() * static_cast<std::size_t>(channels));
    for (const auto s : mono)
      out.samples.insert(out.samples.end(), static_cast<std::size_t>(channels), s);
  }
  return out;
}

std::vector<std::int16_t> mono_of(const PcmBuffer& pcm) {
  return downmix_to_mono(pcm);
}

double seconds(std::int64_t sample, int rate) {
  return static_cast<double>(sample) / rate;
}

void print_json_line(const nlohmann::json& j) {
  std::cout << j.dump() << "\n";
}

int convert(const std::vector<std::string>& argv) {
  const Args args(argv, {"rate", "encoding", "channels"});
  args.expect_positionals(
      2, "scenario audio convert IN OUT [--rate HZ] [--encoding E] [--channels N]");
  // Options are checked before the input is read, so a typo is reported as such.
  const int requested_rate = args.get_int("rate", 0, 4000, 384000);
  const int requested_channels = args.get_int("channels", 0, 1, 8);
  const Encoding encoding = parse_encoding(args.get("encoding").value_or("pcm16"));
  PcmBuffer pcm = read_input(args.positionals()[0]);
  const int rate = requested_rate != 0 ? requested_rate : pcm.sample_rate;
  pcm = with_channels(pcm, requested_channels != 0 ? requested_channels : pcm.channels);
  if (rate != pcm.sample_rate) {
    pcm.samples = resample(pcm.samples, pcm.sample_rate, rate, pcm.channels);
    pcm.sample_rate = rate;
  }
  write_output(args.positionals()[1], pcm, encoding);
  return 0;
}

int vad(const std::vector<std::string>& argv) {
  const Args args(argv, {"aggressiveness"});
  args.expect_positionals(1, "scenario audio vad IN [--aggressiveness 0-3]");
  VadOptions options;
  options.aggressiveness = args.get_int("aggressiveness", options.aggressiveness, 0, 3);
  const PcmBuffer pcm = read_input(args.positionals()[0]);
  for (const auto& seg : detect_speech(mono_of(pcm), pcm.sample_rate, options)) {
    print_json_line({{"start", seconds(seg.start_sample, pcm.sample_rate)},
                     {"end", seconds(seg.end_sample, pcm.sample_rate)}});
  }
  return 0;
}

int dtmf_generate(const std::vector<std::string>& argv) {
  const Args args(argv, {"tone-ms", "gap-ms", "rate", "level-dbfs"});
  args.expect_positionals(2,
                          "scenario audio dtmf generate DIGITS OUT [--tone-ms N] [--gap-ms N] "
                          "[--rate HZ] [--level-dbfs X]");
  DtmfToneOptions options;
  options.tone = std::chrono::milliseconds(args.get_int("tone-ms", 100, 1, 60000));
  options.gap = std::chrono::milliseconds(args.get_int("gap-ms", 100, 0, 60000));
  options.sample_rate = args.get_int("rate", 8000, 4000, 192000);
  options.level_dbfs = args.get_double("level-dbfs", -10.0);
  if (options.level_dbfs > -3.0)
    throw UsageError("--level-dbfs must be at most -3 (two tones must fit full scale)");
  const std::string& digits = args.positionals()[0];
  for (const char c : digits) {
    if (!is_dtmf_digit(c))
      throw UsageError(std::string("'") + c + "' is not a DTMF key (0-9 * # A-D)");
  }
  PcmBuffer pcm;
  pcm.sample_rate = options.sample_rate;
  pcm.channels = 1;
  pcm.samples = generate_dtmf(digits, options);
  write_output(args.positionals()[1], pcm, Encoding::pcm16);
  return 0;
}

int dtmf_detect(const std::vector<std::string>& argv) {
  const Args args(argv, {});
  args.expect_positionals(1, "scenario audio dtmf detect IN");
  const PcmBuffer pcm = read_input(args.positionals()[0]);
  for (const auto& d : detect_dtmf(mono_of(pcm), pcm.sample_rate)) {
    print_json_line({{"digit", std::string(1, d.digit)},
                     {"start", seconds(d.start_sample, pcm.sample_rate)},
                     {"end", seconds(d.end_sample, pcm.sample_rate)}});
  }
  return 0;
}

int effect(const std::vector<std::string>& argv) {
  const Args args(argv, {"noise-snr", "noise", "packet-loss", "gain", "seed"}, {"telephone"});
  args.expect_positionals(
      2,
      "scenario audio effect IN OUT (--noise-snr DB | --telephone | --packet-loss P | --gain DB)");
  const int chosen = static_cast<int>(args.has("noise-snr")) +
                     static_cast<int>(args.has("telephone")) +
                     static_cast<int>(args.has("packet-loss")) + static_cast<int>(args.has("gain"));
  if (chosen != 1)
    throw UsageError("choose exactly one of --noise-snr, --telephone, --packet-loss, --gain");
  if (args.has("noise") && !args.has("noise-snr"))
    throw UsageError("--noise goes with --noise-snr");
  const auto seed = static_cast<std::uint64_t>(args.get_int("seed", 1, 0, 2147483647));
  PcmBuffer pcm = read_input(args.positionals()[0]);
  pcm = with_channels(pcm, 1);
  if (args.has("noise-snr")) {
    effects::NoiseOptions options;
    options.snr_db = args.get_double("noise-snr", 20.0);
    options.seed = seed;
    const std::string kind = args.get("noise").value_or("white");
    if (kind == "white") {
      options.kind = effects::NoiseKind::white;
    } else if (kind == "pink") {
      options.kind = effects::NoiseKind::pink;
    } else if (kind == "babble") {
      options.kind = effects::NoiseKind::babble;
    } else {
      options.kind = effects::NoiseKind::file;
      PcmBuffer noise = with_channels(read_input(kind), 1);
      options.source = resample(noise.samples, noise.sample_rate, pcm.sample_rate);
    }
    pcm.samples = effects::add_noise(pcm.samples, pcm.sample_rate, options);
  } else if (args.has("telephone")) {
    pcm.samples = effects::telephone_channel(pcm.samples, pcm.sample_rate);
  } else if (args.has("packet-loss")) {
    const double p = args.get_double("packet-loss", 0.0);
    if (p < 0.0 || p > 1.0) throw UsageError("--packet-loss must be within 0..1");
    pcm.samples = effects::packet_loss(pcm.samples, pcm.sample_rate, p, seed);
  } else {
    pcm.samples = effects::gain(pcm.samples, args.get_double("gain", 0.0));
  }
  write_output(args.positionals()[1], pcm, Encoding::pcm16);
  return 0;
}

}  // namespace

int run_audio(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kAudioUsage << "\n";
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "convert") return convert(rest);
  if (args[0] == "vad") return vad(rest);
  if (args[0] == "effect") return effect(rest);
  if (args[0] == "dtmf") {
    if (rest.empty()) throw UsageError("dtmf needs a command: generate or detect");
    const std::vector<std::string> tail(rest.begin() + 1, rest.end());
    if (rest[0] == "generate") return dtmf_generate(tail);
    if (rest[0] == "detect") return dtmf_detect(tail);
    throw UsageError("unknown dtmf command '" + rest[0] + "' (expected generate or detect)");
  }
  throw UsageError("unknown audio command '" + args[0] + "' (try: scenario audio --help)");
}

}  // namespace scenario::cli
