// Transport-neutral request and response. The Beast server converts to and
// from these, and $batch builds them for its inner requests, so every API
// handler runs the same way whether it came from a socket or from a batch.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace syncbridge::emulator {

// HTTP header names are case-insensitive; keys are stored lowercased.
class Headers {
 public:
  void Set(std::string_view name, std::string value) { values_[Lower(name)] = std::move(value); }
  std::optional<std::string> Get(std::string_view name) const {
    auto it = values_.find(Lower(name));
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  bool Has(std::string_view name) const { return values_.count(Lower(name)) != 0; }
  const std::map<std::string, std::string>& All() const { return values_; }

  // Case-insensitive (ASCII) equality without allocating.
  static bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
             return std::tolower(x) == std::tolower(y);
           });
  }
  static std::string Lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
  }

 private:
  std::map<std::string, std::string> values_;
};

using QueryParams = std::map<std::string, std::string>;

struct HttpRequest {
  std::string method;  // upper case, e.g. "GET"
  std::string target;  // as received: path plus optional ?query
  std::string path;    // percent-decoded path without the query
  QueryParams query;   // decoded query parameters (last one wins)
  Headers headers;
  std::string body;
};

struct HttpResponse {
  int status = 200;
  // Ordered, so a response may carry the same header name twice.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Filled by the handler so stats can count by route template, not by URL.
  std::string route;

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  std::optional<std::string> Header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (Headers::Lower(key) == Headers::Lower(name)) return value;
    return std::nullopt;
  }
};

inline HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse response;
  response.status = status;
  response.AddHeader("Content-Type", "application/json");
  response.body = body.dump();
  return response;
}

inline HttpResponse EmptyResponse(int status) {
  HttpResponse response;
  response.status = status;
  return response;
}

}  // namespace syncbridge::emulator
