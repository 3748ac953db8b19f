// Batched reads and writes of syncbridge.ledger (what the remote side holds
// per row) and of item_error: one round trip per lookup and per commit, so
// ledger writes keep pace with Graph batches of 20 and backfill chunks.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/pg.hpp"
#include "catalog/writer.hpp"
#include "common/lsn.hpp"
#include "common/status.hpp"
#include "mapper/decision.hpp"

namespace syncbridge::ledger {

enum class State { kPending, kSynced, kDeleted, kFailed };
const char* ToString(State s);

// A ledger row as the router needs it.
struct Entry {
  nlohmann::json row_key;
  mapper::LedgerView view;  // view.deleted: state is 'deleted'
  State state = State::kSynced;
  std::string remote_version;
  common::Lsn last_lsn;
  // pending: a create was about to be sent when the sidecar stopped; failed:
  // the remote refused the create. Either way no item is known to exist but
  // one may: look the key up remotely (Connector::FindByKey) before creating.
  bool LookUpBeforeCreate() const { return state == State::kPending || state == State::kFailed; }
};

// mapper::RowKeyText(row_key) → entry; keys without a ledger row are absent.
using Entries = std::map<std::string, Entry>;

// One create about to be sent (Decision kCreate or kMove).
struct PendingCreate {
  int sync_id = 0;
  nlohmann::json row_key;
  int target_id = 0;
  common::Lsn lsn;
};

// An operation the remote applied (or a skip whose hashes changed).
struct Applied {
  enum class Op { kCreate, kUpdate, kDelete, kMove, kRehash };
  Op op = Op::kCreate;
  int sync_id = 0;
  nlohmann::json row_key;
  int target_id = 0;
  // The item's id, required (a synced ledger row has one; for a rehash pass
  // the ledger's); for deletes the deleted item's, or empty to keep it.
  std::string remote_id;
  std::string remote_version;  // eTag/version; empty when the remote gave none
  std::string content_hash;    // raw bytes (mapper::ContentHash); ignored for deletes
  mapper::FieldHashes field_hashes;
  common::Lsn lsn;
};

// An item the remote refused for good, or a row the definition could not
// map: an item_error, and the stream goes on.
struct Failure {
  enum class Op { kCreate, kUpdate, kDelete, kMove };
  Op op = Op::kCreate;
  int sync_id = 0;
  nlohmann::json row_key;  // may be null when remote_id is set
  int target_id = 0;       // 0: none
  std::string remote_id;
  common::Lsn lsn;
  int http_status = 0;     // 0: no HTTP answer (a local error)
  std::string error_code;
  std::string message;
  nlohmann::json detail;   // null or an object (e.g. the remote body)
};

// Outcomes of any syncs, committed together.
struct Batch {
  std::vector<Applied> applied;
  std::vector<Failure> failures;
  // Per sync: the run its outcomes belong to (item_error.run_id; runs are per
  // sync) and counts added to that run in the same transaction, so a run's
  // counts always agree with the ledger.
  std::map<int, std::int64_t> run_ids;
  std::map<int, catalog::RunCounts> counts;
};

struct CommitStats {
  int ledger_rows = 0;
  int errors_inserted = 0;
  int errors_repeated = 0;  // open errors whose attempts went up
  int errors_resolved = 0;  // open errors of rows applied now
  int pending_failed = 0;   // pending creates the remote refused → 'failed'
  int runs_counted = 0;     // runs whose counts went up
};

class Ledger {
 public:
  // conn: a catalog::Connect session, used by one thread at a time.
  explicit Ledger(PGconn* conn) : conn_(conn) {}

  // The ledger rows of these keys (JSON objects), in one round trip; jsonb
  // compares them semantically.
  common::Result<Entries> Lookup(int sync_id, const std::vector<nlohmann::json>& keys);

  // Before creates are sent: each key gets state 'pending' (a new row, or an
  // existing one keeps its target and remote id — a move's old item), so a
  // crash between the remote create and Commit leaves a mark. One round trip.
  common::Status MarkPending(const std::vector<PendingCreate>& creates);

  // Writes a batch in one transaction and one round trip:
  // - applied creates/updates/moves → state synced with id, version, hashes,
  //   last_lsn; deletes → state deleted (hashes cleared); provenance push;
  //   a (sync, row key) appearing twice keeps its last outcome;
  // - failures → item_error with the sync's run; an open error of the same sync, row key (or
  //   remote id), operation and target counts up attempts and last_seen
  //   instead of adding a row; a pending create that failed becomes 'failed';
  // - open push errors of rows applied now (and not failing again in this
  //   batch) are resolved;
  // - the counts are added to each sync's run.
  common::Result<CommitStats> Commit(const Batch& batch);

 private:
  PGconn* conn_;
  catalog::Statements statements_;
};

}  // namespace syncbridge::ledger
