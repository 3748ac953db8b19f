// Injected faults and latency. The decision is made per request before it
// is handled, from the rates in FaultSettings; control-plane calls are never
// faulted or delayed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http_message.hpp"
#include "settings.hpp"

namespace syncbridge::emulator {

enum class FaultKind { kNone, kThrottle429, kUnavailable503, kReset, kTimeout };

enum class Service { kControlPlane, kMicrosoftIdentity, kGraph, kAtlassianIdentity, kConfluence, kUnknown };

struct RequestPlan {
  Service service = Service::kUnknown;
  std::chrono::milliseconds latency{0};
  FaultKind fault = FaultKind::kNone;
  // How long a timeout fault holds the connection before dropping it.
  std::chrono::milliseconds hold{0};
};

Service ServiceOf(std::string_view path);
RequestPlan PlanRequest(const FaultSettings& faults, Service service);
// Parses "429=0.1,503=0.02,reset=0.01,timeout=0.005".
bool ParseFaultSpec(std::string_view spec, FaultRates* rates, std::string* error);
// The answer of an injected 429 or 503, in the service's own error shape.
HttpResponse InjectedFaultResponse(FaultKind fault, Service service);
const char* FaultName(FaultKind fault);

}  // namespace syncbridge::emulator
