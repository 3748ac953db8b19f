#include "stream/backoff.hpp"

#include <algorithm>

namespace syncbridge::stream {

bool RetryPolicy::IsRetryable(const common::Error& error) {
  switch (error.kind) {
    case common::ErrorKind::kTransient:
    case common::ErrorKind::kThrottled:
    case common::ErrorKind::kProtocol:
      return true;
    case common::ErrorKind::kPermanent:
    case common::ErrorKind::kConfig:
      return false;
  }
  return false;
}

bool RetryPolicy::OnFailure(const common::Error& error) {
  ++failures_;
  if (!IsRetryable(error)) return false;
  return max_failures_ == 0 || failures_ <= max_failures_;
}

BackoffPolicy::BackoffPolicy(std::chrono::milliseconds initial, std::chrono::milliseconds maximum,
                             double scaling, Random random)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      maximum_(std::max(maximum, initial_)),
      scaling_(std::max(scaling, 1.0)),
      current_(initial_),
      random_(std::move(random)) {
  if (!random_) {
    // Each policy owns its generator: no shared mutable state between streams.
    random_ = [engine = std::mt19937_64(std::random_device{}()),
               dist = std::uniform_real_distribution<double>(0.0, 1.0)]() mutable {
      return dist(engine);
    };
  }
}

std::chrono::milliseconds BackoffPolicy::OnCompletion() {
  double upper = static_cast<double>(current_.count());
  double r = std::clamp(random_(), 0.0, 1.0);
  auto delay = std::chrono::milliseconds(static_cast<std::int64_t>(upper / 2 + r * upper / 2));
  double next = std::min(upper * scaling_, static_cast<double>(maximum_.count()));
  current_ = std::chrono::milliseconds(static_cast<std::int64_t>(next));
  return std::max(delay, std::chrono::milliseconds(1));
}

}  // namespace syncbridge::stream
