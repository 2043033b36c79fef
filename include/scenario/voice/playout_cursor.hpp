#pragma once
// What the caller has heard so far: the one model of "audio played out in real time" that the
// recorder (the agent's track), the phone-line adapters (Twilio marks and `clear` towards a bot)
// and the fake Twilio (marks echoed after playout) share, and that realtime truncation reads.
//
// Positions are on one time axis in a unit the owner picks (the recorder: 24 kHz samples of the
// run; adapters: nanoseconds of the run clock). Audio that arrives while earlier audio is still
// playing is queued behind it; audio that arrives after a gap starts when it arrives. A mark is
// due once everything queued before it has been heard; `clear` drops what has not been heard and
// makes every pending mark due at once (twilio-media-streams.md: "mark", "clear").

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace scenario {

class PlayoutCursor {
 public:
  using Position = std::int64_t;

  /// Audio lasting `length` arrives at `at`: it plays from max(at, end()). Returns its start.
  Position play(Position length, Position at);
  /// A mark after everything queued so far, named as the peer named it. Returns when it is due.
  Position mark(std::string name, Position at);
  /// Marks heard by `now`, in the order they were queued (removed from the cursor).
  std::vector<std::string> take_due_marks(Position now);
  /// When the earliest pending mark is due, if there is one.
  std::optional<Position> next_mark_due() const;
  /// Marks not yet due.
  std::size_t pending_marks() const noexcept { return marks_.size(); }

  struct Cleared {
    Position dropped = 0;            ///< queued audio that will not be heard
    std::vector<std::string> marks;  ///< every pending mark, due now
  };
  /// Playout stops at `at`: audio queued after it is dropped, pending marks come back at once.
  Cleared clear(Position at);

  /// Where the queued audio ends (the next audio starts here at the earliest).
  Position end() const noexcept { return end_; }
  /// How far the current stretch of audio has been heard by `now` (never past end()).
  Position heard(Position now) const noexcept { return now < end_ ? now : end_; }
  /// Audio queued and not yet heard at `now`.
  Position pending(Position now) const noexcept { return now < end_ ? end_ - now : 0; }

 private:
  Position end_ = 0;
  std::deque<std::pair<Position, std::string>> marks_;
};

}  // namespace scenario
