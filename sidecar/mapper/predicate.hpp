// Pure: shard-rule predicates, as syncbridge._normalize_predicate() stores
// them, evaluated on a row with SQL WHERE semantics.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "mapper/value_order.hpp"

namespace syncbridge::mapper {

// kMissing: the predicate needs a column the change did not carry (an
// unchanged TOAST value); the caller keeps the row's current route or reads
// the whole row.
enum class Truth { kFalse, kTrue, kUnknown, kMissing };

class Predicate {
 public:
  // Parses the normalised form; anything else is a config error naming the path.
  static common::Result<Predicate> Parse(const nlohmann::json& normalized);

  // row: column name → canonical JSON value; an absent column is unknown to
  // this change (kMissing), JSON null is SQL NULL. Errors when a value is not
  // of its column's family (e.g. the column's type changed under the rule).
  common::Result<Truth> Evaluate(const nlohmann::json& row) const;

  // Columns the predicate reads.
  std::vector<std::string> Columns() const;

  struct Node;  // the parsed tree; defined in predicate.cpp

 private:
  explicit Predicate(std::shared_ptr<const Node> root) : root_(std::move(root)) {}
  std::shared_ptr<const Node> root_;  // immutable, shared by copies of a catalog snapshot
};

}  // namespace syncbridge::mapper
