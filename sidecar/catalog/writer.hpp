// What the sidecar writes back into the catalog besides the ledger: resolved
// target ids, connection health, runs, a paused sync's parked changes, its
// heartbeat and progress, and backfill positions. Each call is one
// statement (its own transaction, one round trip); the session must not be
// inside a transaction. Timestamps are ISO-8601 text
// ("2026-11-23T10:00:00.123456Z").
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "catalog/pg.hpp"
#include "common/lsn.hpp"
#include "common/status.hpp"

namespace syncbridge::catalog {

enum class RunKind { kPush, kPull, kBackfill, kReconcile, kDrift, kProvision, kResync };
enum class RunStatus { kSucceeded, kFailed, kCancelled };

const char* ToString(RunKind kind);
std::optional<RunKind> ParseRunKind(const std::string& text);

// Counts added to a run (syncbridge.run columns of the same names).
struct RunCounts {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t deleted = 0;
  std::int64_t moved = 0;
  std::int64_t skipped = 0;
  std::int64_t failed = 0;
  std::int64_t conflicts = 0;
  bool Empty() const { return !created && !updated && !deleted && !moved && !skipped && !failed && !conflicts; }
};

struct RequestedRun {
  std::int64_t run_id = 0;
  int sync_id = 0;
  RunKind kind = RunKind::kPush;
};

// A change of a paused sync, parked in syncbridge.parked_change. `change` is
// the sidecar's own JSON object (SQL does not look inside); `seq` is
// assigned by the table and orders a sync's parked changes.
struct ParkedChange {
  std::int64_t seq = 0;
  int sync_id = 0;
  common::Lsn lsn;
  nlohmann::json change;
};

// The sidecar serving a slot (syncbridge.sidecar). started_at is ISO-8601
// text, empty for unknown; an invalid Lsn is stored as NULL.
struct Heartbeat {
  std::string slot_name;
  int pid = 0;
  std::string version;
  std::string started_at;
  common::Lsn received_lsn;
  common::Lsn flush_lsn;
};

// Commit times (ISO-8601) of one sync's oldest received-but-unapplied change
// (nullopt: nothing outstanding) and newest applied change (nullopt: keep
// the stored value).
struct SyncProgress {
  int sync_id = 0;
  std::optional<std::string> oldest_unapplied_at;
  std::optional<std::string> last_applied_at;
};

// Where a sync's backfill stands (syncbridge.backfill). run_id is 0 when the
// run is gone; after_key is nullopt before the first chunk finished.
struct BackfillState {
  int sync_id = 0;
  std::int64_t run_id = 0;
  std::optional<nlohmann::json> after_key;
  std::int64_t rows_done = 0;
  std::optional<std::int64_t> rows_estimate;
  bool finished = false;
};

class CatalogWriter {
 public:
  explicit CatalogWriter(PGconn* conn) : conn_(conn) {}

  // Provisioning resolved the target's list/space id. (target is a
  // definition table: this also sends catalog_changed.)
  common::Status SetTargetRemoteId(int target_id, const std::string& remote_id);

  // connection_status: the last error (a secret that does not open, a token
  // endpoint that refuses) or the last success. Shown by syncbridge.status.
  common::Status SetConnectionError(int connection_id, const std::string& message);
  common::Status SetConnectionOk(int connection_id);

  // At start-up: runs left 'running' by a sidecar that died are failed
  // with a reason (pg_cron does the same); 'requested' runs stay to be done.
  // Returns how many were failed.
  common::Result<int> FailInterruptedRuns(const std::string& reason);
  // Runs asked for by run_now()/provision() and not started yet, oldest first.
  common::Result<std::vector<RequestedRun>> RequestedRuns();
  // requested → running; false when it is no longer requested (cancelled,
  // taken, or its sync dropped).
  common::Result<bool> ClaimRun(std::int64_t run_id);
  // A run the sidecar starts by itself (a push session, an automatic
  // backfill): inserted as running.
  common::Result<std::int64_t> StartRun(int sync_id, RunKind kind);
  common::Status AddRunCounts(std::int64_t run_id, const RunCounts& counts);
  // error is required for kFailed (the table's rule) and kept for the others when given.
  common::Status FinishRun(std::int64_t run_id, RunStatus status, const std::string& error = {},
                           const RunCounts& counts = {});

  // Parked changes of paused syncs. ParkChanges appends in one statement;
  // seq is assigned in vector order (and the `seq` members are ignored).
  // Changes of a sync that no longer exists are dropped: nothing would
  // ever send them.
  common::Status ParkChanges(const std::vector<ParkedChange>& changes);
  // Up to `limit` parked changes of a sync with seq > after_seq, in seq order.
  common::Result<std::vector<ParkedChange>> ReadParked(int sync_id, std::int64_t after_seq, int limit);
  // Deletes a sync's parked changes with seq <= up_to_seq; returns how many.
  common::Result<std::int64_t> DeleteParked(int sync_id, std::int64_t up_to_seq);
  // Sync ids that have parked changes, ascending.
  common::Result<std::vector<int>> SyncsWithParked();

  // Upsert of the slot's syncbridge.sidecar row; heartbeat_at = now().
  common::Status WriteHeartbeat(const Heartbeat& hb);
  // Upserts many syncs' progress in one statement; a sync id given twice
  // counts once (the later entry wins, an earlier last_applied_at fills a
  // later nullopt). Syncs that no longer exist are skipped.
  common::Status WriteSyncProgress(const std::vector<SyncProgress>& progress);

  // Resumable backfill. LoadBackfill: nullopt when the sync has none.
  common::Result<std::optional<BackfillState>> LoadBackfill(int sync_id);
  // Starts (or restarts from scratch) the sync's backfill for run_id
  // (0: no run): after_key NULL, rows_done 0, finished_at NULL.
  common::Status StartBackfill(int sync_id, std::int64_t run_id, std::optional<std::int64_t> rows_estimate);
  // A chunk is finished: after_key moves and rows_done grows by `rows`, and
  // `counts` are added to the backfill's run, in one statement. Fails when
  // the sync has no unfinished backfill.
  common::Status SaveBackfillChunk(int sync_id, const nlohmann::json& after_key, std::int64_t rows,
                                   const RunCounts& counts);
  // Marks it finished (idempotent); fails when the sync has no backfill.
  common::Status FinishBackfill(int sync_id);

 private:
  PGconn* conn_;
  Statements statements_;
};

}  // namespace syncbridge::catalog
