#pragma once
// A bot speaking the toy protocol (toy_protocol.hpp), the agent under test of the toy adapter's
// example. It answers each committed caller turn with the next of its replies (espeak-ng), in
// real time in 20 ms chunks with a transcript, and stops when interrupted.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "scenario/net/websocket.hpp"

namespace toy {

struct ToyBotOptions {
  std::vector<std::string> replies{"Hello from the toy bot. How can I help you today?"};
  /// Sent before the first reply: a message the protocol does not allow, to show a recoverable
  /// error on the timeline.
  bool garble_first_reply = false;
};

struct ToyBotLog {
  int commits = 0;
  std::vector<std::int64_t> interrupts_heard_ms{};
  std::uint64_t audio_frames = 0;
  std::uint64_t odd_sized_frames = 0;  ///< caller frames that were not exactly 20 ms
  std::uint64_t samples = 0;
};

class ToyBot {
 public:
  ToyBot(scenario::net::EventLoop& loop, ToyBotOptions options = {});
  ~ToyBot();
  std::string url() const;
  ToyBotLog log() const;

 private:
  struct Call;
  ToyBotOptions options_;
  std::vector<std::vector<std::int16_t>> speech_;  ///< each reply at 16 kHz
  mutable std::mutex mutex_;
  ToyBotLog log_;
  std::unique_ptr<scenario::net::Server> server_;
};

}  // namespace toy
