// Method + path-template routing. Templates are "/a/{name}/b"; a {name}
// segment captures one path segment. Each API module registers its own
// routes on a Router of its own.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"
#include "http_message.hpp"
#include "state.hpp"

namespace syncbridge::emulator {

// What a handler gets: the request, the locked state and the path captures.
struct RequestContext {
  const HttpRequest& request;
  EmulatorState& state;  // the caller holds state.mutex
  std::string base_url;  // "http://host:port", from the Host header
  TimePoint now;
  std::map<std::string, std::string> params;
  // Set by an API module after authentication: who is calling, and the base
  // URL of the API as the caller addressed it (for _links.base).
  std::string principal;
  std::string api_base;

  const std::string& Param(const std::string& name) const { return params.at(name); }
  std::optional<std::string> Query(const std::string& name) const {
    auto it = request.query.find(name);
    if (it == request.query.end()) return std::nullopt;
    return it->second;
  }
};

using Handler = std::function<HttpResponse(RequestContext&)>;

class Router {
 public:
  struct Match {
    const Handler* handler = nullptr;
    std::string route;  // "GET /v1.0/sites/{site}" for stats
    std::map<std::string, std::string> params;
  };

  void Add(std::string method, std::string pattern, Handler handler);
  // nullopt when no template matches the path; `path_known` tells whether
  // some template matched with another method (405 rather than 404).
  std::optional<Match> Find(const std::string& method, const std::vector<std::string>& segments,
                            bool* path_known) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace syncbridge::emulator
