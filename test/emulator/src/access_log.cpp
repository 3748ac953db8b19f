#include "access_log.hpp"

#include <nlohmann/json.hpp>

#include "clock.hpp"

namespace syncbridge::emulator {

AccessLog::AccessLog(const std::string& path) {
  if (path.empty()) return;
  out_.open(path, std::ios::app);
  if (!out_) throw std::runtime_error("cannot open log file " + path);
  enabled_ = true;
}

void AccessLog::Record(const std::string& method, const std::string& path, int status, double elapsed_ms,
                       const std::string& fault) {
  if (!enabled_) return;
  nlohmann::json line = {{"ts", FormatIsoMillis(Clock::now())}, {"method", method}, {"path", path},
                         {"status", status}, {"elapsed_ms", elapsed_ms}};
  if (!fault.empty()) line["fault"] = fault;
  std::lock_guard lock(mutex_);
  out_ << line.dump() << '\n';
  out_.flush();
}

}  // namespace syncbridge::emulator
