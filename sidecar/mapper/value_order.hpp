// Pure: ordering of column values in the canonical JSON form that
// `syncbridged decode` prints (docs/decode-format.md), per type family, with
// PostgreSQL's semantics where they differ from JSON's (numeric digits, NaN,
// infinities, BC dates).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace syncbridge::mapper {

// The type families of syncbridge._type_family() in the extension.
enum class Family { kInteger, kNumeric, kFloat, kBoolean, kText, kDate, kTimestamp, kTimestamptz, kUuid, kEnum };

std::optional<Family> ParseFamily(std::string_view name);

// <0, 0, >0 like strcmp; nullopt when either value is not of the family's
// canonical form (the caller reports that rather than guessing).
std::optional<int> CompareValues(Family family, const nlohmann::json& a, const nlohmann::json& b);

// Compares two exact decimal strings as PostgreSQL's numeric does: NaN equals
// NaN and sorts above everything, then Infinity; trailing fraction zeros and
// leading integer zeros do not matter. nullopt for malformed input.
std::optional<int> CompareDecimal(std::string_view a, std::string_view b);

}  // namespace syncbridge::mapper
