#include "ms_identity.hpp"

#include "graph_errors.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

// "https://graph.microsoft.com/.default" -> "https://graph.microsoft.com".
std::string AudienceOf(const std::string& scope) {
  std::string resource = Headers::Lower(scope.substr(0, scope.size() - std::string("/.default").size()));
  while (!resource.empty() && resource.back() == '/') resource.pop_back();
  return resource;
}

// Graph takes tokens for itself only: its URL or application id, or (so a
// client that derives the scope from its Graph base URL works against the
// emulator) the emulator's own origin.
bool IsGraphAudience(const std::string& audience, const std::string& base_url) {
  return audience == "https://graph.microsoft.com" || audience == "00000003-0000-0000-c000-000000000000" ||
         Headers::EqualsIgnoreCase(audience, base_url);
}

}  // namespace

HttpResponse HandleGraphToken(RequestContext& context, const std::string& tenant) {
  const auto& request = context.request;
  auto content_type = Headers::Lower(request.headers.Get("Content-Type").value_or(""));
  if (content_type.find("application/x-www-form-urlencoded") == std::string::npos)
    return IdentityError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'grant_type'.");
  QueryParams form = ParseQuery(request.body);
  auto field = [&](const char* name) { return form.count(name) ? form[name] : std::string(); };
  if (field("grant_type").empty())
    return IdentityError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'grant_type'.");
  if (field("grant_type") != "client_credentials")
    return IdentityError(400, "unsupported_grant_type", 70003,
                         "The app requested an unsupported grant type '" + field("grant_type") + "'.");
  if (field("scope").empty())
    return IdentityError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'scope'.");
  // App-only tokens are for a resource's ".default" scope only.
  if (field("scope").size() < 9 || field("scope").substr(field("scope").size() - 9) != "/.default")
    return IdentityError(400, "invalid_scope", 1002012,
                         "The provided value for scope " + field("scope") +
                             " is not valid. Client credential flows must have a scope value with /.default "
                             "suffixed to the resource identifier (application ID URI).");
  if (field("client_id").empty())
    return IdentityError(400, "invalid_request", 900144,
                         "The request body must contain the following parameter: 'client_id'.");

  bool tenant_known = false;
  const AppRegistration* app = nullptr;
  // Tenants are named by GUID or domain, both case-insensitive; client ids
  // are GUIDs, compared case-insensitively too.
  for (const auto& candidate : context.state.world.apps) {
    bool same_tenant = Headers::EqualsIgnoreCase(candidate.tenant, tenant);
    if (same_tenant) tenant_known = true;
    if (same_tenant && Headers::EqualsIgnoreCase(candidate.client_id, field("client_id"))) app = &candidate;
  }
  if (!tenant_known)
    return IdentityError(400, "invalid_tenant", 90002,
                         "Tenant '" + tenant + "' not found. Check to make sure you have the correct tenant ID.");
  if (app == nullptr)
    return IdentityError(400, "unauthorized_client", 700016,
                         "Application with identifier '" + field("client_id") +
                             "' was not found in the directory '" + tenant + "'.");
  if (field("client_secret").empty())
    return IdentityError(401, "invalid_client", 7000216,
                         "'client_assertion', 'client_secret' or 'request' is required for the "
                         "'client_credentials' grant type.");
  if (field("client_secret") != app->client_secret)
    return IdentityError(401, "invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret being sent in the request is the "
                         "client secret value, not the client secret ID.");

  int64_t lifetime = context.state.settings.graph_token_expires_in;
  std::string token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + NewOpaqueToken(48);
  context.state.world.graph_tokens[token] =
      GraphAccessToken{app->tenant, app->client_id, context.now + std::chrono::seconds(lifetime),
                       AudienceOf(field("scope"))};
  return JsonResponse(200, {{"token_type", "Bearer"},
                            {"expires_in", lifetime},
                            {"ext_expires_in", lifetime},
                            {"access_token", token}});
}

std::optional<GraphCaller> AuthenticateGraph(RequestContext& context, HttpResponse* error) {
  auto header = context.request.headers.Get("Authorization");
  auto reject = [&](const std::string& code, const std::string& message) {
    *error = GraphError(401, code, message);
    error->AddHeader("WWW-Authenticate", "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/"
                                         "common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"");
    return std::nullopt;
  };
  if (!header || header->size() < 7 || Headers::Lower(header->substr(0, 7)) != "bearer ")
    return reject("InvalidAuthenticationToken", "Access token is empty.");
  auto it = context.state.world.graph_tokens.find(Trim(header->substr(7)));
  if (it == context.state.world.graph_tokens.end())
    return reject("InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
  if (it->second.expires_at <= context.now)
    return reject("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.");
  if (!IsGraphAudience(it->second.audience, context.base_url))
    return reject("InvalidAuthenticationToken", "Access token validation failure. Invalid audience.");
  return GraphCaller{it->second.tenant, it->second.client_id};
}

}  // namespace syncbridge::emulator
