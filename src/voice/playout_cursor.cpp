#include "scenario/voice/playout_cursor.hpp"

#include <algorithm>
#include <stdexcept>

namespace scenario {

PlayoutCursor::Position PlayoutCursor::play(Position length, Position at) {
  if (length < 0) throw std::invalid_argument("PlayoutCursor::play: negative length");
  const Position start = std::max(at, end_);
  end_ = start + length;
  return start;
}

PlayoutCursor::Position PlayoutCursor::mark(std::string name, Position at) {
  const Position due = std::max(at, end_);
  marks_.emplace_back(due, std::move(name));
  return due;
}

std::vector<std::string> PlayoutCursor::take_due_marks(Position now) {
  std::vector<std::string> due;
  while (!marks_.empty() && marks_.front().first <= now) {
    due.push_back(std::move(marks_.front().second));
    marks_.pop_front();
  }
  return due;
}

std::optional<PlayoutCursor::Position> PlayoutCursor::next_mark_due() const {
  if (marks_.empty()) return std::nullopt;
  return marks_.front().first;
}

PlayoutCursor::Cleared PlayoutCursor::clear(Position at) {
  Cleared cleared;
  if (end_ > at) {
    cleared.dropped = end_ - at;
    end_ = at;
  }
  for (auto& [due, name] : marks_) cleared.marks.push_back(std::move(name));
  marks_.clear();
  return cleared;
}

}  // namespace scenario
