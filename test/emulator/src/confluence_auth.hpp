// Atlassian identity: the rotating refresh-token grant, accessible
// resources, and authentication of Confluence calls on both base paths.
#pragma once

#include <optional>

#include "router.hpp"

namespace syncbridge::emulator {

// POST /oauth/token (refresh_token grant).
HttpResponse HandleAtlassianToken(RequestContext& context);
// GET /oauth/token/accessible-resources.
HttpResponse HandleAccessibleResources(RequestContext& context);

// Basic email:api_token on the site path (/wiki/…). Returns the account id.
std::optional<std::string> AuthenticateSiteCall(RequestContext& context);
// Bearer 3LO token for `cloud_id` on /ex/confluence/{cloudId}/wiki/….
std::optional<std::string> AuthenticateOAuthCall(RequestContext& context, const std::string& cloud_id);

}  // namespace syncbridge::emulator
