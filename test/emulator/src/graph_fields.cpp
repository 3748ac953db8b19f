#include "graph_fields.hpp"

#include <set>

#include "graph_errors.hpp"

namespace syncbridge::emulator {
namespace {

const std::set<std::string> kColumnFacets = {"text",     "number",   "boolean",        "dateTime",
                                             "choice",   "currency", "lookup",         "personOrGroup",
                                             "hyperlinkOrPicture"};

// System fields SharePoint fills in; writing them is refused.
const std::set<std::string> kReadOnlyFields = {
    "ID",       "id",          "Created",         "Modified",       "Author",   "Editor",
    "AuthorLookupId", "EditorLookupId", "ContentType", "_UIVersionString", "Attachments", "Edit",
    "LinkTitle", "LinkTitleNoMenu", "ItemChildCount", "FolderChildCount", "DocIcon", "_ComplianceFlags"};

bool IsLookupLike(const ColumnDefinition& column) {
  return column.type == "lookup" || column.type == "personOrGroup";
}

bool AllowsMultipleValues(const ColumnDefinition& column) {
  return column.facet.is_object() && column.facet.value("allowMultipleValues", false);
}

HttpResponse InvalidField(const std::string& message) { return GraphError(400, "invalidRequest", message); }

std::optional<HttpResponse> ValidateScalar(const ColumnDefinition& column, const nlohmann::json& value) {
  const std::string& name = column.name;
  auto wrong_type = [&](const char* expected) {
    return InvalidField("Invalid value for field '" + name + "': expected " + expected + ".");
  };
  if (column.type == "text" || column.type == "hyperlinkOrPicture") {
    if (!value.is_string()) return wrong_type("a string");
    int max_length = column.facet.value("maxLength", column.facet.value("allowMultipleLines", false) ? 63999 : 255);
    if (static_cast<int>(value.get<std::string>().size()) > max_length)
      return InvalidField("The value of field '" + name + "' exceeds its maximum length of " +
                          std::to_string(max_length) + ".");
    return std::nullopt;
  }
  if (column.type == "number" || column.type == "currency") {
    if (!value.is_number()) return wrong_type("a number");
    double number = value.get<double>();
    if (column.facet.contains("minimum") && column.facet["minimum"].is_number() &&
        number < column.facet["minimum"].get<double>())
      return InvalidField("The value of field '" + name + "' is below its minimum.");
    if (column.facet.contains("maximum") && column.facet["maximum"].is_number() &&
        number > column.facet["maximum"].get<double>())
      return InvalidField("The value of field '" + name + "' is above its maximum.");
    return std::nullopt;
  }
  if (column.type == "boolean") {
    if (!value.is_boolean()) return wrong_type("true or false");
    return std::nullopt;
  }
  if (column.type == "dateTime") {
    if (!value.is_string() || !ParseIso(value.get<std::string>()))
      return wrong_type("an ISO 8601 date and time");
    return std::nullopt;
  }
  if (column.type == "choice") {
    if (!value.is_string()) return wrong_type("a string");
    if (column.facet.value("allowTextEntry", false)) return std::nullopt;
    const auto& choices = column.facet.value("choices", nlohmann::json::array());
    for (const auto& choice : choices)
      if (choice == value) return std::nullopt;
    return InvalidField("The value '" + value.get<std::string>() + "' is not a valid choice for field '" + name +
                        "'.");
  }
  if (IsLookupLike(column)) {
    // Writes take the id as a number; person columns also accept a string.
    bool ok = value.is_number_integer() ||
              (column.type == "personOrGroup" && value.is_string() && !value.get<std::string>().empty() &&
               value.get<std::string>().find_first_not_of("0123456789") == std::string::npos);
    if (!ok) return wrong_type("an integer lookup id");
    return std::nullopt;
  }
  return std::nullopt;
}

nlohmann::json NormaliseScalar(const ColumnDefinition& column, const nlohmann::json& value) {
  if (value.is_null()) return value;
  if (column.type == "dateTime") {
    auto instant = *ParseIso(value.get<std::string>());
    // Date-only columns keep the instant of (UTC) midnight of the site.
    if (column.facet.value("format", "dateTime") == "dateOnly")
      instant = std::chrono::floor<std::chrono::days>(instant);
    return FormatIsoSeconds(instant);
  }
  if (IsLookupLike(column)) {
    // Graph reads lookup ids back as strings.
    return value.is_string() ? value.get<std::string>() : std::to_string(value.get<int64_t>());
  }
  return value;
}

// Maps a written key to its column: "Name", or "NameLookupId" for lookups.
const ColumnDefinition* ColumnForKey(const SharePointList& list, const std::string& key, bool* lookup_key) {
  *lookup_key = false;
  if (const auto* column = list.FindColumn(key)) return column;
  static constexpr std::string_view kSuffix = "LookupId";
  if (key.size() > kSuffix.size() && key.compare(key.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    const auto* column = list.FindColumn(key.substr(0, key.size() - kSuffix.size()));
    if (column && IsLookupLike(*column)) {
      *lookup_key = true;
      return column;
    }
  }
  return nullptr;
}

}  // namespace

std::string ItemETag(const ListItem& item) { return "\"" + item.guid + "," + std::to_string(item.version) + "\""; }

std::optional<ColumnDefinition> ColumnFromJson(const nlohmann::json& body, std::string* error) {
  if (!body.is_object() || !body.contains("name") || !body["name"].is_string() ||
      body["name"].get<std::string>().empty()) {
    *error = "A column needs a name.";
    return std::nullopt;
  }
  ColumnDefinition column;
  column.id = NewGuid();
  column.name = body["name"].get<std::string>();
  column.display_name = body.value("displayName", column.name);
  column.hidden = body.value("hidden", false);
  column.indexed = body.value("indexed", false);
  column.required = body.value("required", false);
  column.enforce_unique = body.value("enforceUniqueValues", false);
  int facets = 0;
  for (const auto& facet : kColumnFacets) {
    if (body.contains(facet)) {
      ++facets;
      column.type = facet;
      column.facet = body[facet].is_object() ? body[facet] : nlohmann::json::object();
    }
  }
  if (facets != 1) {
    *error = "A column definition must have exactly one type facet (text, number, boolean, dateTime, choice, "
             "currency, lookup, personOrGroup or hyperlinkOrPicture).";
    return std::nullopt;
  }
  if (kReadOnlyFields.count(column.name) || column.name == "Title") {
    *error = "A field with the name '" + column.name + "' already exists in the list.";
    return std::nullopt;
  }
  return column;
}

nlohmann::json ColumnToJson(const ColumnDefinition& column) {
  nlohmann::json json = {{"columnGroup", "Custom Columns"},
                         {"description", ""},
                         {"displayName", column.display_name},
                         {"enforceUniqueValues", column.enforce_unique},
                         {"hidden", column.hidden},
                         {"id", column.id},
                         {"indexed", column.indexed},
                         {"name", column.name},
                         {"readOnly", column.read_only},
                         {"required", column.required}};
  json[column.type] = column.facet;
  return json;
}

std::vector<ColumnDefinition> GenericListColumns() {
  auto make = [](const char* name, const char* display, const char* type, bool read_only, bool hidden) {
    ColumnDefinition column;
    column.id = NewGuid();
    column.name = name;
    column.display_name = display;
    column.type = type;
    column.read_only = read_only;
    column.hidden = hidden;
    column.facet = nlohmann::json::object();
    return column;
  };
  std::vector<ColumnDefinition> columns;
  auto title = make("Title", "Title", "text", false, false);
  title.required = true;
  title.facet = {{"allowMultipleLines", false}, {"maxLength", 255}};
  columns.push_back(title);
  columns.push_back(make("Created", "Created", "dateTime", true, false));
  columns.push_back(make("Modified", "Modified", "dateTime", true, false));
  columns.push_back(make("Author", "Created By", "personOrGroup", true, false));
  columns.push_back(make("Editor", "Modified By", "personOrGroup", true, false));
  columns.back().facet = {{"allowMultipleSelection", false}};
  return columns;
}

std::optional<HttpResponse> ValidateFieldWrite(const SharePointList& list, const nlohmann::json& fields) {
  if (!fields.is_object()) return InvalidField("Invalid request: fields must be an object.");
  for (const auto& [key, value] : fields.items()) {
    auto at = key.find("@odata.type");
    if (at != std::string::npos) {
      if (!value.is_string() || (value != "Collection(Edm.String)" && value != "Collection(Edm.Int32)"))
        return InvalidField("Invalid annotation '" + key + "'.");
      continue;
    }
    if (kReadOnlyFields.count(key))
      return InvalidField("Field '" + key + "' is read-only");
    bool lookup_key = false;
    const ColumnDefinition* column = ColumnForKey(list, key, &lookup_key);
    if (column == nullptr) return InvalidField("Field '" + key + "' is not recognized");
    if (column->read_only) return InvalidField("Field '" + key + "' is read-only");
    if (IsLookupLike(*column) && !lookup_key)
      return InvalidField("Field '" + key + "' is a lookup: write its id as '" + key + "LookupId'.");
    if (value.is_null()) continue;
    if (value.is_array()) {
      bool multi = AllowsMultipleValues(*column) ||
                   (column->type == "choice" && column->facet.value("displayAs", "") == "checkBoxes") ||
                   column->facet.value("allowMultipleSelection", false);
      if (!multi) return InvalidField("Field '" + key + "' does not allow multiple values.");
      if (!fields.contains(key + "@odata.type"))
        return InvalidField("A multi-value field '" + key + "' needs a '" + key + "@odata.type' annotation.");
      for (const auto& element : value)
        if (auto error = ValidateScalar(*column, element)) return error;
      continue;
    }
    if (auto error = ValidateScalar(*column, value)) return error;
  }
  return std::nullopt;
}

void ApplyFieldWrite(const SharePointList& list, ListItem& item, const nlohmann::json& fields) {
  for (const auto& [key, value] : fields.items()) {
    if (key.find("@odata.type") != std::string::npos) continue;
    bool lookup_key = false;
    const ColumnDefinition* column = ColumnForKey(list, key, &lookup_key);
    if (value.is_null()) {
      item.fields.erase(key);
      continue;
    }
    if (value.is_array()) {
      nlohmann::json stored = nlohmann::json::array();
      for (const auto& element : value) {
        // Multi-lookups are read back as numbers inside the collection.
        stored.push_back(IsLookupLike(*column) ? nlohmann::json(std::stoll(NormaliseScalar(*column, element).get<std::string>()))
                                               : NormaliseScalar(*column, element));
      }
      item.fields[key] = stored;
    } else {
      item.fields[key] = NormaliseScalar(*column, value);
    }
  }
}

nlohmann::json RenderFieldValueSet(const SharePointList& list, const ListItem& item,
                                   const std::set<std::string>* select) {
  nlohmann::json all = nlohmann::json::object();
  std::string title = item.fields.value("Title", "");
  for (const auto& [key, value] : item.fields.items()) {
    bool lookup_key = false;
    const ColumnDefinition* column = ColumnForKey(list, key, &lookup_key);
    if (column && column->hidden && !(select && (select->count(column->name) || select->count(key)))) continue;
    if (value.is_array())
      all[key + "@odata.type"] = IsLookupLike(*column) ? "Collection(Edm.Int32)" : "Collection(Edm.String)";
    all[key] = value;
  }
  all["id"] = std::to_string(item.id);
  all["ContentType"] = "Item";
  all["Modified"] = FormatIsoSeconds(item.modified);
  all["Created"] = FormatIsoSeconds(item.created);
  all["AuthorLookupId"] = kAppOnlyUserLookupId;
  all["EditorLookupId"] = kAppOnlyUserLookupId;
  all["_UIVersionString"] = std::to_string(item.version) + ".0";
  all["Attachments"] = false;
  all["Edit"] = "";
  all["LinkTitleNoMenu"] = title;
  all["LinkTitle"] = title;
  all["ItemChildCount"] = "0";
  all["FolderChildCount"] = "0";

  nlohmann::json out = {{"@odata.etag", ItemETag(item)}};
  for (const auto& [key, value] : all.items()) {
    if (select) {
      std::string base = key;
      auto at = base.find("@odata.type");
      if (at != std::string::npos) base = base.substr(0, at);
      bool wanted = select->count(base) != 0;
      // Selecting a lookup column by name returns its LookupId value.
      static constexpr std::string_view kSuffix = "LookupId";
      if (!wanted && base.size() > kSuffix.size() &&
          base.compare(base.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0)
        wanted = select->count(base.substr(0, base.size() - kSuffix.size())) != 0;
      if (!wanted) continue;
    }
    out[key] = value;
  }
  return out;
}

std::optional<nlohmann::json> FilterableValue(const ListItem& item, const std::string& name) {
  if (name == "id" || name == "ID") return nlohmann::json(item.id);
  if (name == "Created") return nlohmann::json(FormatIsoSeconds(item.created));
  if (name == "Modified") return nlohmann::json(FormatIsoSeconds(item.modified));
  auto it = item.fields.find(name);
  if (it == item.fields.end()) return nlohmann::json(nullptr);
  return *it;
}

}  // namespace syncbridge::emulator
