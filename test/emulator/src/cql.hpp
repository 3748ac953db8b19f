// The subset of CQL (Confluence Query Language) that syncbridge uses:
// clauses joined by AND over type, space, title, id, created and
// lastmodified, and ORDER BY one of those fields. Pure: no state, no I/O.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "clock.hpp"

namespace syncbridge::emulator {

struct CqlClause {
  std::string field;  // lowercased: type, space, title, id, created, lastmodified
  std::string op;     // =, !=, >, >=, <, <=, in, not in
  std::vector<std::string> values;
};

struct CqlQuery {
  std::vector<CqlClause> clauses;
  std::string order_field;  // empty: no ORDER BY
  bool order_descending = false;
};

// nullopt and `error` set when the text is outside the supported subset.
std::optional<CqlQuery> ParseCql(const std::string& text, std::string* error);

// What a clause is evaluated against.
struct CqlContent {
  std::string type;
  std::string space_key;
  std::string title;
  std::string id;
  TimePoint created;
  TimePoint modified;
};

bool CqlMatches(const CqlQuery& query, const CqlContent& content);
// Orders by the query's ORDER BY (ties and no ORDER BY: by id).
bool CqlLess(const CqlQuery& query, const CqlContent& a, const CqlContent& b);
// Parses a CQL date: "yyyy-MM-dd HH:mm", "yyyy/MM/dd HH:mm", "yyyy-MM-dd", "yyyy/MM/dd".
std::optional<TimePoint> ParseCqlDate(const std::string& text);

}  // namespace syncbridge::emulator
