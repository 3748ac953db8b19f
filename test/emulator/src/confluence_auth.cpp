#include "confluence_auth.hpp"

#include "url.hpp"

namespace syncbridge::emulator {
namespace {

HttpResponse OAuthError(int status, const std::string& error, const std::string& description) {
  return JsonResponse(status, {{"error", error}, {"error_description", description}});
}

std::optional<std::string> BearerToken(const RequestContext& context) {
  auto header = context.request.headers.Get("Authorization");
  if (!header || header->size() < 7 || Headers::Lower(header->substr(0, 7)) != "bearer ") return std::nullopt;
  return Trim(header->substr(7));
}

}  // namespace

HttpResponse HandleAtlassianToken(RequestContext& context) {
  if (context.request.method != "POST") return OAuthError(405, "invalid_request", "Method not allowed");
  // The endpoint takes JSON; form encoding is accepted as well.
  nlohmann::json body = nlohmann::json::parse(context.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    body = nlohmann::json::object();
    for (const auto& [key, value] : ParseQuery(context.request.body)) body[key] = value;
  }
  auto field = [&](const char* name) {
    return body.contains(name) && body[name].is_string() ? body[name].get<std::string>() : std::string();
  };
  if (field("grant_type").empty()) return OAuthError(400, "invalid_request", "Missing grant_type");
  if (field("grant_type") != "refresh_token")
    return OAuthError(400, "unsupported_grant_type", "This emulator only serves the refresh_token grant");
  OAuthClient* client = nullptr;
  for (auto& candidate : context.state.world.oauth_clients)
    if (candidate.client_id == field("client_id")) client = &candidate;
  if (client == nullptr || client->client_secret != field("client_secret"))
    return OAuthError(401, "access_denied", "Unauthorized");
  // Refresh tokens rotate: only the most recently issued one works.
  if (field("refresh_token").empty() || field("refresh_token") != client->refresh_token)
    return OAuthError(403, "invalid_grant", "Unknown or invalid refresh token.");

  std::string access_token = "eyJraWQiOiJhdXRoLmF0bGFzc2lhbi5jb20i." + NewOpaqueToken(48);
  client->refresh_token = "eyJraWQiOiJyZWZyZXNoIn0." + NewOpaqueToken(48);
  int64_t lifetime = context.state.settings.confluence_token_expires_in;
  context.state.world.confluence_tokens[access_token] = ConfluenceAccessToken{
      client->client_id, client->cloud_id, client->account_id, context.now + std::chrono::seconds(lifetime)};
  return JsonResponse(200, {{"access_token", access_token},
                            {"refresh_token", client->refresh_token},
                            {"expires_in", lifetime},
                            {"token_type", "Bearer"},
                            {"scope", "read:confluence-content.all write:confluence-content read:confluence-space.summary "
                                      "search:confluence offline_access"}});
}

HttpResponse HandleAccessibleResources(RequestContext& context) {
  auto token = BearerToken(context);
  auto it = token ? context.state.world.confluence_tokens.find(*token) : context.state.world.confluence_tokens.end();
  if (it == context.state.world.confluence_tokens.end() || it->second.expires_at <= context.now)
    return JsonResponse(401, {{"code", 401}, {"message", "Unauthorized"}});
  return JsonResponse(200, nlohmann::json::array({{{"id", it->second.cloud_id},
                                                   {"url", context.base_url},
                                                   {"name", "emulator"},
                                                   {"scopes", {"read:confluence-content.all", "write:confluence-content",
                                                               "search:confluence"}},
                                                   {"avatarUrl", ""}}}));
}

std::optional<std::string> AuthenticateSiteCall(RequestContext& context) {
  auto header = context.request.headers.Get("Authorization");
  // A 3LO bearer token is not valid on the site URL.
  if (!header || header->size() < 6 || Headers::Lower(header->substr(0, 6)) != "basic ") return std::nullopt;
  auto decoded = Base64Decode(Trim(header->substr(6)));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string email = decoded->substr(0, colon);
  std::string token = decoded->substr(colon + 1);
  for (const auto& user : context.state.world.confluence_users)
    if (Headers::EqualsIgnoreCase(user.email, email) && user.api_token == token) return user.account_id;
  return std::nullopt;
}

std::optional<std::string> AuthenticateOAuthCall(RequestContext& context, const std::string& cloud_id) {
  auto token = BearerToken(context);
  if (!token) return std::nullopt;
  auto it = context.state.world.confluence_tokens.find(*token);
  if (it == context.state.world.confluence_tokens.end()) return std::nullopt;
  if (it->second.expires_at <= context.now || it->second.cloud_id != cloud_id) return std::nullopt;
  return it->second.account_id;
}

}  // namespace syncbridge::emulator
