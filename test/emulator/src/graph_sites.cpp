// Sites, lists and columns.
#include <cctype>

#include "graph_api.hpp"
#include "graph_errors.hpp"
#include "graph_fields.hpp"

namespace syncbridge::emulator {
namespace {

nlohmann::json SiteJson(const SharePointSite& site) {
  return {{"id", site.id},
          {"name", site.name},
          {"displayName", site.name},
          {"webUrl", SiteWebUrl(site)},
          {"createdDateTime", FormatIsoSeconds(site.created)},
          {"lastModifiedDateTime", FormatIsoSeconds(site.created)},
          {"siteCollection", {{"hostname", site.hostname}}}};
}

nlohmann::json ListJson(const SharePointSite& site, const SharePointList& list) {
  return {{"@odata.etag", "\"" + list.id + ",1\""},
          {"id", list.id},
          {"name", list.name},
          {"displayName", list.display_name},
          {"description", list.description},
          {"eTag", "\"" + list.id + ",1\""},
          {"createdDateTime", FormatIsoSeconds(list.created)},
          {"lastModifiedDateTime", FormatIsoSeconds(list.modified)},
          {"webUrl", SiteWebUrl(site) + "/Lists/" + list.name},
          {"parentReference", {{"siteId", site.id}}},
          {"list", {{"contentTypesEnabled", false}, {"hidden", false}, {"template", list.template_name}}}};
}

// SharePoint derives the URL name from the display name without spaces.
std::string UrlName(const std::string& display_name) {
  std::string name;
  for (char c : display_name)
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') name.push_back(c);
  return name.empty() ? "List" : name;
}

HttpResponse GetSite(GraphRequest& call) { return JsonResponse(200, SiteJson(*call.site)); }

HttpResponse GetLists(GraphRequest& call) {
  nlohmann::json value = nlohmann::json::array();
  for (const auto& list : call.site->lists) value.push_back(ListJson(*call.site, *list));
  return JsonResponse(200, {{"value", value}});
}

HttpResponse GetList(GraphRequest& call) {
  nlohmann::json body = ListJson(*call.site, *call.list);
  auto expand = call.context.Query("$expand").value_or(call.context.Query("expand").value_or(""));
  if (expand.find("columns") != std::string::npos) {
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& column : call.list->columns) columns.push_back(ColumnToJson(column));
    body["columns"] = columns;
  }
  return JsonResponse(200, body);
}

HttpResponse CreateList(GraphRequest& call) {
  HttpResponse error;
  auto body = ParseJsonBody(call.context, &error);
  if (!body) return error;
  if (!body->contains("displayName") || !(*body)["displayName"].is_string() ||
      (*body)["displayName"].get<std::string>().empty())
    return GraphError(400, "invalidRequest", "Invalid request: displayName is required.");
  auto list = std::make_unique<SharePointList>();
  list->id = NewGuid();
  list->display_name = (*body)["displayName"].get<std::string>();
  list->name = UrlName(list->display_name);
  list->description = body->value("description", "");
  list->created = list->modified = call.context.now;
  if (body->contains("list") && (*body)["list"].is_object())
    list->template_name = (*body)["list"].value("template", "genericList");
  if (list->template_name != "genericList")
    return GraphError(400, "invalidRequest", "Only the genericList template is supported by this emulator.");
  for (const auto& existing : call.site->lists)
    if (Headers::EqualsIgnoreCase(existing->display_name, list->display_name))
      return GraphError(409, "nameAlreadyExists", "The specified name is already in use.");
  list->columns = GenericListColumns();
  if (body->contains("columns")) {
    if (!(*body)["columns"].is_array()) return GraphError(400, "invalidRequest", "columns must be an array.");
    for (const auto& definition : (*body)["columns"]) {
      std::string message;
      auto column = ColumnFromJson(definition, &message);
      if (!column) return GraphError(400, "invalidRequest", message);
      if (list->FindColumn(column->name))
        return GraphError(400, "invalidRequest", "A field with the name '" + column->name + "' already exists.");
      list->columns.push_back(*column);
    }
  }
  nlohmann::json json = ListJson(*call.site, *list);
  call.site->lists.push_back(std::move(list));
  return JsonResponse(201, json);
}

HttpResponse GetColumns(GraphRequest& call) {
  nlohmann::json value = nlohmann::json::array();
  for (const auto& column : call.list->columns) value.push_back(ColumnToJson(column));
  return JsonResponse(200, {{"value", value}});
}

HttpResponse CreateColumn(GraphRequest& call) {
  HttpResponse error;
  auto body = ParseJsonBody(call.context, &error);
  if (!body) return error;
  std::string message;
  auto column = ColumnFromJson(*body, &message);
  if (!column) return GraphError(400, "invalidRequest", message);
  if (call.list->FindColumn(column->name))
    return GraphError(409, "nameAlreadyExists", "A field with the name '" + column->name + "' already exists.");
  call.list->columns.push_back(*column);
  return JsonResponse(201, ColumnToJson(*column));
}

}  // namespace

void RegisterSiteRoutes(GraphRoutes& routes) {
  routes.Add("GET", "/sites/{site}", ResourceUnitCost::kSingleRead, GetSite);
  routes.Add("GET", "/sites/{site}/lists", ResourceUnitCost::kMultiItem, GetLists);
  routes.Add("POST", "/sites/{site}/lists", ResourceUnitCost::kWrite, CreateList);
  routes.Add("GET", "/sites/{site}/lists/{list}", ResourceUnitCost::kSingleRead, GetList);
  routes.Add("GET", "/sites/{site}/lists/{list}/columns", ResourceUnitCost::kMultiItem, GetColumns);
  routes.Add("POST", "/sites/{site}/lists/{list}/columns", ResourceUnitCost::kWrite, CreateColumn);
}

}  // namespace syncbridge::emulator
