// Pure: the named field transforms of syncbridge.map_field(), applied to
// canonical JSON values on push and reversed on pull.
#pragma once

#include <locale>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace syncbridge::mapper {

class Transform {
 public:
  enum class Kind { kText, kJsonText, kLower, kUpper, kTrim, kDateOnly, kPrefix, kSuffix, kScale };

  // The names the extension accepts (docs/sql-api.md, "Transforms").
  static common::Result<Transform> Parse(std::string_view spec);

  Kind kind() const { return kind_; }
  // Usable for pull: the extension refuses irreversible transforms on fields
  // that are pulled, and so does Pull().
  bool Reversible() const;

  // Column value (decode's canonical JSON) → remote value. NULL stays NULL.
  common::Result<nlohmann::json> Push(const nlohmann::json& value) const;
  // Remote value → a value apply_remote accepts for the column.
  common::Result<nlohmann::json> Pull(const nlohmann::json& value) const;

 private:
  Transform(Kind kind, std::string argument);
  std::string ChangeCase(const std::string& utf8, bool upper) const;

  Kind kind_;
  std::string argument_;  // affix text, or the scale factor's digits
  std::locale locale_;    // C.UTF-8 for lower/upper when available, else ASCII only
};

// The value as text, as PostgreSQL's ::text would print it (strings as they are).
std::string TextForm(const nlohmann::json& value);

}  // namespace syncbridge::mapper
