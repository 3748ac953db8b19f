#include "access_log.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "clock.hpp"

namespace syncbridge::emulator {

std::vector<std::string> BatchLists(const std::string& body) {
  std::vector<std::string> lists;
  nlohmann::json batch = nlohmann::json::parse(body, nullptr, false);
  if (!batch.is_object() || !batch.contains("requests") || !batch["requests"].is_array()) return lists;
  for (const auto& request : batch["requests"]) {
    if (!request.is_object() || !request.contains("url") || !request["url"].is_string()) continue;
    std::string url = request["url"].get<std::string>();
    url = url.substr(0, url.find('?'));
    // "[/v1.0]/sites/{site}/lists/{list}[/…]" → "/sites/{site}/lists/{list}"
    auto sites = url.find("/sites/");
    if (sites == std::string::npos) continue;
    auto lists_at = url.find("/lists/", sites);
    if (lists_at == std::string::npos) continue;
    auto end = url.find('/', lists_at + 7);
    std::string list = url.substr(sites, end == std::string::npos ? std::string::npos : end - sites);
    if (std::find(lists.begin(), lists.end(), list) == lists.end()) lists.push_back(std::move(list));
  }
  return lists;
}

AccessLog::AccessLog(const std::string& path) {
  if (path.empty()) return;
  out_.open(path, std::ios::app);
  if (!out_) throw std::runtime_error("cannot open log file " + path);
  enabled_ = true;
}

void AccessLog::Record(const std::string& method, const std::string& path, int status, double elapsed_ms,
                       const std::string& fault, const std::vector<std::string>& batch_lists) {
  if (!enabled_) return;
  nlohmann::json line = {{"ts", FormatIsoMillis(Clock::now())}, {"method", method}, {"path", path},
                         {"status", status}, {"elapsed_ms", elapsed_ms}};
  if (!fault.empty()) line["fault"] = fault;
  if (!batch_lists.empty()) line["batch_lists"] = batch_lists;
  std::lock_guard lock(mutex_);
  out_ << line.dump() << '\n';
  out_.flush();
}

}  // namespace syncbridge::emulator
