#include "confluence_rate_limit.hpp"

#include <algorithm>
#include <cmath>

#include "confluence_errors.hpp"

namespace syncbridge::emulator {

std::optional<HttpResponse> CheckConfluenceBurst(EmulatorState& state, const std::string& caller, TimePoint now) {
  const int64_t limit = state.limits.confluence_burst_per_second;
  if (limit <= 0) return std::nullopt;
  auto& bucket = state.world.burst_buckets[caller];
  const double capacity = static_cast<double>(limit);
  if (!bucket.initialised) {
    bucket = BurstBucket{capacity, now, true};
  } else {
    double elapsed = std::chrono::duration<double>(now - bucket.refilled_at).count();
    bucket.tokens = std::min(capacity, bucket.tokens + elapsed * capacity);
    bucket.refilled_at = now;
  }
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  state.stats.CountThrottled();
  double wait_seconds = (1.0 - bucket.tokens) / capacity;
  auto reset_at = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait_seconds));
  HttpResponse response = ConfluenceV2Error(429, "TOO_MANY_REQUESTS", "Rate limit exceeded.");
  // Retry-After is in whole seconds, so never 0.
  response.AddHeader("Retry-After", std::to_string(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_seconds)))));
  response.AddHeader("X-RateLimit-Limit", std::to_string(limit));
  response.AddHeader("X-RateLimit-Remaining", "0");
  response.AddHeader("X-RateLimit-Reset", FormatIsoMillis(reset_at));
  response.AddHeader("RateLimit-Reason", "confluence-burst-limit");
  return response;
}

}  // namespace syncbridge::emulator
