// Confluence burst limit: a token bucket per caller refilled at
// `confluence_burst_per_second`. Over the limit the call gets 429 with
// Retry-After and X-RateLimit-* headers.
#pragma once

#include <optional>
#include <string>

#include "http_message.hpp"
#include "state.hpp"

namespace syncbridge::emulator {

// nullopt when admitted; otherwise the 429 to send.
std::optional<HttpResponse> CheckConfluenceBurst(EmulatorState& state, const std::string& caller, TimePoint now);

}  // namespace syncbridge::emulator
