// Pure: canonical column values (docs/decode-format.md) ↔ the JSON that a
// SharePoint column of a given type takes and gives through Graph
// (API-NOTES.md, "Field values").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.hpp"

namespace syncbridge::connectors {

// A list column as Graph describes it: its internal name and type facet.
struct GraphColumn {
  std::string name;
  std::string type;  // text, number, currency, boolean, dateTime, choice, lookup, personOrGroup, …
  bool date_only = false;
  bool multi = false;  // allowMultipleValues
  bool read_only = false;
};

// Graph's column JSON ({"name":…, "text":{…}}) → GraphColumn.
GraphColumn ParseGraphColumn(const nlohmann::json& column);

// Adds field `name` with `value` encoded for `column` to `fields` (a
// fieldValueSet being built), including the @odata.type annotation that
// multi-value fields need. A value the column cannot hold is an error that
// names both.
common::Status EncodeField(const GraphColumn& column, const nlohmann::json& value, nlohmann::json& fields);

// dateTime as Graph writes it: ISO 8601 UTC, seconds precision, "Z".
// Accepts decode's date, timestamp and timestamptz forms.
common::Result<std::string> GraphDateTime(const std::string& canonical);

}  // namespace syncbridge::connectors
