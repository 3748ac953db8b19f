// SharePoint columns and field values: column definitions to and from JSON,
// validation of written values by column type, and the fieldValueSet that
// Graph returns (user fields plus read-only system fields).
#pragma once

#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "http_message.hpp"
#include "state.hpp"

namespace syncbridge::emulator {

// The id SharePoint's User Information List gives the "SharePoint App"
// account, under which app-only writes are recorded.
inline constexpr const char* kAppOnlyUserLookupId = "1073741822";

// `"\"guid,N\""`: the item's GUID and version, quoted like an HTTP eTag.
std::string ItemETag(const ListItem& item);

// Parses one column definition as POSTed to .../columns or inside a list
// create; nullopt and `error` set when it is invalid.
std::optional<ColumnDefinition> ColumnFromJson(const nlohmann::json& body, std::string* error);
nlohmann::json ColumnToJson(const ColumnDefinition& column);
// The built-in columns every genericList has (Title plus system columns).
std::vector<ColumnDefinition> GenericListColumns();

// Checks a fieldValueSet written by POST items or PATCH fields. Returns a
// Graph 400 when a key is unknown, read-only, or of the wrong type.
std::optional<HttpResponse> ValidateFieldWrite(const SharePointList& list, const nlohmann::json& fields);
// Merges a validated write into the item, normalising values the way
// SharePoint stores them (dates to UTC seconds, lookups to ids).
void ApplyFieldWrite(const SharePointList& list, ListItem& item, const nlohmann::json& fields);

// The fieldValueSet as Graph returns it. With `select`, only those fields
// (plus @odata.etag); hidden columns appear only when selected.
nlohmann::json RenderFieldValueSet(const SharePointList& list, const ListItem& item,
                                   const std::set<std::string>* select);

// The stored value that a $filter on column `name` compares against.
std::optional<nlohmann::json> FilterableValue(const ListItem& item, const std::string& name);

}  // namespace syncbridge::emulator
