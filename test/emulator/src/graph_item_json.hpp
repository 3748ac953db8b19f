// The listItem resource as JSON, and the `expand=fields(select=…)` option
// shared by item listings, single items and delta.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "router.hpp"
#include "state.hpp"

namespace syncbridge::emulator {

struct FieldsExpansion {
  bool expand = false;
  std::optional<std::set<std::string>> select;  // nullopt: all fields
};

// Reads `expand`/`$expand`: "fields", "fields(select=A,B)", "fields($select=A,B)".
FieldsExpansion ParseFieldsExpansion(const RequestContext& context);

// `with_modified_by` is false for delta, which does not report it.
nlohmann::json ItemJson(const SharePointSite& site, const SharePointList& list, const ListItem& item,
                        const FieldsExpansion& expansion, bool with_modified_by);

}  // namespace syncbridge::emulator
