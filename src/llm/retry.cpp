#include "scenario/llm/retry.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string>
#include <thread>

namespace scenario::llm {

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random01) {
  const double base =
      static_cast<double>(policy.initial_backoff.count()) * std::pow(policy.multiplier, retry);
  const double capped = std::min(base, static_cast<double>(policy.max_backoff.count()));
  const double factor = 1.0 + policy.jitter * (2.0 * random01 - 1.0);
  return std::chrono::milliseconds(static_cast<long long>(std::llround(capped * factor)));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::time_t now) {
  std::string text(value);
  const auto b = text.find_first_not_of(" \t");
  if (b == std::string::npos) return std::nullopt;
  text = text.substr(b);
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (text.size() > 9) return std::nullopt;
    return std::chrono::milliseconds(std::stoll(text) * 1000);
  }
  // A decimal number of seconds (some providers send "1.5").
  try {
    std::size_t used = 0;
    const double seconds = std::stod(text, &used);
    if (used == text.size() && seconds >= 0 && seconds < 1e6) {
      return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
    }
  } catch (const std::exception&) {
  }
  // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr) return std::nullopt;
  const std::time_t at = timegm(&tm);
  return std::chrono::milliseconds(std::max<long long>(0, static_cast<long long>(at - now)) * 1000);
}

namespace {
class RealSleeper : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds delay) override { std::this_thread::sleep_for(delay); }
};
}  // namespace

std::shared_ptr<Sleeper> real_sleeper() {
  static const auto sleeper = std::make_shared<RealSleeper>();
  return sleeper;
}

}  // namespace scenario::llm
