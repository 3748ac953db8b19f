#include "connectors/sharepoint.hpp"

#include <algorithm>
#include <chrono>

#include "http/retry.hpp"

namespace syncbridge::connectors {
namespace {

using common::Error;
using common::ErrorKind;
using common::Result;
using common::Status;
using nlohmann::json;

bool IsSiteId(const std::string& site) { return site.find(":/") == std::string::npos; }

std::string ODataLiteral(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// A whole-call failure as an error value: throttling keeps its wait.
Error CallError(const http::Response& response, const std::string& what) {
  auto [code, message] = GraphErrorOf(response.body);
  std::string text = what + ": HTTP " + std::to_string(response.status) + (code.empty() ? "" : " " + code) +
                     (message.empty() ? "" : ": " + message);
  if (response.status == 429 || response.status == 503) {
    Error e{ErrorKind::kThrottled, text, 0};
    if (const auto* after = response.Header("retry-after")) {
      if (auto wait = http::ParseRetryAfter(*after, std::chrono::system_clock::now())) e.retry_after_ms = wait->count();
    }
    return e;
  }
  if (http::RetryPolicy::RetryableStatus(response.status)) return common::TransientError(text);
  if (response.status == 401 || response.status == 403) return common::ConfigError(text);
  return common::PermanentError(text);
}

// The Graph column definition of a table column (API-NOTES.md, "Lists and columns").
json ColumnDefinition(const ColumnSpec& spec) {
  json column = {{"name", spec.remote_field}};
  const std::string& t = spec.pg_type;
  auto starts = [&t](const char* prefix) { return t.rfind(prefix, 0) == 0; };
  if (spec.is_array) {
    column["text"] = {{"allowMultipleLines", true}};
  } else if (!spec.enum_labels.empty()) {
    column["choice"] = {{"choices", spec.enum_labels}, {"allowTextEntry", false}};
  } else if (t == "smallint" || t == "integer" || t == "bigint") {
    column["number"] = {{"decimalPlaces", "none"}};
  } else if (starts("numeric") || t == "real" || t == "double precision") {
    column["number"] = json::object();
  } else if (t == "boolean") {
    column["boolean"] = json::object();
  } else if (t == "date") {
    column["dateTime"] = {{"format", "dateOnly"}};
  } else if (starts("timestamp")) {
    column["dateTime"] = {{"format", "dateTime"}};
  } else if (starts("character varying(") || starts("character(")) {
    int length = std::atoi(t.substr(t.find('(') + 1).c_str());
    if (length > 0 && length <= 255)
      column["text"] = {{"maxLength", length}};
    else
      column["text"] = {{"allowMultipleLines", true}};
  } else if (t == "uuid") {
    column["text"] = {{"maxLength", 36}};
  } else {
    // text, json, jsonb and everything else: multi-line text has no 255 limit.
    column["text"] = {{"allowMultipleLines", true}};
  }
  return column;
}

OperationResult InnerResult(const Operation& op, const json& response) {
  OperationResult r;
  r.http_status = response.value("status", 0);
  const json body = response.contains("body") ? response["body"] : json();
  if (r.http_status >= 200 && r.http_status < 300) {
    r.outcome = OperationResult::Outcome::kApplied;
    if (op.kind == Operation::Kind::kCreate && body.is_object()) {
      r.remote_id = body.value("id", "");
      r.remote_version = body.value("eTag", "");
    } else if (op.kind == Operation::Kind::kUpdate && body.is_object()) {
      r.remote_id = op.remote_id;
      r.remote_version = body.value("@odata.etag", "");
    } else {
      r.remote_id = op.remote_id;
    }
    return r;
  }
  if (r.http_status == 404 && op.kind != Operation::Kind::kCreate) {
    // A delete of what is already gone is done; an update of it cannot be.
    r.outcome = op.kind == Operation::Kind::kDelete ? OperationResult::Outcome::kApplied
                                                    : OperationResult::Outcome::kGone;
    r.remote_id = op.remote_id;
    return r;
  }
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    r.error_code = body["error"].value("code", "");
    r.message = body["error"].value("message", "");
  }
  if (http::RetryPolicy::RetryableStatus(r.http_status) || r.http_status == 401) {
    r.outcome = OperationResult::Outcome::kRetry;
    if (response.contains("headers") && response["headers"].is_object()) {
      for (const auto& [name, value] : response["headers"].items()) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        if (lower == "retry-after" && value.is_string())
          r.retry_after = http::ParseRetryAfter(value.get<std::string>(), std::chrono::system_clock::now());
      }
    }
    return r;
  }
  r.outcome = OperationResult::Outcome::kFailed;
  return r;
}

}  // namespace

std::pair<std::string, std::string> GraphErrorOf(const std::string& body) {
  json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_object()) return {};
  return {parsed["error"].value("code", ""), parsed["error"].value("message", "")};
}

SharePointConnector::SharePointConnector(SharePointSettings settings, std::shared_ptr<GraphTokenSource> tokens)
    : settings_(std::move(settings)), tokens_(std::move(tokens)) {
  while (!settings_.graph_base_url.empty() && settings_.graph_base_url.back() == '/')
    settings_.graph_base_url.pop_back();
}

Result<http::Response> SharePointConnector::Call(http::Client& client, const std::string& method,
                                                 const std::string& path, const json& body) {
  for (int attempt = 0;; ++attempt) {
    auto token = tokens_->Token(client);
    if (!token) return token.Err();
    http::Request request{method, settings_.graph_base_url + path, {{"Authorization", "Bearer " + token.Value()},
                                                                    {"Accept", "application/json"}}, ""};
    if (!body.is_null()) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = body.dump();
    }
    auto sent = client.Send(request);
    if (!sent) return sent.Err();
    if (sent.Value().status == 401 && attempt == 0) {
      tokens_->Invalidate(token.Value());
      continue;
    }
    return sent;
  }
}

Result<std::string> SharePointConnector::SiteId(http::Client& client, const std::string& site) {
  if (IsSiteId(site)) return site;
  {
    std::lock_guard lock(mu_);
    if (auto it = site_ids_.find(site); it != site_ids_.end()) return it->second;
  }
  auto colon = site.find(":/");
  std::string path = "/sites/" + site.substr(0, colon) + ":" + site.substr(colon + 1);
  auto response = Call(client, "GET", path);
  if (!response) return response.Err();
  if (response.Value().status != 200) return CallError(response.Value(), "site " + site);
  json body = json::parse(response.Value().body, nullptr, false);
  if (!body.is_object() || !body.contains("id")) return common::ProtocolError("site " + site + ": no id in the answer");
  std::lock_guard lock(mu_);
  site_ids_[site] = body["id"].get<std::string>();
  return site_ids_[site];
}

Status SharePointConnector::LoadColumns(http::Client& client, ListInfo& list) {
  auto response = Call(client, "GET", "/sites/" + list.site_id + "/lists/" + list.list_id + "/columns");
  if (!response) return response.Err();
  if (response.Value().status != 200) return CallError(response.Value(), "columns of list " + list.list_id);
  json body = json::parse(response.Value().body, nullptr, false);
  if (!body.is_object() || !body.contains("value") || !body["value"].is_array())
    return common::ProtocolError("columns of list " + list.list_id + ": no value array");
  list.columns.clear();
  for (const auto& column : body["value"]) {
    GraphColumn parsed = ParseGraphColumn(column);
    list.columns[parsed.name] = parsed;
  }
  return {};
}

Result<std::optional<SharePointConnector::ListInfo>> SharePointConnector::FindList(http::Client& client,
                                                                                  const TargetRef& target) {
  std::string site = target.spec.value("site", settings_.default_site);
  std::string list_name = target.spec.value("list", "");
  auto site_id = SiteId(client, site);
  if (!site_id) return site_id.Err();
  auto response = Call(client, "GET", "/sites/" + site_id.Value() + "/lists/" + http::UrlEncode(list_name));
  if (!response) return response.Err();
  if (response.Value().status == 404) return std::optional<ListInfo>();
  if (response.Value().status != 200) return CallError(response.Value(), "list " + list_name);
  json body = json::parse(response.Value().body, nullptr, false);
  if (!body.is_object() || !body.contains("id")) return common::ProtocolError("list " + list_name + ": no id");
  ListInfo info{site_id.Value(), body["id"].get<std::string>(), {}};
  if (auto st = LoadColumns(client, info); !st) return st.Err();
  return std::optional<ListInfo>(std::move(info));
}

Result<SharePointConnector::ListInfo> SharePointConnector::List(http::Client& client, const TargetRef& target,
                                                                bool refresh) {
  if (!refresh) {
    std::lock_guard lock(mu_);
    if (auto it = lists_.find(target.target_id); it != lists_.end()) return it->second;
  }
  auto found = FindList(client, target);
  if (!found) return found.Err();
  if (!found.Value())
    return common::ConfigError("list \"" + target.spec.value("list", "") + "\" does not exist on site " +
                               target.spec.value("site", settings_.default_site) +
                               " (run SELECT syncbridge.provision(...) to create it)");
  std::lock_guard lock(mu_);
  lists_[target.target_id] = *found.Value();
  return *found.Value();
}

Result<std::string> SharePointConnector::ListId(http::Client& client, const TargetRef& target) {
  auto list = List(client, target);
  if (!list) return list.Err();
  return list.Value().list_id;
}

std::string SharePointConnector::ItemsPath(const ListInfo& list) const {
  return "/sites/" + list.site_id + "/lists/" + list.list_id + "/items";
}

Result<json> SharePointConnector::EncodeFields(http::Client& client, const TargetRef& target, ListInfo& list,
                                               const json& fields) {
  json out = json::object();
  for (const auto& [name, value] : fields.items()) {
    auto column = list.columns.find(name);
    if (column == list.columns.end()) {
      // Someone may have added the column since we looked: look once more.
      auto fresh = List(client, target, true);
      if (!fresh) return fresh.Err();
      list = fresh.Value();
      column = list.columns.find(name);
      if (column == list.columns.end())
        // The definition is ahead of the list: a configuration error for the
        // whole target (the items wait), not an error of this row.
        return common::ConfigError("list has no column \"" + name +
                                   "\" (run SELECT syncbridge.provision(...) to add it)");
    }
    if (auto st = EncodeField(column->second, value, out); !st) return st.Err();
  }
  return out;
}

Result<std::vector<OperationResult>> SharePointConnector::Apply(http::Client& client, const TargetRef& target,
                                                                const std::vector<Operation>& ops) {
  auto list = List(client, target);
  if (!list) return list.Err();
  ListInfo info = list.Value();
  std::vector<OperationResult> results(ops.size());
  json requests = json::array();
  std::vector<std::size_t> sent;  // request id → index in ops
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    json request = {{"id", std::to_string(sent.size())}};
    if (op.kind == Operation::Kind::kDelete) {
      request["method"] = "DELETE";
      request["url"] = ItemsPath(info) + "/" + op.remote_id;
    } else {
      auto fields = EncodeFields(client, target, info, op.fields);
      if (!fields) {
        if (fields.Err().kind != ErrorKind::kPermanent) return fields.Err();
        results[i].outcome = OperationResult::Outcome::kFailed;
        results[i].message = fields.Err().message;
        continue;
      }
      request["headers"] = {{"Content-Type", "application/json"}};
      if (op.kind == Operation::Kind::kCreate) {
        fields.Value()[kKeyField] = op.row_key;
        request["method"] = "POST";
        request["url"] = ItemsPath(info);
        request["body"] = {{"fields", fields.Value()}};
      } else {
        request["method"] = "PATCH";
        request["url"] = ItemsPath(info) + "/" + op.remote_id + "/fields";
        request["body"] = fields.Value();
      }
    }
    requests.push_back(std::move(request));
    sent.push_back(i);
  }
  if (sent.empty()) return results;

  auto response = Call(client, "POST", "/$batch", json{{"requests", requests}});
  if (!response) return response.Err();
  if (response.Value().status != 200) return CallError(response.Value(), "$batch");
  json body = json::parse(response.Value().body, nullptr, false);
  if (!body.is_object() || !body.contains("responses") || !body["responses"].is_array())
    return common::ProtocolError("$batch answer without responses");
  std::vector<bool> answered(sent.size(), false);
  for (const auto& inner : body["responses"]) {
    // Answers come in any order: match them by id.
    std::string id = inner.value("id", "");
    char* end = nullptr;
    unsigned long n = std::strtoul(id.c_str(), &end, 10);
    if (id.empty() || *end != '\0' || n >= sent.size() || answered[n])
      return common::ProtocolError("$batch answer with an unknown or repeated id \"" + id + "\"");
    answered[n] = true;
    results[sent[n]] = InnerResult(ops[sent[n]], inner);
  }
  if (std::find(answered.begin(), answered.end(), false) != answered.end())
    return common::ProtocolError("$batch answer is missing responses");
  return results;
}

Result<std::optional<RemoteItem>> SharePointConnector::FindByKey(http::Client& client, const TargetRef& target,
                                                                 const std::string& row_key) {
  auto list = List(client, target);
  if (!list) return list.Err();
  std::string filter = "fields/" + std::string(kKeyField) + " eq " + ODataLiteral(row_key);
  std::string path = ItemsPath(list.Value()) + "?$filter=" + http::UrlEncode(filter) +
                     "&expand=" + http::UrlEncode("fields(select=" + std::string(kKeyField) + ")") + "&$top=2";
  auto response = Call(client, "GET", path);
  if (!response) return response.Err();
  if (response.Value().status != 200) return CallError(response.Value(), "lookup by " + std::string(kKeyField));
  json body = json::parse(response.Value().body, nullptr, false);
  if (!body.is_object() || !body.contains("value") || !body["value"].is_array())
    return common::ProtocolError("lookup by key: no value array");
  std::optional<RemoteItem> found;
  for (const auto& item : body["value"]) {
    RemoteItem candidate{item.value("id", ""), item.value("eTag", "")};
    // Item ids are integers as strings; the oldest one is the original.
    if (!found || std::stoll(candidate.remote_id) < std::stoll(found->remote_id)) found = candidate;
  }
  return found;
}

Status SharePointConnector::Provision(http::Client& client, const TargetRef& target,
                                      const std::vector<ColumnSpec>& columns) {
  std::string list_name = target.spec.value("list", "");
  auto existing = FindList(client, target);
  if (!existing) return existing.Err();
  if (!existing.Value()) {
    auto site_id = SiteId(client, target.spec.value("site", settings_.default_site));
    if (!site_id) return site_id.Err();
    json create = {{"displayName", list_name}, {"list", {{"template", "genericList"}}}, {"columns", json::array()}};
    auto response = Call(client, "POST", "/sites/" + site_id.Value() + "/lists", create);
    if (!response) return response.Err();
    if (response.Value().status != 201) return CallError(response.Value(), "creating list " + list_name);
    existing = FindList(client, target);
    if (!existing) return existing.Err();
    if (!existing.Value()) return common::ProtocolError("list " + list_name + " is missing right after its creation");
  }
  ListInfo info = *existing.Value();
  std::vector<json> wanted;
  for (const auto& spec : columns)
    if (!info.columns.count(spec.remote_field)) wanted.push_back(ColumnDefinition(spec));
  if (!info.columns.count(kKeyField))
    wanted.push_back({{"name", kKeyField}, {"text", {{"maxLength", 255}}}, {"hidden", true}, {"indexed", true}});
  for (const auto& column : wanted) {
    auto response = Call(client, "POST", "/sites/" + info.site_id + "/lists/" + info.list_id + "/columns", column);
    if (!response) return response.Err();
    if (response.Value().status != 201)
      return CallError(response.Value(), "adding column " + column["name"].get<std::string>() + " to " + list_name);
  }
  // Later calls must see the new columns.
  auto refreshed = List(client, target, true);
  if (!refreshed) return refreshed.Err();
  return {};
}

}  // namespace syncbridge::connectors
