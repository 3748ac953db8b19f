// Pure: one row change + the ledger's record of it → what to do remotely
// (DESIGN.md, "Flow of one change (push)", step 3).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "mapper/content_hash.hpp"
#include "mapper/sync_mapping.hpp"

namespace syncbridge::mapper {

// The ledger row of (sync, row key), as far as the decision needs it.
struct LedgerView {
  int target_id = 0;
  std::string remote_id;     // empty: never created remotely (or a create failed)
  std::string content_hash;  // raw bytes; empty when unknown
  FieldHashes field_hashes;
  bool deleted = false;
};

// One row change. The caller turns a key change into two: a delete of the
// old key, then an upsert of the new one.
struct RowChange {
  enum class Op { kUpsert, kDelete };
  Op op = Op::kUpsert;
  nlohmann::json key = nlohmann::json::object();
  // Column → canonical value; a column absent here was not sent (unchanged
  // TOAST). Unused for deletes.
  nlohmann::json row = nlohmann::json::object();
};

struct Decision {
  enum class Kind {
    kSkip,         // the remote item already holds this content (if content_hash differs
                   // from the ledger's, only the ledger needs the new hashes)
    kCreate,       // no live remote item: create one at target_id with every pushed field
    kUpdate,       // PATCH only `fields` (the changed ones) of remote_id at target_id
    kDelete,       // delete remote_id at target_id
    kMove,         // delete remote_id at from_target_id, create at target_id
    kNeedFullRow,  // a value needed here was not in the change: read the row, decide again
    kError,        // the definition cannot be applied to this row: record an item_error
  };
  Kind kind = Kind::kSkip;
  int target_id = 0;
  int from_target_id = 0;
  std::string remote_id;
  nlohmann::json fields = nlohmann::json::object();  // remote field → value to send
  FieldHashes field_hashes;                          // every pushed field, for the ledger
  std::string content_hash;                          // for the ledger
  std::string error;
};

Decision Decide(const SyncMapping& mapping, const RowChange& change, const LedgerView* ledger);

// The target a row routes to, or kMissing/an error when the rules need a
// column the row does not carry or cannot compare it.
struct Route {
  int target_id = 0;
  bool missing = false;
  std::string error;
};
Route RouteRow(const SyncMapping& mapping, const nlohmann::json& row);

// The key of a row, from the key columns; nullopt when one is absent or NULL.
std::optional<nlohmann::json> KeyOf(const SyncMapping& mapping, const nlohmann::json& row);

}  // namespace syncbridge::mapper
