// A small validator for the JSON-Schema subset of an OpenAPI 3 document, so
// the tests can check the emulator's Confluence v2 answers against
// Atlassian's published description. Covers what that document uses: $ref,
// type, nullable, enum, required, properties, items, maxItems, allOf,
// anyOf/oneOf and the date-time format. `oneOf` is read as `anyOf`, because
// the page-body alternatives of the Confluence spec both match every body.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace syncbridge::emulator::testing {

class OpenApiSpec {
 public:
  // nullopt when the file is missing or not JSON.
  static std::optional<OpenApiSpec> Load(const std::string& path);
  explicit OpenApiSpec(nlohmann::json document) : document_(std::move(document)) {}

  // The schema of a JSON answer, e.g. ("/pages/{id}", "get", "200"); null
  // when the document has none.
  nlohmann::json ResponseSchema(const std::string& path, const std::string& method, const std::string& status) const;
  // The schema of a JSON request body (requestBodies are resolved).
  nlohmann::json RequestSchema(const std::string& path, const std::string& method) const;

  // Every violation as "location: problem"; empty when the value is valid.
  std::vector<std::string> Validate(const nlohmann::json& value, const nlohmann::json& schema) const;

 private:
  const nlohmann::json& Resolve(const nlohmann::json& schema) const;
  void Check(const nlohmann::json& value, const nlohmann::json& schema, const std::string& where,
             std::vector<std::string>& errors, int depth) const;

  nlohmann::json document_;
};

}  // namespace syncbridge::emulator::testing
