// Routes one request to its service module under the state lock and counts
// it. Owned by the server; safe to call from any thread.
#pragma once

#include "confluence_api.hpp"
#include "control_plane.hpp"
#include "faults.hpp"
#include "graph_api.hpp"

namespace syncbridge::emulator {

class Dispatcher {
 public:
  explicit Dispatcher(EmulatorState& state) : state_(state) {}

  // Decides latency and fault for a request, before it is handled.
  RequestPlan Plan(const HttpRequest& request);
  // Handles the request; `base_url` is used for absolute links.
  HttpResponse Handle(const HttpRequest& request, const std::string& base_url);
  // Answers an injected 429/503 and counts it.
  HttpResponse Fault(const HttpRequest& request, const RequestPlan& plan);
  // Counts a reset or timeout, which produce no answer.
  void CountDropped(const RequestPlan& plan);

  EmulatorState& state() { return state_; }

 private:
  // Picks the service module; the caller holds the lock.
  HttpResponse Route(RequestContext& context);

  EmulatorState& state_;
  GraphApi graph_;
  ConfluenceApi confluence_;
  ControlPlane control_;
};

}  // namespace syncbridge::emulator
