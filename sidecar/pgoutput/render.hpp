// Pure rendering of pgoutput text values as typed JSON (docs/decode-format.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace syncbridge::pgoutput {

// Appends s as a JSON string literal (quoted, escaped) to out.
void AppendJsonString(std::string& out, std::string_view s);

// Renders one column's server text form as JSON according to its type OID.
// Assumes the walsender session uses DateStyle=ISO and bytea_output=hex (the
// stream connection sets both); timestamptz with any offset is shifted to UTC.
// Unknown OIDs render as the server's text form; user types are first mapped
// to a built-in OID by TypeRegistry::RenderOid.
std::string RenderValue(std::uint32_t type_oid, std::string_view text);

// The built-in array type whose elements render like elem_oid (a built-in
// scalar with a typed rendering), or 0 when there is none.
std::uint32_t BuiltinArrayOf(std::uint32_t elem_oid);

}  // namespace syncbridge::pgoutput
