// Pure: what the router needs of one sync definition, built from a catalog
// snapshot (field_map, shard_rule, target) and immutable once built.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mapper/predicate.hpp"
#include "mapper/transform.hpp"

namespace syncbridge::mapper {

enum class FieldDirection { kBoth, kPushOnly, kPullOnly };

struct FieldRule {
  std::string column;
  std::string remote_field;
  FieldDirection direction = FieldDirection::kBoth;
  std::optional<Transform> transform;

  bool Pushed() const { return direction != FieldDirection::kPullOnly; }
  bool Pulled() const { return direction != FieldDirection::kPushOnly; }
};

struct RouteRule {
  int priority = 0;
  Predicate predicate;
  int target_id = 0;
};

struct SyncMapping {
  int sync_id = 0;
  std::vector<std::string> key_columns;
  std::vector<FieldRule> fields;
  std::vector<RouteRule> rules;  // ascending priority: the first that holds wins
  int default_target_id = 0;
};

}  // namespace syncbridge::mapper
