// Lists told to wait (a throttled answer with Retry-After), as the HTTP
// workers see them. The scheduler pauses a list only when the owner's loop
// runs the throttled batch's completion; a batch the loop handed to a worker
// meanwhile would leave before Retry-After. The worker that gets the answer
// closes the gate at once, and every worker checks it before each request.
#pragma once

#include <map>
#include <mutex>
#include <optional>

#include "dispatch/scheduler.hpp"

namespace syncbridge::dispatch {

class ThrottleGate {
 public:
  // Requests to `target_id` wait until `until` (a later close only extends).
  void Close(int target_id, Clock::time_point until) {
    std::lock_guard lock(mu_);
    auto& at = until_[target_id];
    if (until > at) at = until;
  }
  // Until when requests to `target_id` must wait, if they must now.
  std::optional<Clock::time_point> ClosedUntil(int target_id, Clock::time_point now) const {
    std::lock_guard lock(mu_);
    auto it = until_.find(target_id);
    if (it == until_.end() || it->second <= now) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<int, Clock::time_point> until_;
};

}  // namespace syncbridge::dispatch
