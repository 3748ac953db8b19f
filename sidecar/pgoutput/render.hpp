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
// Unknown OIDs (enums, domains, user types) render as the server's text form.
std::string RenderValue(std::uint32_t type_oid, std::string_view text);

}  // namespace syncbridge::pgoutput
