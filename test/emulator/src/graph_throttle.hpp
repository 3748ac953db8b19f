// SharePoint's resource-unit (RU) budget per app and tenant. Modelled as a
// token bucket holding one minute of budget that refills continuously.
// Throttled calls still spend their cost, so the balance can go negative and
// a client that retries before Retry-After only digs deeper, as on the real
// service.
#pragma once

#include <cstdint>
#include <string>

#include "http_message.hpp"
#include "state.hpp"

namespace syncbridge::emulator {

// Costs from "Avoid getting throttled or blocked in SharePoint Online".
enum class ResourceUnitCost : int64_t {
  kSingleRead = 1,     // one item, one list, a site, delta with a token
  kMultiItem = 2,      // item listings, delta without a token
  kWrite = 2,          // create, update, delete
  kPermission = 5,
};

struct ThrottleDecision {
  bool throttled = false;
  int64_t retry_after_seconds = 0;
  bool report_headers = false;  // true once 80% of the minute is used
  int64_t limit = 0;
  int64_t remaining = 0;
  int64_t reset_seconds = 0;
};

ThrottleDecision SpendResourceUnits(EmulatorState& state, const std::string& app_key, ResourceUnitCost cost,
                                    TimePoint now);

// Adds RateLimit-* (near the limit) and, when throttled, Retry-After.
void ApplyThrottleHeaders(const ThrottleDecision& decision, HttpResponse& response);

// The answer when the budget is exhausted: 429 activityLimitReached, or
// with probability `share_503` a 503 serverBusy; both carry Retry-After.
HttpResponse ThrottledResponse(const ThrottleDecision& decision, double share_503);

}  // namespace syncbridge::emulator
