// Full-scenario load: N concurrent runs of the main job's scenario (examples/ivr_bot/
// ivr_demo_scenario.cpp: greeting, a key, a barge-in, a silence, a goodbye; recorded and saved)
// against one reference IVR bot in its own process, as a user would run them. The bot writes its
// own timing per call (ivr_bot --call-log: when the caller's speech ended and its answer began,
// when the caller spoke over it and its prompt went silent), so every figure measured from a
// run's recording is compared with the truth of that very call.
//
//   scenario_load [--calls 1,10,50,100,200] [--out DIR] [--no-save] [--priority N]
//                 [--no-lock-memory]
//
// The runs share one network loop whose thread runs at SCHED_RR --priority (default 10; 0 for
// normal scheduling), and which locks the process's memory (EventLoopOptions::lock_memory) unless
// --no-lock-memory: with a hundred run threads allocating, page faults otherwise stall that thread
// on the address-space lock and agent audio arrives late in bursts. The bot gets the same priority.
//
// Per N: runs passed; wall time per run over the call's audio duration; CPU of each process (in
// cores); RSS per run; measured response latency and interrupt response (p50/p99) and their
// error against the bot's truth (p50/p99/max of |measured - truth|). Ends with the largest N where
// every run passed, p99 error <= 2 ms and wall time within 5 % of the audio.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ivr_demo_scenario.hpp"
#include "process_stats.hpp"
#include "scenario/adapters/pipecat.hpp"
#include "scenario/scenario.hpp"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using namespace scenario;
using nlohmann::json;

struct Options {
  std::vector<int> counts{1, 10, 50, 100, 200};
  std::filesystem::path out = "artifacts/scenario_load";
  bool save = true;
  int priority = 10;
  bool lock_memory = true;
};

/// The bot as its own process, with its call log.
class BotProcess {
 public:
  BotProcess(const std::filesystem::path& call_log, int priority) {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    const std::string log = call_log.string();
    std::vector<std::string> args{SCENARIO_IVR_BOT,
                                  "--port",
                                  "0",
                                  "--response-delay-ms",
                                  "300",
                                  "--reaction-ms",
                                  "120",
                                  "--reprompt-ms",
                                  "2500",
                                  "--call-log",
                                  log,
                                  "--priority",
                                  std::to_string(priority)};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, SCENARIO_IVR_BOT, &actions, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error(std::string("cannot start ") + SCENARIO_IVR_BOT);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    char c = 0;
    while (read(pipe_fds[0], &c, 1) == 1 && c != '\n') url_ += c;
    close(pipe_fds[0]);
    if (url_.rfind("ws://", 0) != 0) throw std::runtime_error("the bot printed no URL: " + url_);
  }
  ~BotProcess() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  const std::string& url() const { return url_; }
  /// CPU (user + system) the bot has used so far, s.
  double cpu_seconds() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; fields >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);
      if (i == 15) break;
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

 private:
  pid_t pid_ = 0;
  std::string url_;
};

struct RunOutcome {
  bool success = false;
  std::string reasoning;
  std::string timeline_tail;        // of a failed run
  std::uint64_t marks_unheard = 0;  // marks still pending when the bot closed
  double wall = 0, audio = 0;
  std::vector<double> latencies, interrupts;  // s, measured from the recording
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::min(rank == 0 ? 0 : rank - 1, v.size() - 1)];
}

/// The bot's log lines for this round's runs, by run id (waits until all N have ended).
std::map<std::string, json> bot_truth(const std::filesystem::path& file, const std::string& round,
                                      int n) {
  std::map<std::string, json> calls;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    calls.clear();
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      const auto j = json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      const auto run = j["custom_parameters"].value("run", "");
      if (run.rfind(round + "/", 0) == 0) calls[run] = j;
    }
    if (static_cast<int>(calls.size()) >= n) break;
    std::this_thread::sleep_for(200ms);
  }
  return calls;
}

struct Row {
  int n = 0, passed = 0;
  double wall_over_audio_p50 = 0, wall_over_audio_max = 0;
  double cores_ours = 0, cores_bot = 0, rss_per_run_mb = 0;
  std::vector<double> latency, interrupt, latency_error, interrupt_error;  // ms, |measured - truth|
  std::vector<double> latency_signed, interrupt_signed;                    // ms, measured - truth
  int unmatched = 0;
  std::uint64_t marks_unheard = 0;
  std::string first_failure;
  bool holds() const {
    auto p99 = [](const std::vector<double>& v) { return v.empty() ? 0.0 : percentile(v, 99); };
    return passed == n && unmatched == 0 && p99(latency_error) <= 2.0 &&
           p99(interrupt_error) <= 2.0 && wall_over_audio_max <= 1.05;
  }
};

Row run_round(int n, const Options& o, net::EventLoop& loop, BotProcess& bot,
              const std::filesystem::path& call_log) {
  const std::string round = "n" + std::to_string(n);
  std::vector<RunOutcome> outcomes(static_cast<std::size_t>(n));
  const long rss0 = bench::rss_kb();
  std::atomic<long> rss_peak{rss0};
  const double cpu0 = bench::cpu_seconds(), bot_cpu0 = bot.cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> runs;
  for (int i = 0; i < n; ++i) {
    runs.emplace_back([&, i] {
      auto ivr = std::make_shared<adapters::PipecatAgentAdapter>(
          adapters::PipecatOptions{.url = bot.url(),
                                   .custom_parameters = {{"run", round + "/" + std::to_string(i)}},
                                   .turn = {.hangover = 700ms},
                                   .loop = &loop});
      const auto start = std::chrono::steady_clock::now();
      auto result = run(examples::ivr_demo_scenario(ivr));
      auto& out = outcomes[static_cast<std::size_t>(i)];
      out.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      out.success = result.success;
      out.reasoning = result.reasoning;
      for (const auto& failed : result.failed_criteria) out.reasoning += " [" + failed + "]";
      if (!result.success) {
        // The end of the failed run's timeline: usually enough to see what went wrong.
        const auto& t = result.timeline;
        for (std::size_t k = t.size() > 6 ? t.size() - 6 : 0; k < t.size(); ++k) {
          char at[32];
          std::snprintf(at, sizeof at, "%9.3f s ", t[k].time);
          out.timeline_tail +=
              "        " + std::string(at) + t[k].type + " " + t[k].metadata.dump() + "\n";
        }
      }
      out.audio = result.recording.duration_seconds();
      out.latencies = result.latency.response_latencies;
      out.interrupts = result.latency.interrupt_response_times;
      out.marks_unheard = ivr->stats().marks_unheard_at_close;
      if (o.save) {
        const auto dir = o.out / round / std::to_string(i);
        result.recording.save_segments(dir);
        result.recording.save(dir / "call.flac");
      }
    });
  }
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      rss_peak = std::max(rss_peak.load(), bench::rss_kb());
      std::this_thread::sleep_for(100ms);
    }
  });
  for (auto& t : runs) t.join();
  done = true;
  sampler.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  Row row;
  row.n = n;
  row.cores_ours = (bench::cpu_seconds() - cpu0) / wall;
  row.cores_bot = (bot.cpu_seconds() - bot_cpu0) / wall;
  row.rss_per_run_mb = static_cast<double>(rss_peak - rss0) / 1024.0 / n;

  const auto truth = bot_truth(call_log, round, n);
  std::vector<double> wall_ratio;
  for (int i = 0; i < n; ++i) {
    const auto& out = outcomes[static_cast<std::size_t>(i)];
    row.passed += out.success ? 1 : 0;
    row.marks_unheard += out.marks_unheard;
    if (!out.success && row.first_failure.empty())
      row.first_failure =
          "run " + std::to_string(i) + ": " + out.reasoning + ", ending:\n" + out.timeline_tail;
    if (out.audio > 0) wall_ratio.push_back(out.wall / out.audio);
    for (const double l : out.latencies) row.latency.push_back(l * 1000);
    for (const double l : out.interrupts) row.interrupt.push_back(l * 1000);
    const auto it = truth.find(round + "/" + std::to_string(i));
    if (it == truth.end()) {
      ++row.unmatched;
      continue;
    }
    const auto answers = it->second["speech_answer_ms"].get<std::vector<double>>();
    const auto stops = it->second["barge_in_stop_ms"].get<std::vector<double>>();
    if (answers.size() != out.latencies.size() || stops.size() != out.interrupts.size()) {
      ++row.unmatched;
      continue;
    }
    for (std::size_t k = 0; k < answers.size(); ++k) {
      row.latency_signed.push_back(out.latencies[k] * 1000 - answers[k]);
      row.latency_error.push_back(std::abs(row.latency_signed.back()));
    }
    for (std::size_t k = 0; k < stops.size(); ++k) {
      row.interrupt_signed.push_back(out.interrupts[k] * 1000 - stops[k]);
      row.interrupt_error.push_back(std::abs(row.interrupt_signed.back()));
    }
  }
  row.wall_over_audio_p50 = percentile(wall_ratio, 50);
  row.wall_over_audio_max = wall_ratio.empty() ? NAN : percentile(wall_ratio, 100);
  return row;
}

bool parse(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-save") {
      o.save = false;
    } else if (arg == "--no-lock-memory") {
      o.lock_memory = false;
    } else if (arg == "--priority" && i + 1 < argc) {
      char* end = nullptr;
      const long v = std::strtol(argv[++i], &end, 10);
      if (end == argv[i] || *end != '\0' || v < 0 || v > 99) {
        std::fprintf(stderr, "scenario_load: --priority takes 0 (normal) to 99, not '%s'\n",
                     argv[i]);
        return false;
      }
      o.priority = static_cast<int>(v);
    } else if (arg == "--calls" && i + 1 < argc) {
      o.counts.clear();
      std::stringstream list(argv[++i]);
      for (std::string item; std::getline(list, item, ',');) {
        char* end = nullptr;
        const long v = std::strtol(item.c_str(), &end, 10);
        if (end == item.c_str() || *end != '\0' || v < 1 || v > 2000) {
          std::fprintf(stderr, "scenario_load: --calls takes counts from 1 to 2000, not '%s'\n",
                       item.c_str());
          return false;
        }
        o.counts.push_back(static_cast<int>(v));
      }
    } else if (arg == "--out" && i + 1 < argc) {
      o.out = argv[++i];
    } else {
      std::fprintf(stderr, "scenario_load: unknown or incomplete option '%s'\n", arg.c_str());
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse(argc, argv, o)) return 2;
  bench::raise_descriptor_limit();
  std::filesystem::create_directories(o.out);
  const auto call_log = o.out / "bot_calls.jsonl";
  std::filesystem::remove(call_log);
  try {
    net::EventLoop loop(
        {.threads = 1, .realtime_priority = o.priority, .lock_memory = o.lock_memory});
    std::printf("network thread: %s; memory: %s\n", loop.scheduling().c_str(),
                loop.memory().c_str());
    BotProcess bot(call_log, o.priority);
    std::printf("%5s %7s %12s %11s %8s %9s %15s %15s %17s %17s\n", "N", "passed", "wall/audio",
                "cores us+bot", "", "MB/run", "latency 50/99", "interrupt 50/99",
                "lat err 50/99/max", "int err 50/99/max");
    int best = 0;
    for (const int n : o.counts) {
      const auto r = run_round(n, o, loop, bot, call_log);
      std::printf(
          "%5d %3d/%-3d %5.3f/%5.3f %5.2f+%5.2f %8s %9.1f %7.0f/%-7.0f %7.0f/%-7.0f "
          "%5.1f/%5.1f/%5.1f %5.1f/%5.1f/%5.1f %s\n",
          r.n, r.passed, r.n, r.wall_over_audio_p50, r.wall_over_audio_max, r.cores_ours,
          r.cores_bot, "", r.rss_per_run_mb, percentile(r.latency, 50), percentile(r.latency, 99),
          percentile(r.interrupt, 50), percentile(r.interrupt, 99), percentile(r.latency_error, 50),
          percentile(r.latency_error, 99), percentile(r.latency_error, 100),
          percentile(r.interrupt_error, 50), percentile(r.interrupt_error, 99),
          percentile(r.interrupt_error, 100), r.holds() ? "holds" : "FAILS");
      std::printf(
          "      measured - truth, ms: latency min %.1f median %.1f max %.1f; interrupt min %.1f "
          "median %.1f max %.1f\n",
          percentile(r.latency_signed, 0), percentile(r.latency_signed, 50),
          percentile(r.latency_signed, 100), percentile(r.interrupt_signed, 0),
          percentile(r.interrupt_signed, 50), percentile(r.interrupt_signed, 100));
      if (r.unmatched > 0) std::printf("      %d runs without a matching bot log\n", r.unmatched);
      if (r.marks_unheard > 0)
        std::printf("      %llu marks still waiting for their echo when the bot closed\n",
                    static_cast<unsigned long long>(r.marks_unheard));
      if (!r.first_failure.empty())
        std::printf("      %d failed; the first, %s", r.n - r.passed, r.first_failure.c_str());
      std::fflush(stdout);
      if (r.holds()) best = std::max(best, n);
    }
    std::printf(
        "largest N where every run passed, p99 |measured - bot's truth| <= 2 ms and wall time "
        "within 5 %% of the audio: %d\n",
        best);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scenario_load: %s\n", e.what());
    return 1;
  }
}
