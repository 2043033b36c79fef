// Load benchmark: N concurrent calls, Pipecat adapter (caller side) ↔ reference IVR bot, over
// loopback WebSockets in one process, real-time paced in both directions.
//
//   telephony_load [--calls 50,100,...] [--seconds 8] [--threads 2] [--bot-chunk-ms 40]
//                  [--realtime-priority 10]
//
// Per N: pacing lateness p50/p99 of every paced frame on both sides (the caller's 20 ms frames,
// the bot's chunks), frames late (> 20 ms) or missing at the bot, CPU (user+sys over wall, in
// cores) and resident memory per call. Ends with the largest N whose p99 lateness is ≤ 5 ms with
// nothing late or missing.
//
// The bot sends 40 ms chunks by default, as Pipecat's output transport does (pipecat.md §1:
// audio_out_10ms_chunks = 4); --bot-chunk-ms 20 sends Twilio-sized ones. The I/O threads ask for
// SCHED_RR 10 by default, as media servers run their RTP threads; --realtime-priority 0 keeps
// normal scheduling (then another task on the machine — this VM's kdamond runs for 4–8 ms at a
// time — delays every call on the thread it preempts).
#include <sys/resource.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "ivr_bot.hpp"
#include "process_stats.hpp"
#include "scenario/adapters/pipecat.hpp"

namespace {

using namespace std::chrono_literals;
using namespace scenario;

using bench::cpu_seconds;
using bench::rss_kb;

struct Outcome {
  int calls = 0;
  double adapter_p50 = 0, adapter_p99 = 0, bot_p50 = 0, bot_p99 = 0;
  std::uint64_t late = 0, missing = 0, frames = 0;
  double cores = 0, rss_per_call_kb = 0;
  bool ok() const { return adapter_p99 <= 5.0 && bot_p99 <= 5.0 && missing == 0 && late == 0; }
};

struct LoadOptions {
  double seconds = 8;
  int threads = 2;
  std::chrono::milliseconds bot_chunk{40};
  int realtime_priority = 10;
};

Outcome run_load(int calls, const LoadOptions& options, std::string& scheduling) {
  net::EventLoop loop({.threads = options.threads, .realtime_priority = options.realtime_priority});
  scheduling = loop.scheduling();
  examples::IvrBot bot(loop,
                       {.reprompt_after = 1000ms, .chunk = options.bot_chunk, .inband_dtmf = true});
  const long rss0 = rss_kb();
  std::vector<std::shared_ptr<adapters::PipecatAgentAdapter>> callers;
  auto clock = std::make_shared<RealClock>();
  for (int i = 0; i < calls; ++i) {
    auto a = std::make_shared<adapters::PipecatAgentAdapter>(
        adapters::PipecatOptions{.url = bot.url(), .loop = &loop});
    a->connect(clock);
    callers.push_back(a);
  }
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const auto end = t0 + std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::duration<double>(options.seconds));
  long rss_peak = rss_kb();
  // Drain the callers' event queues (what a voice session would do) every 20 ms.
  while (std::chrono::steady_clock::now() < end) {
    for (auto& a : callers)
      while (a->receive(clock->now())) {
      }
    rss_peak = std::max(rss_peak, rss_kb());
    std::this_thread::sleep_for(20ms);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  Outcome o;
  o.calls = calls;
  net::LatenessHistogram adapter_pacing, bot_pacing;
  std::uint64_t sent = 0;
  for (auto& a : callers) {
    const auto s = a->stats();
    adapter_pacing.merge(s.pacing);
    sent += s.frames_sent;
  }
  for (auto& a : callers) a->disconnect();
  std::this_thread::sleep_for(300ms);
  std::uint64_t received = 0;
  for (const auto& log : bot.calls()) {
    bot_pacing.merge(log.pacing);
    received += log.media_frames;
  }
  o.adapter_p50 = adapter_pacing.percentile_ms(50);
  o.adapter_p99 = adapter_pacing.percentile_ms(99);
  o.bot_p50 = bot_pacing.percentile_ms(50);
  o.bot_p99 = bot_pacing.percentile_ms(99);
  o.late = adapter_pacing.later_than_ms(20) + bot_pacing.later_than_ms(20);
  o.frames = sent;
  o.missing = sent > received ? sent - received : 0;
  o.cores = cpu / wall;
  o.rss_per_call_kb = static_cast<double>(rss_peak - rss0) / calls;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> counts{50, 100, 200, 300, 400, 500, 600};
  LoadOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--calls") {
      counts.clear();
      std::stringstream list(argv[i + 1]);
      for (std::string item; std::getline(list, item, ',');) counts.push_back(std::stoi(item));
    } else if (arg == "--seconds") {
      options.seconds = std::stod(argv[i + 1]);
    } else if (arg == "--threads") {
      options.threads = std::stoi(argv[i + 1]);
    } else if (arg == "--bot-chunk-ms") {
      options.bot_chunk = std::chrono::milliseconds(std::stoi(argv[i + 1]));
    } else if (arg == "--realtime-priority") {
      options.realtime_priority = std::stoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  bench::raise_descriptor_limit();

  std::printf("%6s %9s %9s %9s %9s %7s %8s %9s %7s %10s\n", "calls", "caller50", "caller99",
              "bot50", "bot99", "late", "missing", "frames", "cores", "rss/call");
  int best = 0;
  std::string scheduling;
  for (const int n : counts) {
    const auto o = run_load(n, options, scheduling);
    std::printf("%6d %8.1fms %8.1fms %8.1fms %8.1fms %7llu %8llu %9llu %7.2f %8.0fKB %s\n", o.calls,
                o.adapter_p50, o.adapter_p99, o.bot_p50, o.bot_p99,
                static_cast<unsigned long long>(o.late), static_cast<unsigned long long>(o.missing),
                static_cast<unsigned long long>(o.frames), o.cores, o.rss_per_call_kb,
                o.ok() ? "ok" : "OVER");
    std::fflush(stdout);
    if (o.ok()) best = std::max(best, n);
  }
  std::printf("I/O threads: %d, %s; bot chunks: %lld ms\n", options.threads, scheduling.c_str(),
              static_cast<long long>(options.bot_chunk.count()));
  std::printf("largest N with p99 pacing lateness <= 5 ms and no frame late or missing: %d\n",
              best);
  return 0;
}
