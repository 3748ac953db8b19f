// Confluence error bodies: v2 answers {"errors":[{status,code,title,detail}]},
// v1 answers {"statusCode","data":{…},"message"}.
#pragma once

#include <string>

#include "http_message.hpp"

namespace syncbridge::emulator {

inline HttpResponse ConfluenceV2Error(int status, const std::string& code, const std::string& title) {
  return JsonResponse(status, {{"errors", {{{"status", status}, {"code", code}, {"title", title}, {"detail", nullptr}}}}});
}

inline HttpResponse ConfluenceV1Error(int status, const std::string& message) {
  return JsonResponse(status, {{"statusCode", status},
                               {"data", {{"authorized", status != 401 && status != 403},
                                         {"valid", status < 400 || status >= 500},
                                         {"errors", nlohmann::json::array()},
                                         {"successful", false}}},
                               {"message", message}});
}

}  // namespace syncbridge::emulator
