#include "catalog/writer.hpp"

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

}  // namespace syncbridge::catalog
