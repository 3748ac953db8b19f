#include "graph_throttle.hpp"

#include <algorithm>
#include <cmath>

#include "graph_errors.hpp"

namespace syncbridge::emulator {

ThrottleDecision SpendResourceUnits(EmulatorState& state, const std::string& app_key, ResourceUnitCost cost,
                                    TimePoint now) {
  auto units = static_cast<int64_t>(cost);
  state.stats.AddResourceUnits(units);
  ThrottleDecision decision;
  const int64_t limit = state.limits.ru_per_minute;
  if (limit <= 0) return decision;

  auto& bucket = state.world.ru_buckets[app_key];
  const double capacity = static_cast<double>(limit);
  const double refill_per_second = capacity / 60.0;
  if (!bucket.initialised) {
    bucket = ResourceUnitBucket{capacity, now, true};
  } else {
    double elapsed = std::chrono::duration<double>(now - bucket.refilled_at).count();
    bucket.balance = std::min(capacity, bucket.balance + elapsed * refill_per_second);
    bucket.refilled_at = now;
  }
  // A request is admitted when the bucket holds its cost; either way the
  // cost is spent. The debt is bounded to one minute of budget.
  bool admitted = bucket.balance >= static_cast<double>(units);
  bucket.balance = std::max(-capacity, bucket.balance - static_cast<double>(units));

  decision.limit = limit;
  decision.remaining = std::max<int64_t>(0, static_cast<int64_t>(std::floor(bucket.balance)));
  decision.reset_seconds =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil((capacity - bucket.balance) / refill_per_second)));
  decision.report_headers = bucket.balance <= capacity * 0.2;
  if (!admitted) {
    decision.throttled = true;
    // Long enough for this request's cost to be back in the bucket.
    double deficit = static_cast<double>(units) - bucket.balance;
    decision.retry_after_seconds = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(deficit / refill_per_second)));
    state.stats.CountThrottled();
  }
  return decision;
}

void ApplyThrottleHeaders(const ThrottleDecision& decision, HttpResponse& response) {
  if (decision.report_headers) {
    response.AddHeader("RateLimit-Limit", std::to_string(decision.limit));
    response.AddHeader("RateLimit-Remaining", std::to_string(decision.remaining));
    response.AddHeader("RateLimit-Reset", std::to_string(decision.reset_seconds));
  }
  if (decision.throttled) response.AddHeader("Retry-After", std::to_string(decision.retry_after_seconds));
}

HttpResponse ThrottledResponse(const ThrottleDecision& decision, double share_503) {
  HttpResponse response = share_503 > 0 && RandomUnit() < share_503
                              ? GraphError(503, "serverBusy", "The server is too busy. Try again later.")
                              : GraphError(429, "activityLimitReached", "The request has been throttled");
  ApplyThrottleHeaders(decision, response);
  return response;
}

}  // namespace syncbridge::emulator
