#include "confluence_api.hpp"

#include "confluence_auth.hpp"
#include "confluence_errors.hpp"
#include "confluence_rate_limit.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

HttpResponse Unauthorized(bool v1) {
  HttpResponse response = v1 ? ConfluenceV1Error(401, "Unauthorized; scope does not match")
                             : ConfluenceV2Error(401, "UNAUTHORIZED", "Unauthorized; scope does not match");
  return response;
}

}  // namespace

ConfluenceApi::ConfluenceApi() {
  RegisterPageRoutes(router_);
  RegisterSearchRoutes(router_);
}

HttpResponse ConfluenceApi::Handle(RequestContext& context) const {
  const std::string& path = context.request.path;
  if (path == "/oauth/token") {
    HttpResponse response = HandleAtlassianToken(context);
    response.route = "POST /oauth/token";
    return response;
  }
  if (path == "/oauth/token/accessible-resources") {
    HttpResponse response = HandleAccessibleResources(context);
    response.route = "GET /oauth/token/accessible-resources";
    return response;
  }

  // Split the base path from the API path: /wiki/… or /ex/confluence/{cloudId}/wiki/…
  std::vector<std::string> segments = SplitPath(path);
  std::optional<std::string> account;
  std::vector<std::string> api_segments;
  std::string route_prefix;
  if (!segments.empty() && segments[0] == "wiki") {
    api_segments.assign(segments.begin() + 1, segments.end());
    context.api_base = context.base_url + "/wiki";
    route_prefix = "/wiki";
    account = AuthenticateSiteCall(context);
  } else if (segments.size() >= 4 && segments[0] == "ex" && segments[1] == "confluence" && segments[3] == "wiki") {
    api_segments.assign(segments.begin() + 4, segments.end());
    context.api_base = context.base_url + "/ex/confluence/" + segments[2] + "/wiki";
    route_prefix = "/ex/confluence/{cloudId}/wiki";
    account = AuthenticateOAuthCall(context, segments[2]);
  } else {
    HttpResponse response = ConfluenceV2Error(404, "NOT_FOUND", "Not found");
    response.route = "unmatched confluence";
    return response;
  }
  const bool v1 = api_segments.size() >= 2 && api_segments[0] == "rest" && api_segments[1] == "api";
  std::string api_path;
  for (const auto& segment : api_segments) api_path += "/" + segment;

  bool path_known = false;
  auto match = router_.Find(context.request.method, api_segments, &path_known);
  std::string route = match ? route_prefix + match->route.substr(match->route.find(' ') + 1) : route_prefix + " unmatched";
  route = context.request.method + " " + route;

  HttpResponse response;
  if (!account) {
    response = Unauthorized(v1);
  } else if (auto throttled = CheckConfluenceBurst(context.state, *account, context.now)) {
    response = *throttled;
  } else if (!match) {
    response = v1 ? ConfluenceV1Error(path_known ? 405 : 404, "No resource at " + api_path)
                  : ConfluenceV2Error(path_known ? 405 : 404, path_known ? "METHOD_NOT_ALLOWED" : "NOT_FOUND",
                                      "No resource at " + api_path);
  } else {
    context.principal = *account;
    context.params = std::move(match->params);
    response = (*match->handler)(context);
  }
  response.route = route;
  return response;
}

}  // namespace syncbridge::emulator
