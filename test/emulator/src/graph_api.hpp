// Microsoft Graph v1.0 under /v1.0: authentication, the per-app RU budget,
// site-path resolution and routing to the sites, items, delta and $batch
// modules.
#pragma once

#include <functional>

#include "graph_throttle.hpp"
#include "ms_identity.hpp"
#include "router.hpp"

namespace syncbridge::emulator {

// One authenticated Graph call with its {site} and {list} already resolved.
struct GraphRequest {
  RequestContext& context;
  GraphCaller caller;
  SharePointSite* site = nullptr;
  SharePointList* list = nullptr;
};

using GraphHandler = std::function<HttpResponse(GraphRequest&)>;
using CostFunction = std::function<ResourceUnitCost(const RequestContext&)>;

class GraphRoutes {
 public:
  void Add(const std::string& method, const std::string& pattern, CostFunction cost, GraphHandler handler);
  void Add(const std::string& method, const std::string& pattern, ResourceUnitCost cost, GraphHandler handler);
  const Router& router() const { return router_; }

 private:
  Router router_;
};

class GraphApi {
 public:
  GraphApi();
  // Serves a request whose path starts with /v1.0/.
  HttpResponse Handle(RequestContext& context) const;

 private:
  HttpResponse HandleBatch(RequestContext& context) const;
  GraphRoutes routes_;
};

// Shared lookups for the Graph modules.
SharePointSite* FindSiteById(WorldState& world, const std::string& id);
SharePointSite* FindSiteByPath(WorldState& world, const std::string& hostname, const std::string& path);
SharePointList* FindList(SharePointSite& site, const std::string& id_or_name);
std::string SiteWebUrl(const SharePointSite& site);
// Parses the body as a JSON object, or returns Graph's 400.
std::optional<nlohmann::json> ParseJsonBody(const RequestContext& context, HttpResponse* error);

void RegisterSiteRoutes(GraphRoutes& routes);
void RegisterItemRoutes(GraphRoutes& routes);
void RegisterDeltaRoutes(GraphRoutes& routes);

}  // namespace syncbridge::emulator
