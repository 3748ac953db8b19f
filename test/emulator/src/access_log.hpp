// Optional --log FILE: one JSON line per request. Never logs bodies or
// Authorization headers, which carry secrets and tokens.
#pragma once

#include <fstream>
#include <mutex>
#include <string>

namespace syncbridge::emulator {

class AccessLog {
 public:
  // An empty path disables the log.
  explicit AccessLog(const std::string& path);
  bool enabled() const { return enabled_; }
  void Record(const std::string& method, const std::string& path, int status, double elapsed_ms,
              const std::string& fault);

 private:
  bool enabled_ = false;
  std::mutex mutex_;
  std::ofstream out_;
};

}  // namespace syncbridge::emulator
