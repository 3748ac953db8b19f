// Microsoft identity platform: the client-credentials token endpoint and the
// bearer check Graph applies to every call.
#pragma once

#include <optional>

#include "router.hpp"

namespace syncbridge::emulator {

// Handles POST /{tenant}/oauth2/v2.0/token.
HttpResponse HandleGraphToken(RequestContext& context, const std::string& tenant);

// The app behind a valid Graph bearer token, or a ready 401 response.
struct GraphCaller {
  std::string tenant;
  std::string client_id;
};
std::optional<GraphCaller> AuthenticateGraph(RequestContext& context, HttpResponse* error);

}  // namespace syncbridge::emulator
