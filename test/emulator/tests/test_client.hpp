// A small libcurl client for the tests: every behaviour is exercised over
// real HTTP against the real API paths.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace syncbridge::emulator::testing {

struct ClientResponse {
  long status = 0;  // 0 when the transfer failed (reset, timeout)
  std::map<std::string, std::string> headers;  // lowercased names
  std::string body;
  std::string error;  // curl's message when status is 0

  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct RequestOptions {
  std::map<std::string, std::string> headers;
  long timeout_ms = 10000;
};

ClientResponse Send(const std::string& method, const std::string& url, const std::string& body = "",
                    const RequestOptions& options = {});

}  // namespace syncbridge::emulator::testing
