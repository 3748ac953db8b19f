// Whether to retry (RetryPolicy) is kept apart from how long to wait
// (Backoff), as google-cloud-cpp does, and both take their clock and
// randomness from the caller so tests can drive them.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace syncbridge::http {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
  int max_attempts = 10;
  Millis max_elapsed{std::chrono::minutes(15)};

  // 408, 429, 500, 502, 503, 504 and transport failures (status 0) are worth
  // another try; every other status is the answer.
  static bool RetryableStatus(int status);
  bool ShouldRetry(int status, int attempts_made, Millis elapsed) const;
};

struct BackoffPolicy {
  Millis initial{250};
  Millis maximum{std::chrono::seconds(60)};
  double multiplier = 2.0;
};

// Truncated exponential back-off with "equal jitter": half the ceiling plus a
// random half, so waits grow but never collapse to zero.
class Backoff {
 public:
  // uniform01() returns a number in [0, 1).
  Backoff(BackoffPolicy policy, std::function<double()> uniform01)
      : policy_(policy), uniform01_(std::move(uniform01)) {}
  // The wait before attempt number `retry` (1 = first retry).
  Millis Delay(int retry) const;

 private:
  BackoffPolicy policy_;
  std::function<double()> uniform01_;
};

// Retry-After is either delta-seconds ("120") or an HTTP-date
// ("Wed, 21 Oct 2026 07:28:00 GMT"); nullopt when it is neither. A date in
// the past means now.
std::optional<Millis> ParseRetryAfter(std::string_view value, std::chrono::system_clock::time_point now);

// Atlassian's X-RateLimit-Reset: an ISO 8601 instant ("2026-11-23T09:00:00Z" or
// with fractional seconds); the wait until then.
std::optional<Millis> ParseResetInstant(std::string_view value, std::chrono::system_clock::time_point now);

// The wait before the next attempt: never shorter than the server asked for.
Millis NextDelay(const Backoff& backoff, int retry, std::optional<Millis> server_asked);

}  // namespace syncbridge::http
