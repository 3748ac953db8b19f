// Confluence REST v2 (/api/v2): spaces, pages and page content properties.
#include <algorithm>
#include <regex>

#include "confluence_api.hpp"
#include "confluence_errors.hpp"
#include "confluence_store.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

constexpr size_t kMaxBodyBytes = 5 * 1024 * 1024;
constexpr int kDefaultLimit = 25;
constexpr int kMaxLimit = 250;

HttpResponse BadRequest(const std::string& title) { return ConfluenceV2Error(400, "INVALID_REQUEST_PARAMETER", title); }
HttpResponse NotFound() { return ConfluenceV2Error(404, "NOT_FOUND", "Not Found"); }

std::optional<nlohmann::json> JsonBody(const RequestContext& context, HttpResponse* error) {
  auto body = nlohmann::json::parse(context.request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    *error = BadRequest("The request body is not a valid JSON object.");
    return std::nullopt;
  }
  return body;
}

// Reads `limit` (1..250, default 25) or answers 400.
std::optional<int> ReadLimit(const RequestContext& context, HttpResponse* error) {
  auto text = context.Query("limit");
  if (!text) return kDefaultLimit;
  try {
    int limit = std::stoi(*text);
    if (limit >= 1 && limit <= kMaxLimit) return limit;
  } catch (...) {
  }
  *error = BadRequest("limit must be between 1 and " + std::to_string(kMaxLimit));
  return std::nullopt;
}

// Confluence rewrites some markup on save; tables gain class="wrapped".
std::string NormaliseStorage(const std::string& storage) {
  static const std::regex kBareTable(R"(<table(\s*)>)");
  static const std::regex kTableWithoutClass(R"(<table((?:\s+(?!class=)[a-zA-Z:-]+="[^"]*")+)\s*>)");
  std::string out = std::regex_replace(storage, kBareTable, "<table class=\"wrapped\">");
  return std::regex_replace(out, kTableWithoutClass, "<table class=\"wrapped\"$1>");
}

// A page of results with `_links` and, when there is more, `_links.next`
// (relative to the site) and the same link in a Link header.
HttpResponse PagedResponse(const RequestContext& context, const std::string& api_path, nlohmann::json results,
                           const std::optional<std::string>& next_cursor) {
  nlohmann::json body = {{"results", std::move(results)}, {"_links", {{"base", context.api_base}}}};
  std::string link;
  if (next_cursor) {
    QueryParams query = context.request.query;
    query["cursor"] = *next_cursor;
    std::string next = "/wiki" + api_path + "?" + BuildQuery(query);
    body["_links"]["next"] = next;
    link = "<" + next + ">; rel=\"next\", <" + context.api_base + ">; rel=\"base\"";
  }
  HttpResponse response = JsonResponse(200, body);
  if (!link.empty()) response.AddHeader("Link", link);
  return response;
}

// ---- spaces -------------------------------------------------------------

// Optional members (description, icon) come only when asked for with
// description-format / include-icon, which the emulator does not serve, so
// they are left out rather than sent as null (the spec does not allow null).
nlohmann::json SpaceJson(const ConfluenceSpace& space) {
  nlohmann::json json = {{"id", space.id},
                         {"key", space.key},
                         {"name", space.name},
                         {"type", "global"},
                         {"status", "current"},
                         {"authorId", ""},
                         {"createdAt", FormatIsoMillis(space.created)},
                         {"_links", {{"webui", "/spaces/" + space.key}}}};
  if (!space.homepage_id.empty()) json["homepageId"] = space.homepage_id;
  return json;
}

HttpResponse ListSpaces(RequestContext& context) {
  HttpResponse error;
  auto limit = ReadLimit(context, &error);
  if (!limit) return error;
  std::vector<std::string> keys, ids;
  if (auto value = context.Query("keys")) keys = SplitList(*value, ',');
  if (auto value = context.Query("ids")) ids = SplitList(*value, ',');
  int64_t after = 0;
  if (auto cursor = context.Query("cursor")) {
    auto decoded = Base64Decode(*cursor);
    try {
      after = decoded ? std::stoll(*decoded) : -1;
    } catch (...) {
      after = -1;
    }
    if (after < 0) return BadRequest("Invalid cursor");
  }
  std::vector<const ConfluenceSpace*> matching;
  for (const auto& space : context.state.world.spaces) {
    if (!keys.empty() && std::find(keys.begin(), keys.end(), space.key) == keys.end()) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), space.id) == ids.end()) continue;
    if (std::stoll(space.id) <= after) continue;
    matching.push_back(&space);
  }
  std::sort(matching.begin(), matching.end(),
            [](const auto* a, const auto* b) { return std::stoll(a->id) < std::stoll(b->id); });
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < matching.size() && static_cast<int>(i) < *limit; ++i) results.push_back(SpaceJson(*matching[i]));
  std::optional<std::string> next;
  if (static_cast<int>(matching.size()) > *limit) next = Base64Encode(matching[*limit - 1]->id);
  return PagedResponse(context, "/api/v2/spaces", std::move(results), next);
}

HttpResponse GetSpace(RequestContext& context) {
  auto* space = FindSpaceById(context.state.world, context.Param("id"));
  if (!space) return NotFound();
  nlohmann::json json = SpaceJson(*space);
  json["_links"]["base"] = context.api_base;  // single entities carry the base too
  return JsonResponse(200, json);
}

// ---- pages --------------------------------------------------------------

nlohmann::json PageJson(const RequestContext& context, const ConfluencePage& page, bool with_body) {
  nlohmann::json body = nlohmann::json::object();
  if (with_body) body["storage"] = {{"representation", "storage"}, {"value", page.body_storage}};
  nlohmann::json json = {
          {"id", page.id},
          {"status", page.status},
          {"title", page.title},
          {"spaceId", page.space_id},
          {"position", nullptr},
          {"authorId", page.author_id},
          {"ownerId", page.owner_id},
          {"lastOwnerId", nullptr},
          {"createdAt", FormatIsoMillis(page.created)},
          {"version",
           {{"createdAt", FormatIsoMillis(page.modified)},
            {"message", page.version_message},
            {"number", page.version},
            {"minorEdit", page.minor_edit},
            {"authorId", page.version_author_id}}},
          {"body", body},
          {"_links",
           {{"webui", PageWebUi(context.state.world, page)},
            {"editui", "/pages/resumedraft.action?draftId=" + page.id},
            {"tinyui", "/x/" + page.id}}}};
  // A page at the root of its space (the home page) has no parent; the
  // members are then left out (the spec types them as non-null strings).
  if (!page.parent_id.empty()) {
    json["parentId"] = page.parent_id;
    json["parentType"] = "page";
  }
  return json;
}

// A single page as GET/POST/PUT answer it: with `_links.base`.
HttpResponse SinglePage(const RequestContext& context, const ConfluencePage& page, bool with_body) {
  nlohmann::json json = PageJson(context, page, with_body);
  json["_links"]["base"] = context.api_base;
  return JsonResponse(200, json);
}

bool WantsStorageBody(const RequestContext& context) { return context.Query("body-format").value_or("") == "storage"; }

bool TitleTaken(const WorldState& world, const std::string& space_id, const std::string& title,
                const std::string& except_id) {
  for (const auto& [id, page] : world.pages)
    if (page.space_id == space_id && page.status == "current" && page.title == title && page.id != except_id)
      return true;
  return false;
}

// The service's wording, which names the title and the space key.
HttpResponse DuplicateTitle(WorldState& world, const std::string& space_id, const std::string& title) {
  const auto* space = FindSpaceById(world, space_id);
  return BadRequest("A page with this title already exists: A page already exists with the title " + title +
                    " in the space with key " + (space ? space->key : space_id));
}

// Validates the body object {"representation":"storage","value":…}.
std::optional<HttpResponse> ReadStorageBody(const nlohmann::json& request, std::string* storage) {
  if (!request.contains("body")) {
    storage->clear();
    return std::nullopt;
  }
  // Two spellings are accepted, like the service: {"representation","value"}
  // and the nested {"storage":{"representation","value"}}.
  const auto* body_pointer = &request["body"];
  if (body_pointer->is_object() && !body_pointer->contains("value")) {
    for (const char* other : {"atlas_doc_format", "wiki"})
      if (body_pointer->contains(other))
        return BadRequest(std::string("This emulator accepts only the storage representation, not '") + other + "'");
    if (body_pointer->contains("storage")) body_pointer = &(*body_pointer)["storage"];
  }
  const auto& body = *body_pointer;
  if (!body.is_object() || !body.contains("value") || !body["value"].is_string())
    return BadRequest("body must be {\"representation\":\"storage\",\"value\":\"…\"}");
  std::string representation = body.value("representation", "storage");
  if (representation != "storage")
    return BadRequest("This emulator accepts only the storage representation, not '" + representation + "'");
  *storage = body["value"].get<std::string>();
  if (storage->size() > kMaxBodyBytes)
    return ConfluenceV2Error(413, "REQUEST_ENTITY_TOO_LARGE", "The page body exceeds the maximum size of 5 MB");
  return std::nullopt;
}

HttpResponse CreatePage(RequestContext& context) {
  HttpResponse error;
  auto request = JsonBody(context, &error);
  if (!request) return error;
  auto& world = context.state.world;
  std::string space_id = request->contains("spaceId") ? (*request)["spaceId"].is_string()
                                                            ? (*request)["spaceId"].get<std::string>()
                                                            : (*request)["spaceId"].dump()
                                                      : "";
  if (space_id.empty()) return BadRequest("spaceId is required");
  if (!FindSpaceById(world, space_id)) return ConfluenceV2Error(404, "NOT_FOUND", "Space not found: " + space_id);
  std::string status = request->value("status", "current");
  if (status != "current") return BadRequest("This emulator creates pages with status current only");
  std::string title = request->contains("title") && (*request)["title"].is_string() ? (*request)["title"].get<std::string>() : "";
  if (Trim(title).empty()) return BadRequest("A page title is required");
  if (TitleTaken(world, space_id, title, ""))
    return DuplicateTitle(world, space_id, title);
  // Without a parentId a page goes under the space's home page.
  std::string parent_id;
  if (auto* home = FindPage(world, FindSpaceById(world, space_id)->homepage_id); home && home->status == "current")
    parent_id = home->id;
  if (request->contains("parentId") && !(*request)["parentId"].is_null()) {
    parent_id = (*request)["parentId"].is_string() ? (*request)["parentId"].get<std::string>() : (*request)["parentId"].dump();
    auto* parent = FindPage(world, parent_id);
    if (!parent || parent->space_id != space_id || parent->status != "current")
      return BadRequest("The parent page " + parent_id + " does not exist in this space");
  }
  std::string storage;
  if (auto invalid = ReadStorageBody(*request, &storage)) return *invalid;

  ConfluencePage page;
  page.id = std::to_string(world.next_confluence_id++);
  page.space_id = space_id;
  page.parent_id = parent_id;
  page.title = title;
  page.body_storage = context.state.settings.confluence_normalize_storage ? NormaliseStorage(storage) : storage;
  page.author_id = page.owner_id = page.version_author_id = context.principal;
  page.created = page.modified = context.now;
  page.version = 1;
  auto& stored = world.pages[std::stoll(page.id)] = std::move(page);
  return SinglePage(context, stored, true);
}

// Page statuses a request asks for (comma-separated `status`).
std::vector<std::string> RequestedStatuses(const RequestContext& context, std::vector<std::string> fallback) {
  auto value = context.Query("status");
  return value ? SplitList(*value, ',') : fallback;
}

HttpResponse GetPage(RequestContext& context) {
  auto* page = FindPage(context.state.world, context.Param("id"));
  // Like the service, a trashed page is found only when asked for by status.
  auto statuses = RequestedStatuses(context, {"current", "archived"});
  if (!page || std::find(statuses.begin(), statuses.end(), page->status) == statuses.end()) return NotFound();
  return SinglePage(context, *page, WantsStorageBody(context));
}

HttpResponse UpdatePage(RequestContext& context) {
  HttpResponse error;
  auto request = JsonBody(context, &error);
  if (!request) return error;
  auto& world = context.state.world;
  auto* page = FindPage(world, context.Param("id"));
  if (!page) return NotFound();
  std::string body_id = request->contains("id") ? ((*request)["id"].is_string() ? (*request)["id"].get<std::string>()
                                                                                 : (*request)["id"].dump())
                                                : "";
  if (body_id != page->id) return BadRequest("The id in the body must match the page id in the path");
  std::string status = request->value("status", "");
  if (status != "current") return BadRequest("status is required and must be current");
  std::string title = request->contains("title") && (*request)["title"].is_string() ? (*request)["title"].get<std::string>() : "";
  if (Trim(title).empty()) return BadRequest("A page title is required");
  if (!request->contains("body")) return BadRequest("body is required");
  if (!request->contains("version") || !(*request)["version"].is_object() ||
      !(*request)["version"].contains("number") || !(*request)["version"]["number"].is_number_integer())
    return BadRequest("version.number is required");
  int64_t number = (*request)["version"]["number"].get<int64_t>();
  if (number != page->version + 1)
    return ConfluenceV2Error(409, "CONFLICT",
                             "Version must be incremented on update. Current version is: " + std::to_string(page->version));
  if (TitleTaken(world, page->space_id, title, page->id))
    return DuplicateTitle(world, page->space_id, title);
  std::string storage;
  if (auto invalid = ReadStorageBody(*request, &storage)) return *invalid;
  const auto& version = (*request)["version"];
  if ((version.contains("message") && !version["message"].is_string()) ||
      (version.contains("minorEdit") && !version["minorEdit"].is_boolean()))
    return BadRequest("version.message must be a string and version.minorEdit a boolean");

  // Validated: from here on nothing can fail half-way.
  page->status = "current";  // updating a trashed page restores it
  page->title = title;
  page->body_storage = context.state.settings.confluence_normalize_storage ? NormaliseStorage(storage) : storage;
  page->version = number;
  page->modified = context.now;
  page->version_author_id = context.principal;
  page->version_message = version.value("message", "");
  page->minor_edit = version.value("minorEdit", false);
  return SinglePage(context, *page, true);
}

HttpResponse DeletePage(RequestContext& context) {
  auto& world = context.state.world;
  auto* page = FindPage(world, context.Param("id"));
  if (!page) return NotFound();
  bool purge = context.Query("purge").value_or("false") == "true";
  if (purge) {
    // Only a page already in the trash can be purged.
    if (page->status != "trashed") return BadRequest("A page must be trashed before it can be purged");
    world.pages.erase(std::stoll(page->id));
    return EmptyResponse(204);
  }
  if (page->status == "trashed") return NotFound();
  page->status = "trashed";
  return EmptyResponse(204);
}

// Sort key of a page for /pages listings; ties break on id.
struct PageSortKey {
  int64_t number = 0;
  std::string text;
  int64_t id = 0;
};

std::optional<PageSortKey> SortKeyOf(const ConfluencePage& page, const std::string& field) {
  auto ms = [](TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  int64_t id = std::stoll(page.id);
  if (field == "id") return PageSortKey{id, "", id};
  if (field == "created-date") return PageSortKey{ms(page.created), "", id};
  if (field == "modified-date") return PageSortKey{ms(page.modified), "", id};
  if (field == "title") return PageSortKey{0, page.title, id};
  return std::nullopt;
}

bool KeyLess(const PageSortKey& a, const PageSortKey& b) {
  return std::tie(a.number, a.text, a.id) < std::tie(b.number, b.text, b.id);
}

std::string EncodePageCursor(const PageSortKey& key) {
  return Base64Encode(nlohmann::json{{"n", key.number}, {"t", key.text}, {"i", key.id}}.dump());
}

std::optional<PageSortKey> DecodePageCursor(const std::string& cursor) {
  auto decoded = Base64Decode(cursor);
  if (!decoded) return std::nullopt;
  auto json = nlohmann::json::parse(*decoded, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("n") || !json.contains("t") || !json.contains("i"))
    return std::nullopt;
  return PageSortKey{json["n"].get<int64_t>(), json["t"].get<std::string>(), json["i"].get<int64_t>()};
}

HttpResponse ListPages(RequestContext& context) {
  HttpResponse error;
  auto limit = ReadLimit(context, &error);
  if (!limit) return error;
  std::string sort = context.Query("sort").value_or("id");
  bool descending = !sort.empty() && sort[0] == '-';
  std::string field = descending ? sort.substr(1) : sort;
  if (field != "id" && field != "created-date" && field != "modified-date" && field != "title")
    return BadRequest("Invalid sort: " + sort);
  std::optional<PageSortKey> after;
  if (auto cursor = context.Query("cursor")) {
    after = DecodePageCursor(*cursor);
    if (!after) return BadRequest("Invalid cursor");
  }
  std::vector<std::string> space_ids, ids;
  if (auto value = context.Query("space-id")) space_ids = SplitList(*value, ',');
  if (auto value = context.Query("id")) ids = SplitList(*value, ',');
  auto statuses = RequestedStatuses(context, {"current", "archived"});
  auto title = context.Query("title");

  std::vector<std::pair<PageSortKey, const ConfluencePage*>> matching;
  for (const auto& [id, page] : context.state.world.pages) {
    if (!space_ids.empty() && std::find(space_ids.begin(), space_ids.end(), page.space_id) == space_ids.end()) continue;
    if (!ids.empty() && std::find(ids.begin(), ids.end(), page.id) == ids.end()) continue;
    if (std::find(statuses.begin(), statuses.end(), page.status) == statuses.end()) continue;
    if (title && page.title != *title) continue;
    PageSortKey key = *SortKeyOf(page, field);
    if (after && (descending ? !KeyLess(key, *after) : !KeyLess(*after, key))) continue;
    matching.emplace_back(key, &page);
  }
  std::sort(matching.begin(), matching.end(), [descending](const auto& a, const auto& b) {
    return descending ? KeyLess(b.first, a.first) : KeyLess(a.first, b.first);
  });
  bool with_body = WantsStorageBody(context);
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < matching.size() && static_cast<int>(i) < *limit; ++i)
    results.push_back(PageJson(context, *matching[i].second, with_body));
  std::optional<std::string> next;
  if (static_cast<int>(matching.size()) > *limit) next = EncodePageCursor(matching[*limit - 1].first);
  return PagedResponse(context, "/api/v2/pages", std::move(results), next);
}

// ---- content properties -------------------------------------------------

nlohmann::json PropertyJson(const ContentProperty& property) {
  return {{"id", property.id},
          {"key", property.key},
          {"value", property.value},
          {"version",
           {{"createdAt", FormatIsoMillis(property.modified)},
            {"message", ""},
            {"number", property.version},
            {"minorEdit", false},
            {"authorId", property.author_id}}}};
}

ConfluencePage* LivePage(RequestContext& context) {
  auto* page = FindPage(context.state.world, context.Param("page-id"));
  return page && page->status == "current" ? page : nullptr;
}

ContentProperty* FindProperty(ConfluencePage& page, const std::string& id) {
  for (auto& property : page.properties)
    if (property.id == id) return &property;
  return nullptr;
}

HttpResponse ListProperties(RequestContext& context) {
  auto* page = LivePage(context);
  if (!page) return NotFound();
  HttpResponse error;
  auto limit = ReadLimit(context, &error);
  if (!limit) return error;
  auto key = context.Query("key");
  int64_t after = 0;
  if (auto cursor = context.Query("cursor")) {
    auto decoded = Base64Decode(*cursor);
    try {
      after = decoded ? std::stoll(*decoded) : -1;
    } catch (...) {
      after = -1;
    }
    if (after < 0) return BadRequest("Invalid cursor");
  }
  std::vector<const ContentProperty*> matching;
  for (const auto& property : page->properties)
    if ((!key || property.key == *key) && std::stoll(property.id) > after) matching.push_back(&property);
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < matching.size() && static_cast<int>(i) < *limit; ++i) results.push_back(PropertyJson(*matching[i]));
  std::optional<std::string> next;
  if (static_cast<int>(matching.size()) > *limit) next = Base64Encode(matching[*limit - 1]->id);
  return PagedResponse(context, "/api/v2/pages/" + page->id + "/properties", std::move(results), next);
}

HttpResponse CreateProperty(RequestContext& context) {
  auto* page = LivePage(context);
  if (!page) return NotFound();
  HttpResponse error;
  auto request = JsonBody(context, &error);
  if (!request) return error;
  if (!request->contains("key") || !(*request)["key"].is_string() || (*request)["key"].get<std::string>().empty())
    return BadRequest("key is required");
  if (!request->contains("value")) return BadRequest("value is required");
  std::string key = (*request)["key"];
  for (const auto& property : page->properties)
    if (property.key == key) return BadRequest("A content property with key '" + key + "' already exists");
  ContentProperty property{std::to_string(context.state.world.next_confluence_id++), key, (*request)["value"], 1,
                           context.now, context.principal};
  page->properties.push_back(property);
  return JsonResponse(200, PropertyJson(property));
}

HttpResponse GetProperty(RequestContext& context) {
  auto* page = LivePage(context);
  if (!page) return NotFound();
  auto* property = FindProperty(*page, context.Param("property-id"));
  if (!property) return NotFound();
  return JsonResponse(200, PropertyJson(*property));
}

HttpResponse UpdateProperty(RequestContext& context) {
  auto* page = LivePage(context);
  if (!page) return NotFound();
  auto* property = FindProperty(*page, context.Param("property-id"));
  if (!property) return NotFound();
  HttpResponse error;
  auto request = JsonBody(context, &error);
  if (!request) return error;
  if (!request->contains("value")) return BadRequest("value is required");
  if (!request->contains("version") || !(*request)["version"].is_object() ||
      !(*request)["version"].contains("number") || !(*request)["version"]["number"].is_number_integer())
    return BadRequest("version.number is required");
  int64_t number = (*request)["version"]["number"].get<int64_t>();
  if (number != property->version + 1)
    return ConfluenceV2Error(409, "CONFLICT",
                             "Version must be incremented on update. Current version is: " +
                                 std::to_string(property->version));
  if (request->contains("key") && (*request)["key"].is_string() && (*request)["key"].get<std::string>() != property->key)
    return BadRequest("The key of a content property cannot be changed");
  property->value = (*request)["value"];
  property->version = number;
  property->modified = context.now;
  property->author_id = context.principal;
  return JsonResponse(200, PropertyJson(*property));
}

HttpResponse DeleteProperty(RequestContext& context) {
  auto* page = LivePage(context);
  if (!page) return NotFound();
  auto& properties = page->properties;
  auto it = std::find_if(properties.begin(), properties.end(),
                         [&](const ContentProperty& p) { return p.id == context.Param("property-id"); });
  if (it == properties.end()) return NotFound();
  properties.erase(it);
  return EmptyResponse(204);
}

}  // namespace

void RegisterPageRoutes(Router& router) {
  router.Add("GET", "/api/v2/spaces", ListSpaces);
  router.Add("GET", "/api/v2/spaces/{id}", GetSpace);
  router.Add("GET", "/api/v2/pages", ListPages);
  router.Add("POST", "/api/v2/pages", CreatePage);
  router.Add("GET", "/api/v2/pages/{id}", GetPage);
  router.Add("PUT", "/api/v2/pages/{id}", UpdatePage);
  router.Add("DELETE", "/api/v2/pages/{id}", DeletePage);
  router.Add("GET", "/api/v2/pages/{page-id}/properties", ListProperties);
  router.Add("POST", "/api/v2/pages/{page-id}/properties", CreateProperty);
  router.Add("GET", "/api/v2/pages/{page-id}/properties/{property-id}", GetProperty);
  router.Add("PUT", "/api/v2/pages/{page-id}/properties/{property-id}", UpdateProperty);
  router.Add("DELETE", "/api/v2/pages/{page-id}/properties/{property-id}", DeleteProperty);
}

}  // namespace syncbridge::emulator
