// The daemon's log: one JSON object per line on stderr with the fixed keys
// of STYLE.md (slot, lsn, sync, target, attempt, http_status,
// retry_after_ms), never a secret, token or row value.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/lsn.hpp"

namespace syncbridge::daemon {

struct LogFields {
  std::optional<common::Lsn> lsn;
  std::string sync;
  int target = 0;
  int attempt = 0;
  int http_status = 0;
  long long retry_after_ms = 0;
  nlohmann::json extra;  // more keys (counts in the stats line)

  static LogFields ForSync(std::string sync, nlohmann::json extra = nullptr) {
    LogFields f;
    f.sync = std::move(sync);
    f.extra = std::move(extra);
    return f;
  }
  static LogFields At(common::Lsn lsn, nlohmann::json extra = nullptr) {
    LogFields f;
    f.lsn = lsn;
    f.extra = std::move(extra);
    return f;
  }
};

class JsonLog {
 public:
  explicit JsonLog(std::string slot) : slot_(std::move(slot)) {}

  void operator()(const char* level, const std::string& message, const LogFields& f = {}) const {
    nlohmann::json line;
    line["ts"] = Now();
    line["level"] = level;
    line["slot"] = slot_;
    if (f.lsn) line["lsn"] = f.lsn->ToString();
    if (!f.sync.empty()) line["sync"] = f.sync;
    if (f.target) line["target"] = f.target;
    if (f.attempt) line["attempt"] = f.attempt;
    if (f.http_status) line["http_status"] = f.http_status;
    if (f.retry_after_ms) line["retry_after_ms"] = f.retry_after_ms;
    line["msg"] = message;
    if (f.extra.is_object())
      for (const auto& [k, v] : f.extra.items()) line[k] = v;
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fputs(text.c_str(), stderr);
  }

 private:
  static std::string Now() {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    char millis[8];
    std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms));
    return std::string(buf) + millis;
  }
  std::string slot_;
};

}  // namespace syncbridge::daemon
