#include "openapi_schema.hpp"

#include <fstream>
#include <regex>

namespace syncbridge::emulator::testing {
namespace {

// RFC 3339 date-time, as the spec's "YYYY-MM-DDTHH:mm:ss.sssZ".
bool IsDateTime(const std::string& text) {
  static const std::regex kDateTime(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
  return std::regex_match(text, kDateTime);
}

bool HasType(const nlohmann::json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  return false;
}

}  // namespace

std::optional<OpenApiSpec> OpenApiSpec::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  auto document = nlohmann::json::parse(in, nullptr, false);
  if (document.is_discarded() || !document.is_object()) return std::nullopt;
  return OpenApiSpec(std::move(document));
}

const nlohmann::json& OpenApiSpec::Resolve(const nlohmann::json& schema) const {
  const nlohmann::json* current = &schema;
  // References may chain; a document that loops would be malformed.
  for (int hops = 0; hops < 16 && current->is_object() && current->contains("$ref"); ++hops) {
    std::string ref = (*current)["$ref"].get<std::string>();
    if (ref.rfind("#", 0) != 0) throw std::runtime_error("external $ref not supported: " + ref);
    current = &document_.at(nlohmann::json::json_pointer(ref.substr(1)));
  }
  return *current;
}

nlohmann::json OpenApiSpec::ResponseSchema(const std::string& path, const std::string& method,
                                           const std::string& status) const {
  const auto& operation = document_.at("paths").at(path).at(method);
  const auto& response = Resolve(operation.at("responses").at(status));
  if (!response.contains("content") || !response["content"].contains("application/json")) return nullptr;
  return response["content"]["application/json"].value("schema", nlohmann::json());
}

nlohmann::json OpenApiSpec::RequestSchema(const std::string& path, const std::string& method) const {
  const auto& operation = document_.at("paths").at(path).at(method);
  if (!operation.contains("requestBody")) return nullptr;
  const auto& body = Resolve(operation["requestBody"]);
  return body.at("content").at("application/json").value("schema", nlohmann::json());
}

std::vector<std::string> OpenApiSpec::Validate(const nlohmann::json& value, const nlohmann::json& schema) const {
  std::vector<std::string> errors;
  Check(value, schema, "$", errors, 0);
  return errors;
}

void OpenApiSpec::Check(const nlohmann::json& value, const nlohmann::json& raw_schema, const std::string& where,
                        std::vector<std::string>& errors, int depth) const {
  if (depth > 64) {
    errors.push_back(where + ": schema nesting too deep");
    return;
  }
  const nlohmann::json& schema = Resolve(raw_schema);
  if (!schema.is_object()) return;  // {} or true: anything goes

  if (value.is_null() && schema.value("nullable", false)) return;

  if (schema.contains("allOf"))
    for (const auto& part : schema["allOf"]) Check(value, part, where, errors, depth + 1);

  for (const char* keyword : {"anyOf", "oneOf"}) {
    if (!schema.contains(keyword)) continue;
    std::vector<std::string> first_failure;
    bool any = false;
    for (const auto& part : schema[keyword]) {
      std::vector<std::string> attempt;
      Check(value, part, where, attempt, depth + 1);
      if (attempt.empty()) {
        any = true;
        break;
      }
      if (first_failure.empty()) first_failure = attempt;
    }
    if (!any) {
      errors.push_back(where + ": matches none of the " + keyword + " alternatives");
      errors.insert(errors.end(), first_failure.begin(), first_failure.end());
    }
  }

  if (schema.contains("type")) {
    std::string type = schema["type"].get<std::string>();
    if (!HasType(value, type)) {
      errors.push_back(where + ": expected " + type + (schema.value("nullable", false) ? " or null" : "") +
                       ", got " + value.dump().substr(0, 80));
      return;
    }
  } else if (value.is_null() && (schema.contains("properties") || schema.contains("enum"))) {
    // An object or enum schema without a type still does not admit null.
    errors.push_back(where + ": null where the schema is not nullable");
    return;
  }

  if (schema.contains("enum")) {
    bool listed = false;
    for (const auto& option : schema["enum"]) listed = listed || option == value;
    if (!listed) errors.push_back(where + ": " + value.dump() + " is not one of " + schema["enum"].dump());
  }

  if (value.is_string() && schema.value("format", "") == "date-time" && !IsDateTime(value.get<std::string>()))
    errors.push_back(where + ": '" + value.get<std::string>() + "' is not an RFC 3339 date-time");

  if (value.is_object()) {
    if (schema.contains("required"))
      for (const auto& name : schema["required"])
        if (!value.contains(name.get<std::string>()))
          errors.push_back(where + ": required property '" + name.get<std::string>() + "' is missing");
    if (schema.contains("properties"))
      for (const auto& [name, property_schema] : schema["properties"].items())
        if (value.contains(name)) Check(value[name], property_schema, where + "." + name, errors, depth + 1);
  }

  if (value.is_array()) {
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>())
      errors.push_back(where + ": more than " + schema["maxItems"].dump() + " items");
    if (schema.contains("items"))
      for (size_t i = 0; i < value.size(); ++i)
        Check(value[i], schema["items"], where + "[" + std::to_string(i) + "]", errors, depth + 1);
  }
}

}  // namespace syncbridge::emulator::testing
