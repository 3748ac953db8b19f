// Confluence Cloud and Atlassian identity: /oauth/token, accessible
// resources, and the REST API under both base paths (/wiki/… for API-token
// Basic auth, /ex/confluence/{cloudId}/wiki/… for OAuth 2.0 3LO).
#pragma once

#include "router.hpp"

namespace syncbridge::emulator {

class ConfluenceApi {
 public:
  ConfluenceApi();
  HttpResponse Handle(RequestContext& context) const;

 private:
  Router router_;  // paths relative to the /wiki base
};

// Who made a Confluence call (an API-token user or an OAuth client).
struct ConfluenceCaller {
  std::string account_id;
  std::string rate_key;  // the bucket the burst limit counts against
};

void RegisterPageRoutes(Router& router);
void RegisterSearchRoutes(Router& router);

}  // namespace syncbridge::emulator
