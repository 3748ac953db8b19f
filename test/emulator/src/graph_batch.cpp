// JSON batching: POST /v1.0/$batch. Inner requests run through the same
// routes as direct calls (so each is authenticated, charged and throttled on
// its own) and the answers come back in shuffled order, as the real service
// does not preserve order.
#include <algorithm>
#include <random>
#include <set>

#include "graph_api.hpp"
#include "graph_errors.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

constexpr size_t kMaxBatchRequests = 20;

struct InnerRequest {
  std::string id;
  nlohmann::json spec;
  std::vector<std::string> depends_on;
};

HttpResponse BatchError(const std::string& message) { return GraphError(400, "BadRequest", message); }

HttpRequest BuildInnerRequest(const HttpRequest& outer, const nlohmann::json& spec) {
  HttpRequest inner;
  inner.method = spec["method"].get<std::string>();
  std::transform(inner.method.begin(), inner.method.end(), inner.method.begin(), ::toupper);
  std::string url = spec["url"].get<std::string>();
  inner.target = "/v1.0" + std::string(url.empty() || url.front() != '/' ? "/" : "") + url;
  auto question = inner.target.find('?');
  inner.path = PercentDecode(inner.target.substr(0, question), false);
  if (question != std::string::npos) inner.query = ParseQuery(inner.target.substr(question + 1));
  // Inner requests carry the batch's credentials.
  if (auto auth = outer.headers.Get("Authorization")) inner.headers.Set("Authorization", *auth);
  if (spec.contains("headers") && spec["headers"].is_object())
    for (const auto& [name, value] : spec["headers"].items())
      if (value.is_string()) inner.headers.Set(name, value.get<std::string>());
  if (spec.contains("body"))
    inner.body = spec["body"].is_string() ? spec["body"].get<std::string>() : spec["body"].dump();
  return inner;
}

nlohmann::json InnerResponseJson(const std::string& id, const HttpResponse& response) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : response.headers) headers[name] = value;
  nlohmann::json json = {{"id", id}, {"status", response.status}, {"headers", headers}};
  if (!response.body.empty()) {
    auto parsed = nlohmann::json::parse(response.body, nullptr, false);
    json["body"] = parsed.is_discarded() ? nlohmann::json(response.body) : parsed;
  }
  return json;
}

}  // namespace

HttpResponse GraphApi::HandleBatch(RequestContext& context) const {
  HttpResponse error;
  if (!AuthenticateGraph(context, &error)) return error;
  auto body = ParseJsonBody(context, &error);
  if (!body) return error;
  if (!body->contains("requests") || !(*body)["requests"].is_array())
    return BatchError("Invalid batch payload format.");
  const auto& specs = (*body)["requests"];
  if (specs.size() > kMaxBatchRequests)
    return BatchError("The number of batch requests exceeds the limit of " + std::to_string(kMaxBatchRequests) + ".");

  std::vector<InnerRequest> requests;
  std::set<std::string> seen_ids;
  for (const auto& spec : specs) {
    if (!spec.is_object() || !spec.contains("id") || !spec["id"].is_string() || !spec.contains("method") ||
        !spec["method"].is_string() || !spec.contains("url") || !spec["url"].is_string())
      return BatchError("Each batch request needs string id, method and url properties.");
    std::string id = spec["id"].get<std::string>();
    if (!seen_ids.insert(Headers::Lower(id)).second)
      return BatchError("Batch request id '" + id + "' is duplicated. Request ids must be unique.");
    std::string url = spec["url"].get<std::string>();
    if (url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0)
      return BatchError("Batch request urls must be relative to the version, e.g. /sites/{id}.");
    if (spec.contains("body")) {
      bool has_content_type = false;
      if (spec.contains("headers") && spec["headers"].is_object())
        for (const auto& [name, value] : spec["headers"].items())
          if (Headers::Lower(name) == "content-type") has_content_type = true;
      if (!has_content_type)
        return BatchError("Write request id : " + id + " does not contain Content-Type header or body.");
    }
    InnerRequest request{id, spec, {}};
    if (spec.contains("dependsOn")) {
      if (!spec["dependsOn"].is_array()) return BatchError("dependsOn must be an array of request ids.");
      for (const auto& dependency : spec["dependsOn"]) {
        if (!dependency.is_string()) return BatchError("dependsOn must be an array of request ids.");
        request.depends_on.push_back(Headers::Lower(dependency.get<std::string>()));
      }
    }
    requests.push_back(std::move(request));
  }
  for (const auto& request : requests)
    for (const auto& dependency : request.depends_on)
      if (!seen_ids.count(dependency))
        return BatchError("Request id '" + request.id + "' depends on unknown request id '" + dependency + "'.");

  // A cycle fails the whole batch before anything runs: peel off requests
  // whose dependencies are all peeled, and see whether any remain.
  {
    std::set<std::string> ordered;
    for (bool progressed = true; progressed;) {
      progressed = false;
      for (const auto& request : requests) {
        if (ordered.count(Headers::Lower(request.id))) continue;
        if (std::all_of(request.depends_on.begin(), request.depends_on.end(),
                        [&](const std::string& d) { return ordered.count(d) != 0; })) {
          ordered.insert(Headers::Lower(request.id));
          progressed = true;
        }
      }
    }
    if (ordered.size() != requests.size()) return BatchError("The dependsOn graph of the batch has a cycle.");
  }

  // Run every request whose dependencies have answered, until none is left.
  std::map<std::string, int> statuses;  // by lowercased id
  std::vector<nlohmann::json> responses;
  std::vector<bool> done(requests.size(), false);
  for (size_t finished = 0; finished < requests.size();) {
    bool progressed = false;
    for (size_t i = 0; i < requests.size(); ++i) {
      if (done[i]) continue;
      const auto& request = requests[i];
      bool ready = std::all_of(request.depends_on.begin(), request.depends_on.end(),
                               [&](const std::string& d) { return statuses.count(d) != 0; });
      if (!ready) continue;
      bool dependency_failed = std::any_of(request.depends_on.begin(), request.depends_on.end(), [&](const std::string& d) {
        return statuses[d] < 200 || statuses[d] >= 300;
      });
      HttpResponse response;
      if (dependency_failed) {
        response = GraphError(424, "failedDependency", "The request failed because a request it depends on failed.");
      } else {
        HttpRequest inner = BuildInnerRequest(context.request, request.spec);
        RequestContext inner_context{inner, context.state, context.base_url, context.now, {}, {}, {}};
        try {
          response = inner.path == "/v1.0/$batch" ? BatchError("A batch cannot contain a batch.") : Handle(inner_context);
        } catch (const nlohmann::json::exception& e) {
          // A body of the wrong shape fails this request, not the batch.
          response = GraphError(400, "invalidRequest", std::string("Invalid request: ") + e.what());
        }
        context.state.stats.CountRequest(response.route.empty() ? "batch inner" : response.route, response.status);
      }
      statuses[Headers::Lower(request.id)] = response.status;
      responses.push_back(InnerResponseJson(request.id, response));
      done[i] = true;
      ++finished;
      progressed = true;
    }
    if (!progressed) break;  // unreachable: cycles were refused above
  }
  thread_local std::mt19937 shuffle_generator{std::random_device{}()};
  std::shuffle(responses.begin(), responses.end(), shuffle_generator);
  return JsonResponse(200, {{"responses", responses}});
}

}  // namespace syncbridge::emulator
