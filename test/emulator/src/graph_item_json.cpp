#include "graph_item_json.hpp"

#include "graph_api.hpp"
#include "graph_fields.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

// App-only writes show the application and SharePoint's "SharePoint App" user.
nlohmann::json Identity(const std::string& client_id) {
  return {{"application", {{"id", client_id}, {"displayName", client_id}}},
          {"user", {{"displayName", "SharePoint App"}}}};
}

}  // namespace

FieldsExpansion ParseFieldsExpansion(const RequestContext& context) {
  FieldsExpansion expansion;
  std::string expand = context.Query("expand").value_or(context.Query("$expand").value_or(""));
  auto pos = expand.find("fields");
  if (pos == std::string::npos) return expansion;
  expansion.expand = true;
  auto open = expand.find('(', pos);
  auto close = expand.find(')', pos);
  if (open == std::string::npos || close == std::string::npos || close < open) return expansion;
  std::string inner = expand.substr(open + 1, close - open - 1);
  for (const char* prefix : {"$select=", "select="}) {
    auto start = inner.find(prefix);
    if (start == std::string::npos) continue;
    std::set<std::string> names;
    std::string list = inner.substr(start + std::string(prefix).size());
    list = list.substr(0, list.find(';'));
    for (const auto& name : SplitList(list, ','))
      if (!Trim(name).empty()) names.insert(Trim(name));
    expansion.select = names;
    break;
  }
  return expansion;
}

nlohmann::json ItemJson(const SharePointSite& site, const SharePointList& list, const ListItem& item,
                        const FieldsExpansion& expansion, bool with_modified_by) {
  nlohmann::json json = {{"@odata.etag", ItemETag(item)},
                         {"createdDateTime", FormatIsoSeconds(item.created)},
                         {"eTag", ItemETag(item)},
                         {"id", std::to_string(item.id)},
                         {"lastModifiedDateTime", FormatIsoSeconds(item.modified)},
                         {"webUrl", SiteWebUrl(site) + "/Lists/" + list.name + "/" + std::to_string(item.id) + "_.000"},
                         {"createdBy", Identity(item.created_by_app)},
                         {"parentReference", {{"id", list.id}, {"siteId", site.id}}},
                         {"contentType", {{"id", "0x0100" + std::string(32, '0')}, {"name", "Item"}}}};
  if (with_modified_by) json["lastModifiedBy"] = Identity(item.modified_by_app);
  if (expansion.expand)
    json["fields"] = RenderFieldValueSet(list, item, expansion.select ? &*expansion.select : nullptr);
  return json;
}

}  // namespace syncbridge::emulator
