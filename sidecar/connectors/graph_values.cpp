#include "connectors/graph_values.hpp"

#include <cmath>
#include <cstdlib>

#include "mapper/transform.hpp"

namespace syncbridge::connectors {
namespace {

using common::PermanentError;
using nlohmann::json;

common::Error Refuse(const GraphColumn& column, const json& value, const std::string& wants) {
  std::string shown = value.dump();
  if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
  return PermanentError("field \"" + column.name + "\" (" + column.type + ") needs " + wants + ", not " + shown);
}

common::Result<json> Scalar(const GraphColumn& column, const json& value) {
  if (value.is_null()) return value;
  if (column.type == "number" || column.type == "currency") {
    if (value.is_number()) return value;
    if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      char* end = nullptr;
      double d = std::strtod(text.c_str(), &end);
      if (!text.empty() && *end == '\0' && std::isfinite(d)) return json(d);
    }
    return Refuse(column, value, "a finite number");
  }
  if (column.type == "boolean") {
    if (value.is_boolean()) return value;
    return Refuse(column, value, "true or false");
  }
  if (column.type == "dateTime") {
    if (!value.is_string()) return Refuse(column, value, "a date or timestamp");
    auto dt = GraphDateTime(value.get<std::string>());
    if (!dt) return Refuse(column, value, "a date or timestamp in years 1900-8900");
    return json(dt.Value());
  }
  if (column.type == "lookup" || column.type == "personOrGroup") {
    if (value.is_number_integer()) return value;
    if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      char* end = nullptr;
      long long id = std::strtoll(text.c_str(), &end, 10);
      if (!text.empty() && *end == '\0') return json(id);
    }
    return Refuse(column, value, "an item id");
  }
  // text, note, choice and anything textual: the value's text form.
  return json(mapper::TextForm(value));
}

bool Digits(const std::string& s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return false;
  for (std::size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

}  // namespace

GraphColumn ParseGraphColumn(const json& column) {
  GraphColumn out;
  out.name = column.value("name", "");
  out.read_only = column.value("readOnly", false);
  for (const char* facet : {"text", "number", "currency", "boolean", "dateTime", "choice", "lookup", "personOrGroup",
                            "hyperlinkOrPicture", "calculated", "contentApprovalStatus"}) {
    if (!column.contains(facet)) continue;
    out.type = facet;
    const json& f = column[facet];
    if (f.is_object()) {
      out.date_only = f.value("format", "") == "dateOnly";
      out.multi = f.value("allowMultipleValues", false) || f.value("allowMultipleSelection", false);
    }
    break;
  }
  if (out.type.empty()) out.type = "text";
  return out;
}

common::Result<std::string> GraphDateTime(const std::string& canonical) {
  // "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.f]" or the same with "Z".
  if (canonical.size() < 10 || !Digits(canonical, 0, 4) || canonical[4] != '-' || !Digits(canonical, 5, 2) ||
      canonical[7] != '-' || !Digits(canonical, 8, 2))
    return PermanentError("not a date");
  int year = std::atoi(canonical.substr(0, 4).c_str());
  // SharePoint stores dates from 1900 to 8900 only.
  if (year < 1900 || year > 8900) return PermanentError("date out of SharePoint's range");
  std::string date = canonical.substr(0, 10);
  if (canonical.size() == 10) return date + "T00:00:00Z";
  if (canonical[10] != 'T' || canonical.size() < 19 || !Digits(canonical, 11, 2) || canonical[13] != ':' ||
      !Digits(canonical, 14, 2) || canonical[16] != ':' || !Digits(canonical, 17, 2))
    return PermanentError("not a timestamp");
  std::string rest = canonical.substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    rest = rest.substr(i);
  }
  if (!(rest.empty() || rest == "Z")) return PermanentError("not a UTC timestamp");
  // SharePoint keeps whole seconds; the fraction would be dropped by it anyway.
  return date + "T" + canonical.substr(11, 8) + "Z";
}

common::Status EncodeField(const GraphColumn& column, const json& value, json& fields) {
  if (column.read_only) return PermanentError("field \"" + column.name + "\" is read-only in SharePoint");
  bool lookup = column.type == "lookup" || column.type == "personOrGroup";
  std::string key = lookup ? column.name + "LookupId" : column.name;
  if (value.is_array()) {
    if (!column.multi && column.type != "text" && column.type != "note")
      return Refuse(column, value, "a single value (the column does not allow several)");
    if (!column.multi) {
      // A plain text column stores an array as its JSON text.
      fields[key] = value.dump();
      return {};
    }
    json items = json::array();
    for (const auto& element : value) {
      if (element.is_null()) continue;  // SharePoint collections hold no nulls
      auto encoded = Scalar(column, element);
      if (!encoded) return encoded.Err();
      items.push_back(std::move(encoded.Value()));
    }
    fields[key + "@odata.type"] = lookup ? "Collection(Edm.Int32)" : "Collection(Edm.String)";
    fields[key] = std::move(items);
    return {};
  }
  auto encoded = Scalar(column, value);
  if (!encoded) return encoded.Err();
  if (column.multi && !encoded.Value().is_null()) {
    fields[key + "@odata.type"] = lookup ? "Collection(Edm.Int32)" : "Collection(Edm.String)";
    fields[key] = json::array({encoded.Value()});
    return {};
  }
  fields[key] = std::move(encoded.Value());
  return {};
}

}  // namespace syncbridge::connectors
