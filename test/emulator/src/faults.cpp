#include "faults.hpp"

#include "clock.hpp"
#include "confluence_errors.hpp"
#include "graph_errors.hpp"
#include "url.hpp"

namespace syncbridge::emulator {

Service ServiceOf(std::string_view path) {
  auto starts = [&](std::string_view prefix) { return path.substr(0, prefix.size()) == prefix; };
  if (starts("/_emulator/")) return Service::kControlPlane;
  if (starts("/v1.0/")) return Service::kGraph;
  if (starts("/oauth/token")) return Service::kAtlassianIdentity;
  if (starts("/wiki/") || starts("/ex/confluence/")) return Service::kConfluence;
  if (path.find("/oauth2/v2.0/token") != std::string_view::npos) return Service::kMicrosoftIdentity;
  return Service::kUnknown;
}

RequestPlan PlanRequest(const FaultSettings& faults, Service service) {
  RequestPlan plan;
  plan.service = service;
  if (service == Service::kControlPlane) return plan;
  int jitter = faults.jitter_ms > 0 ? static_cast<int>(RandomUnit() * (faults.jitter_ms + 1)) : 0;
  plan.latency = std::chrono::milliseconds(std::max(0, faults.latency_ms) + jitter);
  // One draw decides among the faults, so the rates add up like
  // independent slices of [0, 1).
  double draw = RandomUnit();
  const FaultRates& r = faults.rates;
  if (draw < r.throttle_429) {
    plan.fault = FaultKind::kThrottle429;
  } else if (draw < r.throttle_429 + r.unavailable_503) {
    plan.fault = FaultKind::kUnavailable503;
  } else if (draw < r.throttle_429 + r.unavailable_503 + r.reset) {
    plan.fault = FaultKind::kReset;
  } else if (draw < r.throttle_429 + r.unavailable_503 + r.reset + r.timeout) {
    plan.fault = FaultKind::kTimeout;
  }
  return plan;
}

bool ParseFaultSpec(std::string_view spec, FaultRates* rates, std::string* error) {
  FaultRates parsed;
  for (const auto& item : SplitList(spec, ',')) {
    std::string entry = Trim(item);
    if (entry.empty()) continue;
    auto eq = entry.find('=');
    if (eq == std::string::npos) {
      *error = "fault '" + entry + "' needs the form name=rate";
      return false;
    }
    std::string name = entry.substr(0, eq);
    double rate = 0;
    try {
      size_t used = 0;
      rate = std::stod(entry.substr(eq + 1), &used);
      if (used != entry.size() - eq - 1) throw std::invalid_argument("trailing");
    } catch (...) {
      *error = "fault rate '" + entry.substr(eq + 1) + "' is not a number";
      return false;
    }
    if (rate < 0 || rate > 1) {
      *error = "fault rate for '" + name + "' must be between 0 and 1";
      return false;
    }
    if (name == "429") parsed.throttle_429 = rate;
    else if (name == "503") parsed.unavailable_503 = rate;
    else if (name == "reset") parsed.reset = rate;
    else if (name == "timeout") parsed.timeout = rate;
    else {
      *error = "unknown fault '" + name + "' (use 429, 503, reset, timeout)";
      return false;
    }
  }
  *rates = parsed;
  return true;
}

HttpResponse InjectedFaultResponse(FaultKind fault, Service service) {
  const int status = fault == FaultKind::kThrottle429 ? 429 : 503;
  HttpResponse response;
  if (service == Service::kConfluence || service == Service::kAtlassianIdentity) {
    response = status == 429 ? ConfluenceV2Error(429, "TOO_MANY_REQUESTS", "Rate limit exceeded.")
                             : ConfluenceV2Error(503, "SERVICE_UNAVAILABLE", "Service temporarily unavailable.");
  } else if (status == 429) {
    response = GraphError(429, "TooManyRequests", "Too many requests.");
  } else {
    response = GraphError(503, "serviceNotAvailable", "The service is temporarily unavailable.");
  }
  response.AddHeader("Retry-After", "1");
  return response;
}

const char* FaultName(FaultKind fault) {
  switch (fault) {
    case FaultKind::kThrottle429: return "429";
    case FaultKind::kUnavailable503: return "503";
    case FaultKind::kReset: return "reset";
    case FaultKind::kTimeout: return "timeout";
    case FaultKind::kNone: break;
  }
  return "none";
}

}  // namespace syncbridge::emulator
