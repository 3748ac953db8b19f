#include "control_plane.hpp"

#include <set>

#include "url.hpp"

namespace syncbridge::emulator {
namespace {

// Control-plane errors are plain: {"error":"…"} with 400/404/409.
HttpResponse ControlError(int status, const std::string& message) {
  return JsonResponse(status, {{"error", message}});
}

bool RequireStrings(const nlohmann::json& body, std::initializer_list<const char*> names, std::string* error) {
  if (!body.is_object()) {
    *error = "body must be a JSON object";
    return false;
  }
  for (const char* name : names) {
    if (!body.contains(name) || !body[name].is_string() || body[name].get<std::string>().empty()) {
      *error = std::string("field '") + name + "' must be a non-empty string";
      return false;
    }
  }
  return true;
}

// Atlassian account ids look like 24 hex digits.
std::string NewAccountId() {
  std::string guid = NewGuid();
  std::string hex;
  for (char c : guid)
    if (c != '-') hex.push_back(c);
  return hex.substr(0, 24);
}

// Each Add* returns the JSON answer or sets `error` with its status.
struct Outcome {
  int status = 201;
  nlohmann::json body;
  std::string error;
};

Outcome AddApp(EmulatorState& state, const nlohmann::json& body) {
  Outcome out;
  if (!RequireStrings(body, {"tenant", "client_id", "client_secret"}, &out.error)) return {400, {}, out.error};
  AppRegistration app{body["tenant"], body["client_id"], body["client_secret"]};
  for (auto& existing : state.world.apps) {
    if (Headers::EqualsIgnoreCase(existing.tenant, app.tenant) &&
        Headers::EqualsIgnoreCase(existing.client_id, app.client_id)) {
      existing.client_secret = app.client_secret;  // re-registering rotates the secret
      return {200, {{"tenant", app.tenant}, {"client_id", app.client_id}}, ""};
    }
  }
  state.world.apps.push_back(app);
  return {201, {{"tenant", app.tenant}, {"client_id", app.client_id}}, ""};
}

Outcome AddSite(EmulatorState& state, const nlohmann::json& body, TimePoint now) {
  Outcome out;
  if (!RequireStrings(body, {"hostname", "path"}, &out.error)) return {400, {}, out.error};
  std::string path = body["path"];
  if (path.front() != '/') path = "/" + path;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  for (const auto& site : state.world.sites)
    if (Headers::EqualsIgnoreCase(site->hostname, body["hostname"].get<std::string>()) &&
        Headers::EqualsIgnoreCase(site->path, path))
      return {200, {{"id", site->id}}, ""};
  auto site = std::make_unique<SharePointSite>();
  site->hostname = body["hostname"];
  site->path = path;
  // Real site ids are "hostname,site-collection-guid,web-guid".
  site->id = site->hostname + "," + NewGuid() + "," + NewGuid();
  site->name = path.substr(path.rfind('/') + 1);
  site->created = now;
  std::string id = site->id;
  state.world.sites.push_back(std::move(site));
  return {201, {{"id", id}}, ""};
}

Outcome AddConfluenceUser(EmulatorState& state, const nlohmann::json& body) {
  Outcome out;
  if (!RequireStrings(body, {"email", "api_token"}, &out.error)) return {400, {}, out.error};
  for (auto& user : state.world.confluence_users) {
    if (Headers::EqualsIgnoreCase(user.email, body["email"].get<std::string>())) {
      user.api_token = body["api_token"];
      return {200, {{"accountId", user.account_id}}, ""};
    }
  }
  ConfluenceUser user{body["email"], body["api_token"], NewAccountId(),
                      body.value("display_name", body["email"].get<std::string>())};
  state.world.confluence_users.push_back(user);
  return {201, {{"accountId", user.account_id}}, ""};
}

Outcome AddSpace(EmulatorState& state, const nlohmann::json& body, TimePoint now) {
  Outcome out;
  if (!RequireStrings(body, {"key", "name"}, &out.error)) return {400, {}, out.error};
  for (const auto& space : state.world.spaces)
    if (space.key == body["key"].get<std::string>()) return {409, {}, "a space with this key already exists"};
  ConfluenceSpace space{std::to_string(state.world.next_confluence_id++), body["key"], body["name"], now, ""};
  // Confluence creates a space with its home page, titled like the space.
  ConfluencePage home;
  home.id = std::to_string(state.world.next_confluence_id++);
  home.space_id = space.id;
  home.title = space.name;
  home.created = home.modified = now;
  space.homepage_id = home.id;
  state.world.pages[std::stoll(home.id)] = std::move(home);
  state.world.spaces.push_back(space);
  return {201, {{"id", space.id}, {"homepageId", space.homepage_id}}, ""};
}

Outcome AddOAuthClient(EmulatorState& state, const nlohmann::json& body) {
  Outcome out;
  if (!RequireStrings(body, {"client_id", "client_secret", "refresh_token", "cloud_id"}, &out.error))
    return {400, {}, out.error};
  OAuthClient client{body["client_id"], body["client_secret"], body["refresh_token"], body["cloud_id"],
                     NewAccountId()};
  for (auto& existing : state.world.oauth_clients) {
    if (existing.client_id == client.client_id) {
      client.account_id = existing.account_id;
      existing = client;
      return {200, {{"client_id", client.client_id}}, ""};
    }
  }
  state.world.oauth_clients.push_back(client);
  return {201, {{"client_id", client.client_id}}, ""};
}

bool ReadNumber(const nlohmann::json& body, const char* name, double min, double max, double* out, std::string* error) {
  if (!body.contains(name)) return true;
  if (!body[name].is_number() || body[name].get<double>() < min || body[name].get<double>() > max) {
    *error = std::string("field '") + name + "' must be a number in [" + std::to_string(min) + ", " +
             std::to_string(max) + "]";
    return false;
  }
  *out = body[name].get<double>();
  return true;
}

bool UpdateFaults(EmulatorState& state, const nlohmann::json& body, std::string* error) {
  if (!body.is_object()) {
    *error = "body must be a JSON object";
    return false;
  }
  FaultSettings faults = state.faults;
  double latency = faults.latency_ms, jitter = faults.jitter_ms;
  if (!ReadNumber(body, "latency_ms", 0, 600000, &latency, error)) return false;
  if (!ReadNumber(body, "jitter_ms", 0, 600000, &jitter, error)) return false;
  faults.latency_ms = static_cast<int>(latency);
  faults.jitter_ms = static_cast<int>(jitter);
  if (body.contains("rates")) {
    const auto& rates = body["rates"];
    if (!rates.is_object()) {
      *error = "field 'rates' must be an object";
      return false;
    }
    FaultRates parsed;  // the given rates replace the old ones
    for (const auto& [name, value] : rates.items()) {
      if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > 1) {
        *error = "rate '" + name + "' must be a number in [0, 1]";
        return false;
      }
      double rate = value.get<double>();
      if (name == "429") parsed.throttle_429 = rate;
      else if (name == "503") parsed.unavailable_503 = rate;
      else if (name == "reset") parsed.reset = rate;
      else if (name == "timeout") parsed.timeout = rate;
      else {
        *error = "unknown fault '" + name + "'";
        return false;
      }
    }
    faults.rates = parsed;
  }
  state.faults = faults;
  return true;
}

bool UpdateLimits(EmulatorState& state, const nlohmann::json& body, std::string* error) {
  if (!body.is_object()) {
    *error = "body must be a JSON object";
    return false;
  }
  double ru = static_cast<double>(state.limits.ru_per_minute);
  double burst = static_cast<double>(state.limits.confluence_burst_per_second);
  if (!ReadNumber(body, "ru_per_minute", 0, 1e12, &ru, error)) return false;
  if (!ReadNumber(body, "confluence_burst_per_second", 0, 1e12, &burst, error)) return false;
  state.limits.ru_per_minute = static_cast<int64_t>(ru);
  state.limits.confluence_burst_per_second = static_cast<int64_t>(burst);
  // New limits start from a full bucket.
  state.world.ru_buckets.clear();
  state.world.burst_buckets.clear();
  return true;
}

bool UpdateSettings(EmulatorState& state, const nlohmann::json& body, std::string* error) {
  if (!body.is_object()) {
    *error = "body must be a JSON object";
    return false;
  }
  ServiceSettings settings = state.settings;
  double graph_expiry = static_cast<double>(settings.graph_token_expires_in);
  double confluence_expiry = static_cast<double>(settings.confluence_token_expires_in);
  double timeout_hold = settings.timeout_hold_ms;
  double index_lag = settings.cql_index_lag_ms;
  if (!ReadNumber(body, "token_expires_in", 0, 1e9, &graph_expiry, error)) return false;
  if (!ReadNumber(body, "confluence_token_expires_in", 0, 1e9, &confluence_expiry, error)) return false;
  if (!ReadNumber(body, "delta_token_horizon_seconds", 0, 1e12, &settings.delta_token_horizon_seconds, error))
    return false;
  if (!ReadNumber(body, "timeout_hold_ms", 0, 3.6e6, &timeout_hold, error)) return false;
  if (!ReadNumber(body, "cql_index_lag_ms", 0, 3.6e6, &index_lag, error)) return false;
  if (!ReadNumber(body, "throttle_503_fraction", 0, 1, &settings.throttle_503_fraction, error)) return false;
  if (body.contains("confluence_normalize_storage")) {
    if (!body["confluence_normalize_storage"].is_boolean()) {
      *error = "field 'confluence_normalize_storage' must be true or false";
      return false;
    }
    settings.confluence_normalize_storage = body["confluence_normalize_storage"].get<bool>();
  }
  settings.graph_token_expires_in = static_cast<int64_t>(graph_expiry);
  settings.confluence_token_expires_in = static_cast<int64_t>(confluence_expiry);
  settings.timeout_hold_ms = static_cast<int>(timeout_hold);
  settings.cql_index_lag_ms = static_cast<int>(index_lag);
  state.settings = settings;
  return true;
}

nlohmann::json SettingsJson(const EmulatorState& state) {
  return {{"token_expires_in", state.settings.graph_token_expires_in},
          {"confluence_token_expires_in", state.settings.confluence_token_expires_in},
          {"delta_token_horizon_seconds", state.settings.delta_token_horizon_seconds},
          {"confluence_normalize_storage", state.settings.confluence_normalize_storage},
          {"timeout_hold_ms", state.settings.timeout_hold_ms},
          {"cql_index_lag_ms", state.settings.cql_index_lag_ms},
          {"throttle_503_fraction", state.settings.throttle_503_fraction},
          {"faults",
           {{"latency_ms", state.faults.latency_ms},
            {"jitter_ms", state.faults.jitter_ms},
            {"rates",
             {{"429", state.faults.rates.throttle_429},
              {"503", state.faults.rates.unavailable_503},
              {"reset", state.faults.rates.reset},
              {"timeout", state.faults.rates.timeout}}}}},
          {"limits",
           {{"ru_per_minute", state.limits.ru_per_minute},
            {"confluence_burst_per_second", state.limits.confluence_burst_per_second}}}};
}

std::optional<nlohmann::json> Body(const RequestContext& context) {
  if (context.request.body.empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(context.request.body, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

// Wraps an Add* or Update* into a handler.
Handler AddHandler(Outcome (*add)(EmulatorState&, const nlohmann::json&)) {
  return [add](RequestContext& context) {
    auto body = Body(context);
    if (!body) return ControlError(400, "body is not valid JSON");
    Outcome outcome = add(context.state, *body);
    return outcome.error.empty() ? JsonResponse(outcome.status, outcome.body)
                                 : ControlError(outcome.status, outcome.error);
  };
}

Handler AddTimedHandler(Outcome (*add)(EmulatorState&, const nlohmann::json&, TimePoint)) {
  return [add](RequestContext& context) {
    auto body = Body(context);
    if (!body) return ControlError(400, "body is not valid JSON");
    Outcome outcome = add(context.state, *body, context.now);
    return outcome.error.empty() ? JsonResponse(outcome.status, outcome.body)
                                 : ControlError(outcome.status, outcome.error);
  };
}

Handler UpdateHandler(bool (*update)(EmulatorState&, const nlohmann::json&, std::string*)) {
  return [update](RequestContext& context) {
    auto body = Body(context);
    if (!body) return ControlError(400, "body is not valid JSON");
    std::string error;
    if (!update(context.state, *body, &error)) return ControlError(400, error);
    return JsonResponse(200, SettingsJson(context.state));
  };
}

}  // namespace

ControlPlane::ControlPlane() {
  router_.Add("POST", "/_emulator/reset", [](RequestContext& context) {
    context.state.Reset();
    return JsonResponse(200, {{"reset", true}});
  });
  router_.Add("POST", "/_emulator/apps", AddHandler(AddApp));
  router_.Add("POST", "/_emulator/sites", AddTimedHandler(AddSite));
  router_.Add("POST", "/_emulator/confluence/users", AddHandler(AddConfluenceUser));
  router_.Add("POST", "/_emulator/confluence/spaces", AddTimedHandler(AddSpace));
  router_.Add("POST", "/_emulator/confluence/oauth-clients", AddHandler(AddOAuthClient));
  router_.Add("PUT", "/_emulator/faults", UpdateHandler(UpdateFaults));
  router_.Add("PUT", "/_emulator/limits", UpdateHandler(UpdateLimits));
  router_.Add("PUT", "/_emulator/settings", UpdateHandler(UpdateSettings));
  router_.Add("GET", "/_emulator/settings",
              [](RequestContext& context) { return JsonResponse(200, SettingsJson(context.state)); });
  router_.Add("GET", "/_emulator/stats",
              [](RequestContext& context) { return JsonResponse(200, context.state.stats.ToJson()); });
}

HttpResponse ControlPlane::Handle(RequestContext& context) const {
  bool path_known = false;
  auto match = router_.Find(context.request.method, SplitPath(context.request.path), &path_known);
  if (!match) {
    HttpResponse response = ControlError(path_known ? 405 : 404, "no such control-plane endpoint");
    response.route = "unmatched /_emulator";
    return response;
  }
  context.params = std::move(match->params);
  HttpResponse response = (*match->handler)(context);
  response.route = match->route;
  return response;
}

bool ApplySeed(EmulatorState& state, const nlohmann::json& seed, std::string* error) {
  if (!seed.is_object()) {
    *error = "seed must be a JSON object";
    return false;
  }
  static const std::set<std::string> kKnownKeys = {"apps",  "sites",  "confluence_users", "confluence_spaces",
                                                   "confluence_oauth_clients", "faults", "limits", "settings"};
  for (const auto& [key, value] : seed.items()) {
    if (!kKnownKeys.count(key)) {
      *error = "unknown seed key '" + key + "'";
      return false;
    }
  }
  auto each = [&](const char* key, auto add) {
    if (!seed.contains(key)) return true;
    if (!seed[key].is_array()) {
      *error = std::string("seed key '") + key + "' must be an array";
      return false;
    }
    for (const auto& object : seed[key]) {
      Outcome outcome = add(object);
      if (!outcome.error.empty()) {
        *error = std::string(key) + ": " + outcome.error;
        return false;
      }
    }
    return true;
  };
  TimePoint now = Clock::now();
  return each("apps", [&](const nlohmann::json& o) { return AddApp(state, o); }) &&
         each("sites", [&](const nlohmann::json& o) { return AddSite(state, o, now); }) &&
         each("confluence_users", [&](const nlohmann::json& o) { return AddConfluenceUser(state, o); }) &&
         each("confluence_spaces", [&](const nlohmann::json& o) { return AddSpace(state, o, now); }) &&
         each("confluence_oauth_clients", [&](const nlohmann::json& o) { return AddOAuthClient(state, o); }) &&
         (!seed.contains("faults") || UpdateFaults(state, seed["faults"], error)) &&
         (!seed.contains("limits") || UpdateLimits(state, seed["limits"], error)) &&
         (!seed.contains("settings") || UpdateSettings(state, seed["settings"], error));
}

}  // namespace syncbridge::emulator
