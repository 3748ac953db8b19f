#include "router.hpp"

#include "url.hpp"

namespace syncbridge::emulator {

void Router::Add(std::string method, std::string pattern, Handler handler) {
  Route route{std::move(method), pattern, SplitPath(pattern), std::move(handler)};
  routes_.push_back(std::move(route));
}

std::optional<Router::Match> Router::Find(const std::string& method, const std::vector<std::string>& segments,
                                          bool* path_known) const {
  if (path_known) *path_known = false;
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> params;
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      const auto& expected = route.segments[i];
      if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
        params[expected.substr(1, expected.size() - 2)] = segments[i];
      } else {
        matches = expected == segments[i];
      }
    }
    if (!matches) continue;
    if (route.method != method) {
      if (path_known) *path_known = true;
      continue;
    }
    return Match{&route.handler, route.method + " " + route.pattern, std::move(params)};
  }
  return std::nullopt;
}

}  // namespace syncbridge::emulator
