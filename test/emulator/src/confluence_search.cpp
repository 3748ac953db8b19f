// Confluence REST v1 CQL search: GET /rest/api/content/search?cql=…
#include <algorithm>

#include "confluence_api.hpp"
#include "confluence_errors.hpp"
#include "confluence_store.hpp"
#include "cql.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

constexpr int kDefaultLimit = 25;
constexpr int kMaxLimit = 200;

nlohmann::json VersionJson(const WorldState& world, const ConfluencePage& page) {
  std::string display_name = page.version_author_id;
  for (const auto& user : world.confluence_users)
    if (user.account_id == page.version_author_id) display_name = user.display_name;
  return {{"by", {{"type", "known"}, {"accountId", page.version_author_id}, {"displayName", display_name}}},
          {"when", FormatIsoMillis(page.modified)},
          {"message", page.version_message},
          {"number", page.version},
          {"minorEdit", page.minor_edit}};
}

HttpResponse Search(RequestContext& context) {
  auto cql_text = context.Query("cql");
  if (!cql_text || Trim(*cql_text).empty()) return ConfluenceV1Error(400, "The cql parameter is required");
  std::string error;
  auto query = ParseCql(*cql_text, &error);
  if (!query) return ConfluenceV1Error(400, "Could not parse cql : " + *cql_text + " (" + error + ")");

  int limit = kDefaultLimit;
  int64_t start = 0;
  try {
    if (auto value = context.Query("limit")) limit = std::clamp(std::stoi(*value), 1, kMaxLimit);
    if (auto value = context.Query("start")) start = std::max<int64_t>(0, std::stoll(*value));
  } catch (...) {
    return ConfluenceV1Error(400, "limit and start must be integers");
  }
  // The cursor is opaque to clients; here it holds the next offset.
  if (auto cursor = context.Query("cursor")) {
    auto decoded = Base64Decode(*cursor);
    try {
      start = decoded ? std::stoll(*decoded) : -1;
    } catch (...) {
      start = -1;
    }
    if (start < 0) return ConfluenceV1Error(400, "Invalid cursor");
  }
  std::string expand = context.Query("expand").value_or("");
  bool with_version = false, with_space = false;
  for (const auto& item : SplitList(expand, ',')) {
    if (Trim(item) == "version") with_version = true;
    if (Trim(item) == "space") with_space = true;
  }

  auto& world = context.state.world;
  const TimePoint indexed_until = context.now - std::chrono::milliseconds(context.state.settings.cql_index_lag_ms);
  std::vector<std::pair<CqlContent, const ConfluencePage*>> matching;
  for (const auto& [id, page] : world.pages) {
    if (page.status != "current") continue;  // search covers current content only
    // Writes newer than the index lag are not searchable yet. (The real
    // index would still show the previous version; hiding the page is the
    // simpler approximation.)
    if (page.modified > indexed_until) continue;
    auto* space = FindSpaceById(world, page.space_id);
    CqlContent content{"page", space ? space->key : "", page.title, page.id, page.created, page.modified};
    if (CqlMatches(*query, content)) matching.emplace_back(content, &page);
  }
  std::sort(matching.begin(), matching.end(),
            [&](const auto& a, const auto& b) { return CqlLess(*query, a.first, b.first); });

  nlohmann::json results = nlohmann::json::array();
  for (int64_t i = start; i < static_cast<int64_t>(matching.size()) && i < start + limit; ++i) {
    const ConfluencePage& page = *matching[static_cast<size_t>(i)].second;
    nlohmann::json result = {{"id", page.id},
                             {"type", "page"},
                             {"status", page.status},
                             {"title", page.title},
                             {"_links",
                              {{"webui", PageWebUi(world, page)},
                               {"self", context.api_base + "/rest/api/content/" + page.id},
                               {"tinyui", "/x/" + page.id}}},
                             {"_expandable", nlohmann::json::object()}};
    if (with_version) {
      result["version"] = VersionJson(world, page);
    } else {
      result["_expandable"]["version"] = "";
    }
    if (with_space) {
      auto* space = FindSpaceById(world, page.space_id);
      result["space"] = {{"id", std::stoll(space->id)}, {"key", space->key}, {"name", space->name}, {"type", "global"}};
    } else {
      result["_expandable"]["space"] = "/rest/api/space/" + matching[static_cast<size_t>(i)].first.space_key;
    }
    results.push_back(result);
  }
  nlohmann::json body = {{"results", results},
                         {"start", start},
                         {"limit", limit},
                         {"size", results.size()},
                         {"totalSize", matching.size()},
                         {"cqlQuery", *cql_text},
                         {"searchDuration", 1},
                         {"_links", {{"base", context.api_base}, {"context", "/wiki"}}}};
  if (start + limit < static_cast<int64_t>(matching.size())) {
    QueryParams next = context.request.query;
    next.erase("start");
    next["limit"] = std::to_string(limit);
    next["cursor"] = Base64Encode(std::to_string(start + limit));
    body["_links"]["next"] = "/rest/api/content/search?" + BuildQuery(next);
  }
  return JsonResponse(200, body);
}

}  // namespace

void RegisterSearchRoutes(Router& router) { router.Add("GET", "/rest/api/content/search", Search); }

}  // namespace syncbridge::emulator
