// Optional --log FILE: one JSON line per request. Never logs bodies or
// Authorization headers, which carry secrets and tokens.
#pragma once

#include <fstream>
#include <mutex>
#include <string>
#include <vector>

namespace syncbridge::emulator {

// The lists a Graph `$batch` body addresses: each inner request's URL cut
// after its `/sites/{site}/lists/{list}` part, each list once, in order of
// first appearance. The batch's own path names no list, so without this a
// log reader could not tell which list a throttled batch was for (the push
// tests check per list that nothing is sent before Retry-After). Empty for
// a body that is not a batch or whose requests name no list.
std::vector<std::string> BatchLists(const std::string& body);

class AccessLog {
 public:
  // An empty path disables the log.
  explicit AccessLog(const std::string& path);
  bool enabled() const { return enabled_; }
  // `batch_lists` (BatchLists of a $batch) is logged as "batch_lists" when
  // not empty.
  void Record(const std::string& method, const std::string& path, int status, double elapsed_ms,
              const std::string& fault, const std::vector<std::string>& batch_lists = {});

 private:
  bool enabled_ = false;
  std::mutex mutex_;
  std::ofstream out_;
};

}  // namespace syncbridge::emulator
