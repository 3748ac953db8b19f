#include "dispatcher.hpp"

#include "confluence_errors.hpp"
#include "graph_errors.hpp"
#include "ms_identity.hpp"
#include "url.hpp"

namespace syncbridge::emulator {

RequestPlan Dispatcher::Plan(const HttpRequest& request) {
  Service service = ServiceOf(request.path);
  std::lock_guard lock(state_.mutex);
  RequestPlan plan = PlanRequest(state_.faults, service);
  plan.hold = std::chrono::milliseconds(state_.settings.timeout_hold_ms);
  return plan;
}

namespace {

// The answer when a handler throws: a JSON value of an unexpected type in a
// request body is the client's error (400); anything else is ours (500).
// Handlers must never let an exception escape into the Asio threads.
HttpResponse UnexpectedFailure(Service service, int status, const std::string& what) {
  std::string message = status == 400 ? "Invalid request: " + what : "Internal error: " + what;
  switch (service) {
    case Service::kGraph:
      return GraphError(status, status == 400 ? "invalidRequest" : "generalException", message);
    case Service::kMicrosoftIdentity:
      return IdentityError(status, "invalid_request", 900144, message);
    case Service::kAtlassianIdentity:
    case Service::kConfluence:
      return ConfluenceV2Error(status, status == 400 ? "INVALID_REQUEST_PARAMETER" : "INTERNAL_SERVER_ERROR", message);
    case Service::kControlPlane:
    case Service::kUnknown:
      break;
  }
  return JsonResponse(status, {{"error", message}});
}

}  // namespace

HttpResponse Dispatcher::Handle(const HttpRequest& request, const std::string& base_url) {
  std::lock_guard lock(state_.mutex);
  RequestContext context{request, state_, base_url, Clock::now(), {}, {}, {}};
  HttpResponse response;
  try {
    response = Route(context);
  } catch (const nlohmann::json::exception& e) {
    response = UnexpectedFailure(ServiceOf(request.path), 400, e.what());
    response.route = "invalid " + request.method;
  } catch (const std::exception& e) {
    response = UnexpectedFailure(ServiceOf(request.path), 500, e.what());
    response.route = "failed " + request.method;
  }
  // The control plane does not count itself, so stats show only API traffic.
  if (ServiceOf(request.path) != Service::kControlPlane) state_.stats.CountRequest(response.route, response.status);
  return response;
}

HttpResponse Dispatcher::Route(RequestContext& context) {
  const HttpRequest& request = context.request;
  HttpResponse response;
  switch (ServiceOf(request.path)) {
    case Service::kControlPlane:
      response = control_.Handle(context);
      break;
    case Service::kGraph:
      response = graph_.Handle(context);
      break;
    case Service::kAtlassianIdentity:
    case Service::kConfluence:
      response = confluence_.Handle(context);
      break;
    case Service::kMicrosoftIdentity: {
      // "/{tenant}/oauth2/v2.0/token"
      auto segments = SplitPath(request.path);
      if (segments.size() == 4 && segments[1] == "oauth2" && segments[2] == "v2.0" && segments[3] == "token" &&
          request.method == "POST") {
        response = HandleGraphToken(context, segments[0]);
      } else {
        response = IdentityError(405, "invalid_request", 900561,
                                 "The endpoint only accepts POST requests.");
      }
      response.route = "POST /{tenant}/oauth2/v2.0/token";
      break;
    }
    case Service::kUnknown:
      response = JsonResponse(404, {{"error", "no emulated service at this path"}});
      response.route = "unmatched";
      break;
  }
  return response;
}

HttpResponse Dispatcher::Fault(const HttpRequest& request, const RequestPlan& plan) {
  HttpResponse response = InjectedFaultResponse(plan.fault, plan.service);
  std::lock_guard lock(state_.mutex);
  state_.stats.CountFault(FaultName(plan.fault));
  state_.stats.CountRequest("injected fault " + request.method, response.status);
  return response;
}

void Dispatcher::CountDropped(const RequestPlan& plan) {
  std::lock_guard lock(state_.mutex);
  state_.stats.CountFault(FaultName(plan.fault));
}

}  // namespace syncbridge::emulator
