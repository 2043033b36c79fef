#pragma once

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <string_view>

namespace scenario::llm {

/// Retries on 429 (honouring Retry-After), 5xx and connection errors, with exponential backoff
/// and jitter: delay(n) = min(max, initial · multiplier^n) · (1 ± jitter).
struct RetryPolicy {
  int max_attempts = 4;  ///< including the first
  std::chrono::milliseconds initial_backoff{500};
  double multiplier = 2.0;
  std::chrono::milliseconds max_backoff{20000};
  double jitter = 0.2;
  /// Longest Retry-After we wait for; a longer one ends the retries with the error.
  std::chrono::milliseconds max_retry_after{60000};
};

/// The delay before retry number `retry` (0 for the first retry), `random01` in [0, 1).
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, double random01);

/// Retry-After as seconds ("7") or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT", relative to
/// `now`). nullopt when unparsable.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value, std::time_t now);

/// How retries wait; tests use a fake that records the delays instead of sleeping.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds delay) = 0;
};
std::shared_ptr<Sleeper> real_sleeper();

}  // namespace scenario::llm
