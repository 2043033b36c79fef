#include <algorithm>
#include <cmath>
#include <numeric>

#include "scenario/voice/timeline.hpp"

namespace scenario {

std::optional<double> LatencyMetrics::average() const {
  if (response_latencies.empty()) return std::nullopt;
  return std::accumulate(response_latencies.begin(), response_latencies.end(), 0.0) /
         static_cast<double>(response_latencies.size());
}

std::optional<double> LatencyMetrics::percentile(double p) const {
  if (response_latencies.empty()) return std::nullopt;
  std::vector<double> sorted = response_latencies;
  std::sort(sorted.begin(), sorted.end());
  // Nearest rank: the smallest value with at least p % of the values at or below it.
  const double rank =
      std::ceil(std::clamp(p, 0.0, 100.0) / 100.0 * static_cast<double>(sorted.size()));
  const auto index = static_cast<std::size_t>(std::max(1.0, rank)) - 1;
  return sorted[index];
}

}  // namespace scenario
