#include "connectors/graph_token.hpp"

#include <nlohmann/json.hpp>

namespace syncbridge::connectors {

using nlohmann::json;

GraphTokenSource::GraphTokenSource(ClientCredentials credentials, Clock now)
    : credentials_(std::move(credentials)), now_(std::move(now)) {}

common::Result<std::string> GraphTokenSource::Token(http::Client& client) {
  std::lock_guard lock(mu_);
  if (!token_.empty() && now_() < refresh_at_) return token_;
  http::Request request{"POST",
                        credentials_.login_base_url + "/" + http::UrlEncode(credentials_.tenant) + "/oauth2/v2.0/token",
                        {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
                        http::FormEncode({{"client_id", credentials_.client_id},
                                          {"client_secret", credentials_.client_secret},
                                          {"grant_type", "client_credentials"},
                                          {"scope", credentials_.scope}})};
  auto sent = client.Send(request);
  if (!sent) return sent.Err();
  const http::Response& response = sent.Value();
  json body = json::parse(response.body, nullptr, false);
  if (response.status != 200) {
    std::string reason = "token request for tenant " + credentials_.tenant + " failed with HTTP " +
                         std::to_string(response.status);
    if (body.is_object() && body.contains("error"))
      reason += ": " + body.value("error", "") + " " + body.value("error_description", "");
    if (response.status == 429 || response.status >= 500) return common::TransientError(reason);
    return common::ConfigError(reason);
  }
  if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string())
    return common::ProtocolError("token response without access_token");
  std::int64_t expires_in = body.contains("expires_in") && body["expires_in"].is_number_integer()
                                ? body["expires_in"].get<std::int64_t>()
                                : 3599;
  // Renew at 90% of the lifetime, at most 5 minutes early: a request never
  // starts with a token about to lapse.
  std::int64_t margin = std::min<std::int64_t>(expires_in / 10, 300);
  token_ = body["access_token"].get<std::string>();
  refresh_at_ = now_() + std::chrono::seconds(expires_in - margin);
  ++fetches_;
  return token_;
}

void GraphTokenSource::Invalidate(const std::string& token) {
  std::lock_guard lock(mu_);
  if (token == token_) token_.clear();
}

int GraphTokenSource::Fetches() const {
  std::lock_guard lock(mu_);
  return fetches_;
}

std::string DefaultScopeFor(const std::string& graph_base_url) {
  // The scope names the Graph resource of the cloud, not the host we talk to:
  // national clouds have their own; a proxy or an emulator stands in for the
  // global service.
  static const char* const kNationalClouds[] = {"https://graph.microsoft.us", "https://dod-graph.microsoft.us",
                                                "https://microsoftgraph.chinacloudapi.cn"};
  for (const char* cloud : kNationalClouds) {
    std::string prefix = cloud;
    if (graph_base_url.compare(0, prefix.size(), prefix) == 0 &&
        (graph_base_url.size() == prefix.size() || graph_base_url[prefix.size()] == '/'))
      return prefix + "/.default";
  }
  return "https://graph.microsoft.com/.default";
}

}  // namespace syncbridge::connectors
