#include "graph_api.hpp"

#include "graph_errors.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

// Rewrites "sites/{hostname}:/{server-relative-path}[:/rest]" to
// "sites/{site-id}/rest". Returns false (with a 404) when no such site.
bool ResolveSitePath(WorldState& world, std::string& path, HttpResponse* error) {
  static constexpr std::string_view kPrefix = "/v1.0/sites/";
  if (path.compare(0, kPrefix.size(), kPrefix) != 0) return true;
  std::string rest = path.substr(kPrefix.size());
  auto slash = rest.find('/');
  auto colon = rest.find(':');
  if (colon == std::string::npos || (slash != std::string::npos && slash < colon)) return true;
  std::string hostname = rest.substr(0, colon);
  std::string after = rest.substr(colon + 1);  // "/sites/demo:/lists/..." or "/sites/demo"
  auto end = after.find(':');
  std::string server_path = after.substr(0, end);
  std::string tail = end == std::string::npos ? "" : after.substr(end + 1);
  while (server_path.size() > 1 && server_path.back() == '/') server_path.pop_back();
  SharePointSite* site = FindSiteByPath(world, hostname, server_path);
  if (site == nullptr) {
    *error = GraphError(404, "itemNotFound", "Requested site could not be found");
    return false;
  }
  path = std::string(kPrefix) + site->id + tail;
  return true;
}

}  // namespace

void GraphRoutes::Add(const std::string& method, const std::string& pattern, ResourceUnitCost cost,
                      GraphHandler handler) {
  Add(method, pattern, [cost](const RequestContext&) { return cost; }, std::move(handler));
}

void GraphRoutes::Add(const std::string& method, const std::string& pattern, CostFunction cost,
                      GraphHandler handler) {
  router_.Add(method, "/v1.0" + pattern, [cost, handler](RequestContext& context) -> HttpResponse {
    HttpResponse error;
    auto caller = AuthenticateGraph(context, &error);
    if (!caller) return error;
    // Throttled calls are charged too, before anything else happens.
    ThrottleDecision decision =
        SpendResourceUnits(context.state, caller->tenant + "/" + caller->client_id, cost(context), context.now);
    if (decision.throttled) return ThrottledResponse(decision, context.state.settings.throttle_503_fraction);

    GraphRequest graph{context, *caller, nullptr, nullptr};
    if (context.params.count("site")) {
      graph.site = FindSiteById(context.state.world, context.Param("site"));
      if (graph.site == nullptr) return GraphError(404, "itemNotFound", "Requested site could not be found");
    }
    if (context.params.count("list")) {
      graph.list = FindList(*graph.site, context.Param("list"));
      if (graph.list == nullptr) return GraphError(404, "itemNotFound", "The specified list was not found");
    }
    HttpResponse response = handler(graph);
    ApplyThrottleHeaders(decision, response);
    return response;
  });
}

GraphApi::GraphApi() {
  RegisterSiteRoutes(routes_);
  RegisterDeltaRoutes(routes_);  // before items/{item} so "delta" is not an id
  RegisterItemRoutes(routes_);
}

HttpResponse GraphApi::Handle(RequestContext& context) const {
  std::string path = context.request.path;
  if (path == "/v1.0/$batch") {
    if (context.request.method != "POST")
      return GraphError(405, "BadRequest", "The HTTP method '" + context.request.method + "' is not allowed.");
    HttpResponse response = HandleBatch(context);
    response.route = "POST /v1.0/$batch";
    return response;
  }
  HttpResponse error;
  if (!ResolveSitePath(context.state.world, path, &error)) {
    error.route = context.request.method + " /v1.0/sites/{hostname}:/{path}";
    return error;
  }
  bool path_known = false;
  auto match = routes_.router().Find(context.request.method, SplitPath(path), &path_known);
  if (!match) {
    HttpResponse response = path_known ? GraphError(405, "BadRequest", "The HTTP method is not allowed.")
                                       : GraphError(400, "BadRequest", "Resource not found for the segment.");
    response.route = "unmatched /v1.0";
    return response;
  }
  context.params = std::move(match->params);
  HttpResponse response = (*match->handler)(context);
  response.route = match->route;
  return response;
}

SharePointSite* FindSiteById(WorldState& world, const std::string& id) {
  for (auto& site : world.sites)
    if (Headers::EqualsIgnoreCase(site->id, id)) return site.get();
  return nullptr;
}

SharePointSite* FindSiteByPath(WorldState& world, const std::string& hostname, const std::string& path) {
  for (auto& site : world.sites)
    if (Headers::EqualsIgnoreCase(site->hostname, hostname) &&
        Headers::EqualsIgnoreCase(site->path, path))
      return site.get();
  return nullptr;
}

SharePointList* FindList(SharePointSite& site, const std::string& id_or_name) {
  for (auto& list : site.lists)
    if (Headers::EqualsIgnoreCase(list->id, id_or_name) ||
        Headers::EqualsIgnoreCase(list->name, id_or_name) ||
        Headers::EqualsIgnoreCase(list->display_name, id_or_name))
      return list.get();
  return nullptr;
}

std::string SiteWebUrl(const SharePointSite& site) { return "https://" + site.hostname + site.path; }

std::optional<nlohmann::json> ParseJsonBody(const RequestContext& context, HttpResponse* error) {
  auto parsed = nlohmann::json::parse(context.request.body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    *error = GraphError(400, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header "
                                           "is set and payload is of valid JSON format.");
    return std::nullopt;
  }
  return parsed;
}

}  // namespace syncbridge::emulator
