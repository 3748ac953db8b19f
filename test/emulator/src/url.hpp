// URL and encoding helpers shared by every API module.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_message.hpp"

namespace syncbridge::emulator {

std::string PercentDecode(std::string_view text, bool plus_is_space);
std::string PercentEncode(std::string_view text);
// Parses "a=1&b=2" (query strings and application/x-www-form-urlencoded).
QueryParams ParseQuery(std::string_view text);
// Builds "a=1&b=2" with values percent-encoded, in the map's order.
std::string BuildQuery(const QueryParams& params);
// Splits "/a/b/c" into {"a","b","c"}; empty segments are dropped.
std::vector<std::string> SplitPath(std::string_view path);
std::vector<std::string> SplitList(std::string_view text, char separator);
std::string Base64Encode(std::string_view bytes);
std::optional<std::string> Base64Decode(std::string_view text);
std::string Trim(std::string_view text);

}  // namespace syncbridge::emulator
