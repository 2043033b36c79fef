// Soak: many concurrent full scenario runs, back to back, for a long time; resident memory and
// open file descriptors must stay flat. Not part of ctest (it runs for half an hour by default).
//
//   soak [--calls 200] [--minutes 30] [--sample-seconds 60] [--warmup-minutes 2]
//        [--malloc-arenas 2] [--mmap-threshold-kb 256]
//
// Each of --calls workers runs the IVR scenario (greeting, key 1 → billing, key 9 → goodbye, the
// bot hangs up) through the Pipecat adapter against the reference IVR bot, over and over. After
// the warm-up the program samples RSS and the number of open descriptors every --sample-seconds;
// it exits 1 when the median RSS of the last third of the samples is more than 5 % over the median
// of the first third, or descriptors grew by more than one per worker (runs in flight).
#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "ivr_bot.hpp"
#include "process_stats.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/scenario.hpp"

namespace {

using namespace std::chrono_literals;
using namespace scenario;

using bench::open_descriptors;
using bench::rss_kb;

struct Options {
  int malloc_arenas = 2;
  /// Buffers from this size on are mapped and unmapped by themselves. glibc's default threshold
  /// rises to the largest buffer freed so far (up to 32 MB), after which a call's audio buffers
  /// come from the arenas and fragment them: RSS creeps up while the live heap stays flat.
  int mmap_threshold_kb = 256;
  int calls = 200;
  double minutes = 30;
  double sample_seconds = 60;
  double warmup_minutes = 2;
};

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) {
      std::fprintf(stderr, "soak: %s needs a value\n", arg.c_str());
      return false;
    }
    char* end = nullptr;
    const double v = std::strtod(argv[++i], &end);
    if (end == argv[i] || *end != '\0' || v < 0 ||
        (v == 0 && arg != "--malloc-arenas" && arg != "--mmap-threshold-kb")) {
      std::fprintf(stderr, "soak: %s takes a positive number, not '%s'\n", arg.c_str(), argv[i]);
      return false;
    }
    if (arg == "--malloc-arenas") {
      o.malloc_arenas = static_cast<int>(v);
    } else if (arg == "--mmap-threshold-kb") {
      o.mmap_threshold_kb = static_cast<int>(v);
    } else if (arg == "--calls") {
      o.calls = static_cast<int>(v);
    } else if (arg == "--minutes") {
      o.minutes = v;
    } else if (arg == "--sample-seconds") {
      o.sample_seconds = v;
    } else if (arg == "--warmup-minutes") {
      o.warmup_minutes = v;
    } else {
      std::fprintf(stderr, "soak: unknown option %s\n", arg.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  if (o.malloc_arenas > 0) mallopt(M_ARENA_MAX, o.malloc_arenas);
  if (o.mmap_threshold_kb > 0) mallopt(M_MMAP_THRESHOLD, o.mmap_threshold_kb * 1024);
  bench::raise_descriptor_limit();

  net::EventLoop bot_loop({.threads = 1, .realtime_priority = 10});
  examples::IvrBot bot(bot_loop, {});
  std::atomic<bool> stop{false};
  std::atomic<long> passed{0}, failed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < o.calls; ++w) {
    workers.emplace_back([&, w] {
      std::this_thread::sleep_for(std::chrono::milliseconds(w * 37 % 2000));  // spread the starts
      while (!stop) {
        auto ivr = std::make_shared<adapters::PipecatAgentAdapter>(
            adapters::PipecatOptions{.url = bot.url(), .turn = {.hangover = 700ms}});
        const auto r =
            run({.name = "soak",
                 .description = "IVR menu and goodbye",
                 .agents = {ivr},
                 .script = {agent(), dtmf("1"), agent(), dtmf("9"), agent(), succeed()}});
        (r.success ? passed : failed)++;
      }
    });
  }
  const auto start = std::chrono::steady_clock::now();
  const auto minutes = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60;
  };
  std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup_minutes * 60));
  std::printf("%8s %10s %6s %8s %8s\n", "minute", "rss_kb", "fds", "passed", "failed");
  std::vector<long> rss;
  std::vector<int> fds;
  while (minutes() < o.minutes) {
    rss.push_back(rss_kb());
    fds.push_back(open_descriptors());
    std::printf("%8.1f %10ld %6d %8ld %8ld\n", minutes(), rss.back(), fds.back(), passed.load(),
                failed.load());
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::duration<double>(o.sample_seconds));
  }
  stop = true;
  for (auto& t : workers) t.join();
  if (rss.size() < 3) {
    std::fprintf(stderr, "soak: too few samples to compare (run longer than the warm-up)\n");
    return 2;
  }
  // With runs starting and ending all the time, RSS swings with what is in flight (each run's
  // buffers are mapped and returned to the system when it ends): compare the medians of the first
  // and the last third of the samples, which a leak lifts and a swing does not. Peaks are shown
  // as well.
  const std::size_t third = rss.size() / 3;
  const auto median_of = [](std::vector<long> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  const std::vector<long> first(rss.begin(), rss.begin() + static_cast<std::ptrdiff_t>(third));
  const std::vector<long> last(rss.end() - static_cast<std::ptrdiff_t>(third), rss.end());
  const long early = median_of(first);
  const long late = median_of(last);
  const int early_fds =
      *std::max_element(fds.begin(), fds.begin() + static_cast<std::ptrdiff_t>(third));
  const int late_fds = *std::max_element(fds.end() - static_cast<std::ptrdiff_t>(third), fds.end());
  const double growth = 100.0 * static_cast<double>(late - early) / static_cast<double>(early);
  const bool flat = growth <= 5.0 && late_fds <= early_fds + o.calls;
  std::printf(
      "soak: %d workers, %.1f min, runs passed %ld failed %ld; median RSS first third %ld kB, last "
      "third %ld kB (%+.1f %%; peaks %ld -> %ld kB); descriptors %d -> %d: %s\n",
      o.calls, minutes(), passed.load(), failed.load(), early, late, growth,
      *std::max_element(first.begin(), first.end()), *std::max_element(last.begin(), last.end()),
      early_fds, late_fds, flat ? "flat" : "GREW");
  return flat ? 0 : 1;
}
