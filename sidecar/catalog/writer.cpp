#include "catalog/writer.hpp"

#include <algorithm>

#include "catalog/pg.hpp"

namespace syncbridge::catalog {
namespace {

constexpr const char* kRunKinds[] = {"push", "pull", "backfill", "reconcile", "drift", "provision", "resync"};

std::vector<Param> CountParams(std::int64_t run_id, const RunCounts& c) {
  return {std::to_string(run_id),    std::to_string(c.created), std::to_string(c.updated),
          std::to_string(c.deleted), std::to_string(c.moved),   std::to_string(c.skipped),
          std::to_string(c.failed),  std::to_string(c.conflicts)};
}

constexpr const char* kCountSet =
    "created = created + $2, updated = updated + $3, deleted = deleted + $4, moved = moved + $5, "
    "skipped = skipped + $6, failed = failed + $7, conflicts = conflicts + $8";

common::Status Done(common::Result<PgResult> res) {
  if (!res) return res.Err();
  return {};
}

Param OptText(const std::string& s) { return s.empty() ? Param() : Param(s); }
Param OptLsn(common::Lsn lsn) { return lsn.IsValid() ? Param(lsn.ToString()) : Param(); }

// seq comes from the table's sequence, drawn as the rows are inserted in
// ORDINALITY order, so a batch keeps its vector order. A sync dropped since
// its changes were read has nowhere to send them.
constexpr const char* kPark = R"SQL(
INSERT INTO syncbridge.parked_change (sync_id, lsn, change)
SELECT u.sync_id, u.lsn, u.change
  FROM unnest($1::int[], $2::pg_lsn[], $3::jsonb[]) WITH ORDINALITY AS u(sync_id, lsn, change, ord)
 WHERE EXISTS (SELECT FROM syncbridge.sync s WHERE s.sync_id = u.sync_id)
 ORDER BY u.ord
)SQL";

constexpr const char* kReadParked = R"SQL(
SELECT seq, sync_id, lsn, change::text FROM syncbridge.parked_change
 WHERE sync_id = $1::int AND seq > $2::bigint
 ORDER BY seq LIMIT $3::int
)SQL";

constexpr const char* kDeleteParked =
    "DELETE FROM syncbridge.parked_change WHERE sync_id = $1::int AND seq <= $2::bigint";

// One index probe per sync rather than a scan of every parked change.
constexpr const char* kSyncsWithParked = R"SQL(
SELECT s.sync_id FROM syncbridge.sync s
 WHERE EXISTS (SELECT FROM syncbridge.parked_change p WHERE p.sync_id = s.sync_id)
 ORDER BY s.sync_id
)SQL";

constexpr const char* kHeartbeat = R"SQL(
INSERT INTO syncbridge.sidecar (slot_name, pid, version, started_at, heartbeat_at, received_lsn, flush_lsn)
VALUES ($1::text, $2::int, $3::text, $4::timestamptz, now(), $5::pg_lsn, $6::pg_lsn)
ON CONFLICT (slot_name) DO UPDATE
   SET pid = EXCLUDED.pid, version = EXCLUDED.version, started_at = EXCLUDED.started_at,
       heartbeat_at = EXCLUDED.heartbeat_at, received_lsn = EXCLUDED.received_lsn, flush_lsn = EXCLUDED.flush_lsn
)SQL";

constexpr const char* kProgress = R"SQL(
INSERT INTO syncbridge.sync_progress AS p (sync_id, oldest_unapplied_at, last_applied_at, updated_at)
SELECT u.sync_id, u.oldest, u.last, now()
  FROM unnest($1::int[], $2::timestamptz[], $3::timestamptz[]) AS u(sync_id, oldest, last)
 WHERE EXISTS (SELECT FROM syncbridge.sync s WHERE s.sync_id = u.sync_id)
ON CONFLICT (sync_id) DO UPDATE
   SET oldest_unapplied_at = EXCLUDED.oldest_unapplied_at,
       last_applied_at = coalesce(EXCLUDED.last_applied_at, p.last_applied_at),
       updated_at = EXCLUDED.updated_at
)SQL";

constexpr const char* kLoadBackfill = R"SQL(
SELECT run_id, after_key::text, rows_done, rows_estimate, finished_at IS NOT NULL
  FROM syncbridge.backfill WHERE sync_id = $1::int
)SQL";

constexpr const char* kStartBackfill = R"SQL(
INSERT INTO syncbridge.backfill AS b (sync_id, run_id, after_key, rows_done, rows_estimate, started_at, updated_at,
                                      finished_at)
VALUES ($1::int, $2::bigint, NULL, 0, $3::bigint, now(), now(), NULL)
ON CONFLICT (sync_id) DO UPDATE
   SET run_id = EXCLUDED.run_id, after_key = NULL, rows_done = 0, rows_estimate = EXCLUDED.rows_estimate,
       started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at, finished_at = NULL
)SQL";

// The position and the run's counts move in one statement: after a crash
// the next chunk starts after the last one counted, never before or after.
constexpr const char* kBackfillChunk = R"SQL(
WITH b AS (
  UPDATE syncbridge.backfill
     SET after_key = $2::jsonb, rows_done = rows_done + $3::bigint, updated_at = now()
   WHERE sync_id = $1::int AND finished_at IS NULL
  RETURNING sync_id, run_id
), r AS (
  UPDATE syncbridge.run r
     SET created = r.created + $4::bigint, updated = r.updated + $5::bigint, deleted = r.deleted + $6::bigint,
         moved = r.moved + $7::bigint, skipped = r.skipped + $8::bigint, failed = r.failed + $9::bigint,
         conflicts = r.conflicts + $10::bigint
    FROM b
   WHERE r.sync_id = b.sync_id AND r.run_id = b.run_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM r)
)SQL";

constexpr const char* kFinishBackfill = R"SQL(
UPDATE syncbridge.backfill SET finished_at = coalesce(finished_at, now()), updated_at = now()
 WHERE sync_id = $1::int
)SQL";

}  // namespace

const char* ToString(RunKind kind) { return kRunKinds[static_cast<int>(kind)]; }

std::optional<RunKind> ParseRunKind(const std::string& text) {
  for (int i = 0; i < static_cast<int>(std::size(kRunKinds)); ++i)
    if (text == kRunKinds[i]) return static_cast<RunKind>(i);
  return std::nullopt;
}

common::Status CatalogWriter::SetTargetRemoteId(int target_id, const std::string& remote_id) {
  return Done(Exec(conn_,
                   "UPDATE syncbridge.target SET remote_id = $2, provisioned_at = now() WHERE target_id = $1",
                   {std::to_string(target_id), remote_id}));
}

common::Status CatalogWriter::SetConnectionError(int connection_id, const std::string& message) {
  // last_error_at moves only when the error changes, so it says since when
  // the connection has been failing, not when it was last looked at.
  return Done(Exec(conn_, R"SQL(
INSERT INTO syncbridge.connection_status AS s (connection_id, last_error, last_error_at)
SELECT $1, $2, now() WHERE EXISTS (SELECT FROM syncbridge.connection WHERE connection_id = $1)
ON CONFLICT (connection_id) DO UPDATE
   SET last_error = EXCLUDED.last_error,
       last_error_at = CASE WHEN s.last_error IS DISTINCT FROM EXCLUDED.last_error
                            THEN EXCLUDED.last_error_at ELSE s.last_error_at END
)SQL",
                   {std::to_string(connection_id), message}));
}

common::Status CatalogWriter::SetConnectionOk(int connection_id) {
  return Done(Exec(conn_, R"SQL(
INSERT INTO syncbridge.connection_status AS s (connection_id, last_ok_at)
SELECT $1, now() WHERE EXISTS (SELECT FROM syncbridge.connection WHERE connection_id = $1)
ON CONFLICT (connection_id) DO UPDATE SET last_error = NULL, last_error_at = NULL, last_ok_at = now()
)SQL",
                   {std::to_string(connection_id)}));
}

common::Result<int> CatalogWriter::FailInterruptedRuns(const std::string& reason) {
  auto res = Exec(conn_, R"SQL(
UPDATE syncbridge.run SET status = 'failed', finished_at = now(), error = $1
 WHERE status = 'running'
)SQL",
                  {reason});
  if (!res) return res.Err();
  return std::stoi(PQcmdTuples(res.Value().get()));
}

common::Result<std::vector<RequestedRun>> CatalogWriter::RequestedRuns() {
  auto res = Exec(conn_,
                  "SELECT run_id, sync_id, kind FROM syncbridge.run WHERE status = 'requested' ORDER BY run_id");
  if (!res) return res.Err();
  std::vector<RequestedRun> out;
  for (int i = 0; i < PQntuples(res.Value().get()); ++i) {
    auto kind = ParseRunKind(Text(res.Value().get(), i, 2));
    if (!kind) continue;
    out.push_back({std::stoll(Text(res.Value().get(), i, 0)), std::stoi(Text(res.Value().get(), i, 1)), *kind});
  }
  return out;
}

common::Result<bool> CatalogWriter::ClaimRun(std::int64_t run_id) {
  auto res = Exec(conn_,
                  "UPDATE syncbridge.run SET status = 'running', started_at = now() "
                  "WHERE run_id = $1 AND status = 'requested'",
                  {std::to_string(run_id)});
  if (!res) return res.Err();
  return std::string(PQcmdTuples(res.Value().get())) == "1";
}

common::Result<std::int64_t> CatalogWriter::StartRun(int sync_id, RunKind kind) {
  auto res = Exec(conn_,
                  "INSERT INTO syncbridge.run (sync_id, kind, status, started_at) "
                  "VALUES ($1, $2, 'running', now()) RETURNING run_id",
                  {std::to_string(sync_id), std::string(ToString(kind))});
  if (!res) return res.Err();
  return std::stoll(Text(res.Value().get(), 0, 0));
}

common::Status CatalogWriter::AddRunCounts(std::int64_t run_id, const RunCounts& counts) {
  if (counts.Empty()) return {};
  return Done(Exec(conn_, std::string("UPDATE syncbridge.run SET ") + kCountSet + " WHERE run_id = $1",
                   CountParams(run_id, counts)));
}

common::Status CatalogWriter::FinishRun(std::int64_t run_id, RunStatus status, const std::string& error,
                                        const RunCounts& counts) {
  static constexpr const char* kStatus[] = {"succeeded", "failed", "cancelled"};
  std::string why = error;
  if (status == RunStatus::kFailed && why.empty()) why = "failed";
  auto params = CountParams(run_id, counts);
  params.push_back(std::string(kStatus[static_cast<int>(status)]));
  params.push_back(why.empty() ? Param() : Param(why));
  auto res = Exec(conn_,
                  std::string("UPDATE syncbridge.run SET ") + kCountSet +
                      ", status = $9, error = $10, finished_at = now(), started_at = coalesce(started_at, now()) "
                      "WHERE run_id = $1",
                  params);
  return Done(std::move(res));
}

common::Status CatalogWriter::ParkChanges(const std::vector<ParkedChange>& changes) {
  if (changes.empty()) return {};
  std::vector<Param> syncs, lsns, bodies;
  syncs.reserve(changes.size());
  lsns.reserve(changes.size());
  bodies.reserve(changes.size());
  for (const auto& c : changes) {
    if (!c.change.is_object()) return common::PermanentError("parked change of sync " + std::to_string(c.sync_id) +
                                                             ": the change must be a JSON object");
    syncs.emplace_back(std::to_string(c.sync_id));
    lsns.emplace_back(c.lsn.ToString());
    bodies.emplace_back(c.change.dump());
  }
  return Done(statements_.Run(conn_, "sb_catalog_park", kPark,
                              {ArrayLiteral(syncs), ArrayLiteral(lsns), ArrayLiteral(bodies)}));
}

common::Result<std::vector<ParkedChange>> CatalogWriter::ReadParked(int sync_id, std::int64_t after_seq, int limit) {
  auto res = statements_.Run(conn_, "sb_catalog_read_parked", kReadParked,
                             {std::to_string(sync_id), std::to_string(after_seq), std::to_string(limit)});
  if (!res) return res.Err();
  const PGresult* r = res.Value().get();
  std::vector<ParkedChange> out;
  out.reserve(static_cast<std::size_t>(PQntuples(r)));
  for (int i = 0; i < PQntuples(r); ++i) {
    ParkedChange c;
    c.seq = std::stoll(Text(r, i, 0));
    c.sync_id = std::stoi(Text(r, i, 1));
    auto lsn = common::Lsn::Parse(Text(r, i, 2));
    if (!lsn) return common::ProtocolError("parked_change: unreadable lsn " + Text(r, i, 2));
    c.lsn = *lsn;
    c.change = nlohmann::json::parse(Text(r, i, 3), nullptr, false);
    if (!c.change.is_object()) return common::ProtocolError("parked_change: unreadable change, seq " + Text(r, i, 0));
    out.push_back(std::move(c));
  }
  return out;
}

common::Result<std::int64_t> CatalogWriter::DeleteParked(int sync_id, std::int64_t up_to_seq) {
  auto res = statements_.Run(conn_, "sb_catalog_delete_parked", kDeleteParked,
                             {std::to_string(sync_id), std::to_string(up_to_seq)});
  if (!res) return res.Err();
  return std::stoll(PQcmdTuples(res.Value().get()));
}

common::Result<std::vector<int>> CatalogWriter::SyncsWithParked() {
  auto res = statements_.Run(conn_, "sb_catalog_syncs_parked", kSyncsWithParked, {});
  if (!res) return res.Err();
  std::vector<int> out;
  for (int i = 0; i < PQntuples(res.Value().get()); ++i) out.push_back(std::stoi(Text(res.Value().get(), i, 0)));
  return out;
}

common::Status CatalogWriter::WriteHeartbeat(const Heartbeat& hb) {
  return Done(statements_.Run(conn_, "sb_catalog_heartbeat", kHeartbeat,
                              {hb.slot_name, hb.pid ? Param(std::to_string(hb.pid)) : Param(), OptText(hb.version),
                               OptText(hb.started_at), OptLsn(hb.received_lsn), OptLsn(hb.flush_lsn)}));
}

common::Status CatalogWriter::WriteSyncProgress(const std::vector<SyncProgress>& progress) {
  if (progress.empty()) return {};
  // ON CONFLICT may not change a row twice in one statement: merge per sync.
  std::vector<SyncProgress> merged;
  for (const auto& p : progress) {
    auto same =
        std::find_if(merged.begin(), merged.end(), [&](const SyncProgress& m) { return m.sync_id == p.sync_id; });
    if (same == merged.end()) {
      merged.push_back(p);
      continue;
    }
    same->oldest_unapplied_at = p.oldest_unapplied_at;
    if (p.last_applied_at) same->last_applied_at = p.last_applied_at;
  }
  std::vector<Param> syncs, oldest, last;
  for (const auto& p : merged) {
    syncs.emplace_back(std::to_string(p.sync_id));
    oldest.push_back(p.oldest_unapplied_at);
    last.push_back(p.last_applied_at);
  }
  return Done(statements_.Run(conn_, "sb_catalog_progress", kProgress,
                              {ArrayLiteral(syncs), ArrayLiteral(oldest), ArrayLiteral(last)}));
}

common::Result<std::optional<BackfillState>> CatalogWriter::LoadBackfill(int sync_id) {
  auto res = statements_.Run(conn_, "sb_catalog_load_backfill", kLoadBackfill, {std::to_string(sync_id)});
  if (!res) return res.Err();
  const PGresult* r = res.Value().get();
  if (PQntuples(r) == 0) return std::optional<BackfillState>();
  BackfillState b;
  b.sync_id = sync_id;
  if (auto run = Field(r, 0, 0)) b.run_id = std::stoll(*run);
  if (auto key = Field(r, 0, 1)) {
    b.after_key = nlohmann::json::parse(*key, nullptr, false);
    if (b.after_key->is_discarded()) return common::ProtocolError("backfill: unreadable after_key");
  }
  b.rows_done = std::stoll(Text(r, 0, 2));
  if (auto estimate = Field(r, 0, 3)) b.rows_estimate = std::stoll(*estimate);
  b.finished = Text(r, 0, 4) == "t";
  return std::optional<BackfillState>(std::move(b));
}

common::Status CatalogWriter::StartBackfill(int sync_id, std::int64_t run_id,
                                            std::optional<std::int64_t> rows_estimate) {
  return Done(statements_.Run(conn_, "sb_catalog_start_backfill", kStartBackfill,
                              {std::to_string(sync_id), run_id ? Param(std::to_string(run_id)) : Param(),
                               rows_estimate ? Param(std::to_string(*rows_estimate)) : Param()}));
}

common::Status CatalogWriter::SaveBackfillChunk(int sync_id, const nlohmann::json& after_key, std::int64_t rows,
                                                const RunCounts& counts) {
  auto res = statements_.Run(conn_, "sb_catalog_backfill_chunk", kBackfillChunk,
                             {std::to_string(sync_id), after_key.dump(), std::to_string(rows),
                              std::to_string(counts.created), std::to_string(counts.updated),
                              std::to_string(counts.deleted), std::to_string(counts.moved),
                              std::to_string(counts.skipped), std::to_string(counts.failed),
                              std::to_string(counts.conflicts)});
  if (!res) return res.Err();
  if (Text(res.Value().get(), 0, 0) != "1")
    return common::PermanentError("sync " + std::to_string(sync_id) + " has no backfill in progress");
  return {};
}

common::Status CatalogWriter::FinishBackfill(int sync_id) {
  auto res = statements_.Run(conn_, "sb_catalog_finish_backfill", kFinishBackfill, {std::to_string(sync_id)});
  if (!res) return res.Err();
  if (std::string(PQcmdTuples(res.Value().get())) != "1")
    return common::PermanentError("sync " + std::to_string(sync_id) + " has no backfill");
  return {};
}

}  // namespace syncbridge::catalog
