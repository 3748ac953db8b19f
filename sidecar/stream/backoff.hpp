// Reconnect policies, kept apart as in google-cloud-cpp: RetryPolicy decides
// whether to try again, BackoffPolicy how long to wait. Both are plain values
// so tests can drive them with an injected random source and no clock.
#pragma once

#include <chrono>
#include <functional>
#include <random>

#include "common/status.hpp"

namespace syncbridge::stream {

class RetryPolicy {
 public:
  // max_failures = 0: retry retryable errors forever (pg_recvlogical's default).
  explicit RetryPolicy(int max_failures = 0) : max_failures_(max_failures) {}
  // Transient, throttled and protocol errors are retried (a protocol error
  // restarts from the confirmed position); config and permanent ones are not.
  static bool IsRetryable(const common::Error& error);
  // Records one failure; true when the caller should try again.
  bool OnFailure(const common::Error& error);
  // The stream made progress again: the failure count starts over.
  void OnSuccess() { failures_ = 0; }
  int Failures() const { return failures_; }

 private:
  int max_failures_;
  int failures_ = 0;
};

// Truncated exponential backoff with jitter: the n-th delay is drawn uniformly
// from [d/2, d] with d = min(maximum, initial * scaling^n), so reconnecting
// clients spread out but never retry faster than half the nominal delay.
class BackoffPolicy {
 public:
  using Random = std::function<double()>;  // uniform in [0, 1)

  BackoffPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
                double scaling = 2.0, Random random = {});
  std::chrono::milliseconds OnCompletion();
  void Reset() { current_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds maximum_;
  double scaling_;
  std::chrono::milliseconds current_;
  Random random_;
};

}  // namespace syncbridge::stream
