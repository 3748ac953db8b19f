// Counters for GET /_emulator/stats. Request counts and RU are updated under
// the state lock; the concurrency gauge is atomic because it is touched
// before and after the lock is taken.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace syncbridge::emulator {

class Stats {
 public:
  void CountRequest(const std::string& route, int status) { ++requests_[route][status]; }
  void AddResourceUnits(int64_t units) { ru_spent_ += units; }
  void CountThrottled() { ++throttled_; }
  void CountFault(const std::string& kind) { ++faults_[kind]; }
  void Clear();

  // The in-flight gauge is shared by all server threads.
  void EnterRequest();
  void LeaveRequest();

  nlohmann::json ToJson() const;

 private:
  std::map<std::string, std::map<int, int64_t>> requests_;
  std::map<std::string, int64_t> faults_;
  int64_t ru_spent_ = 0;
  int64_t throttled_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int64_t> max_concurrent_{0};
};

}  // namespace syncbridge::emulator
