// App-only access tokens for Microsoft Graph (client-credentials grant),
// cached until shortly before they expire and dropped after a 401. Shared by
// the workers of one connection; the secret lives only in memory.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "common/status.hpp"
#include "http/client.hpp"

namespace syncbridge::connectors {

struct ClientCredentials {
  std::string login_base_url = "https://login.microsoftonline.com";
  std::string tenant;
  std::string client_id;
  std::string client_secret;
  std::string scope = "https://graph.microsoft.com/.default";
};

class GraphTokenSource {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit GraphTokenSource(ClientCredentials credentials, Clock now = std::chrono::steady_clock::now);

  // A token valid for at least the refresh margin. Identity errors
  // (unknown app, wrong secret) are config errors carrying AADSTS text,
  // never the secret.
  common::Result<std::string> Token(http::Client& client);
  // The service refused `token` (401): the next Token() fetches a new one.
  void Invalidate(const std::string& token);
  // How many tokens were fetched (for metrics and tests).
  int Fetches() const;

 private:
  ClientCredentials credentials_;
  Clock now_;
  mutable std::mutex mu_;
  std::string token_;
  std::chrono::steady_clock::time_point refresh_at_{};
  int fetches_ = 0;
};

// The ".default" scope of the Graph cloud a base URL belongs to:
// "https://graph.microsoft.us/v1.0" → "https://graph.microsoft.us/.default";
// any other host (global service, proxy, emulator) → the global Graph's.
std::string DefaultScopeFor(const std::string& graph_base_url);

}  // namespace syncbridge::connectors
