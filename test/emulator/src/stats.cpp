#include "stats.hpp"

namespace syncbridge::emulator {

void Stats::Clear() {
  requests_.clear();
  faults_.clear();
  ru_spent_ = 0;
  throttled_ = 0;
  max_concurrent_ = in_flight_.load();
}

void Stats::EnterRequest() {
  int64_t now = ++in_flight_;
  int64_t seen = max_concurrent_.load();
  while (now > seen && !max_concurrent_.compare_exchange_weak(seen, now)) {
  }
}

void Stats::LeaveRequest() { --in_flight_; }

nlohmann::json Stats::ToJson() const {
  nlohmann::json requests = nlohmann::json::object();
  int64_t total = 0;
  for (const auto& [route, by_status] : requests_) {
    nlohmann::json statuses = nlohmann::json::object();
    for (const auto& [status, count] : by_status) {
      statuses[std::to_string(status)] = count;
      total += count;
    }
    requests[route] = statuses;
  }
  return {{"requests", requests},
          {"total_requests", total},
          {"ru_spent", ru_spent_},
          {"throttled", throttled_},
          {"faults", faults_},
          {"in_flight", in_flight_.load()},
          {"max_concurrent", max_concurrent_.load()}};
}

}  // namespace syncbridge::emulator
