#include "ledger/ledger.hpp"

#include "catalog/pg.hpp"
#include "mapper/content_hash.hpp"

namespace syncbridge::ledger {
namespace {

using catalog::ArrayLiteral;
using catalog::Param;
using nlohmann::json;

// One probe of the primary key per key, whatever the statistics say: as
// `row_key = ANY($2)` the planner, without fresh statistics of a growing
// ledger (and so in the generic plan made once per session), took sync_id
// alone as the index condition and compared every row of the sync with the
// whole array (7.4 s per 500 keys at 100,000 rows; 272 ms per lookup on
// average in test/bench/push_bench.sh). The subquery is kept apart (OFFSET 0)
// so that it stays a per-key index probe and is never turned into a join.
constexpr const char* kLookup = R"SQL(
SELECT l.row_key::text, l.target_id, l.remote_id, l.remote_version, l.content_hash, l.field_hashes::text, l.state,
       l.last_lsn
  FROM unnest($2::jsonb[]) AS k(row_key),
       LATERAL (SELECT * FROM syncbridge.ledger x WHERE x.sync_id = $1 AND x.row_key = k.row_key OFFSET 0) AS l
)SQL";

// A create is only sent when the key has no live item (never created, or
// deleted and recorded so: a move deletes first). So a key already in the
// ledger takes the create's target and forgets the old remote id: after a
// crash the row is looked up where the create went, and the id of an item
// deleted earlier is never mistaken for a live one. Keys of a sync or target
// dropped meanwhile are left out (their rows are gone).
constexpr const char* kMarkPending = R"SQL(
INSERT INTO syncbridge.ledger AS l (sync_id, row_key, target_id, provenance, last_lsn, state)
SELECT s, k, nullif(t, 0), 'push', lsn, 'pending'
  FROM unnest($1::int[], $2::jsonb[], $3::int[], $4::pg_lsn[]) AS u(s, k, t, lsn)
 WHERE EXISTS (SELECT FROM syncbridge.target x WHERE x.sync_id = u.s AND x.target_id = u.t)
ON CONFLICT (sync_id, row_key) DO UPDATE
   SET state = 'pending', target_id = EXCLUDED.target_id, remote_id = NULL, remote_version = NULL,
       updated_at = now()
)SQL";

// One statement, so one transaction and one round trip. The CTEs touch
// disjoint rows (applied keys vs failed keys), which data-modifying WITH
// requires: a row must not be changed twice by one statement. Outcomes of a
// sync or target dropped while its batch was in flight are left out: their
// ledger rows went with the definition.
// fl is gated on e having rows (a one-time filter): the plan is generic and
// made once per session, often while the ledger was still small, and then
// scans the whole ledger for the 'pending' rows on every commit (7.7 ms per
// 20-row batch at 50,000 ledger rows, test/bench/push_bench.sh) although
// almost every batch has no failure at all.
constexpr const char* kCommit = R"SQL(
WITH a AS (
  SELECT * FROM unnest($1::int[], $2::jsonb[], $3::int[], $4::text[], $5::text[], $6::bytea[], $7::jsonb[],
                       $8::pg_lsn[], $9::text[])
         AS a(sync_id, row_key, target_id, remote_id, remote_version, content_hash, field_hashes, last_lsn, state)
   WHERE EXISTS (SELECT FROM syncbridge.target x WHERE x.sync_id = a.sync_id AND x.target_id = a.target_id)
), up AS (
  INSERT INTO syncbridge.ledger AS l (sync_id, row_key, target_id, remote_id, remote_version, content_hash,
                                      field_hashes, provenance, last_lsn, state)
  SELECT sync_id, row_key, target_id, remote_id, remote_version, content_hash, field_hashes, 'push', last_lsn, state
    FROM a
  ON CONFLICT (sync_id, row_key) DO UPDATE
     SET target_id = EXCLUDED.target_id,
         remote_id = coalesce(EXCLUDED.remote_id, l.remote_id),
         remote_version = coalesce(EXCLUDED.remote_version, l.remote_version),
         content_hash = EXCLUDED.content_hash,
         field_hashes = EXCLUDED.field_hashes,
         provenance = 'push',
         last_lsn = EXCLUDED.last_lsn,
         state = EXCLUDED.state,
         updated_at = now()
  RETURNING 1
), e AS (
  SELECT * FROM unnest($10::int[], $11::bigint[], $12::int[], $13::text[], $14::jsonb[], $15::text[],
                       $16::pg_lsn[], $17::int[], $18::text[], $19::text[], $20::jsonb[]) WITH ORDINALITY
         AS e(sync_id, run_id, target_id, operation, row_key, remote_id, lsn, http_status, error_code, message,
              detail, ord)
   WHERE EXISTS (SELECT FROM syncbridge.sync x WHERE x.sync_id = e.sync_id)
), eu AS (
  UPDATE syncbridge.item_error ie
     SET attempts = ie.attempts + 1, last_seen = now(), run_id = coalesce(e.run_id, ie.run_id),
         remote_id = coalesce(e.remote_id, ie.remote_id), lsn = coalesce(e.lsn, ie.lsn),
         http_status = e.http_status, error_code = e.error_code, message = e.message, detail = e.detail
    FROM e
   WHERE ie.sync_id = e.sync_id AND ie.resolved_at IS NULL AND ie.direction = 'push'
     AND ie.operation = e.operation AND ie.target_id IS NOT DISTINCT FROM e.target_id
     AND (ie.row_key = e.row_key
          OR (e.row_key IS NULL AND ie.row_key IS NULL AND ie.remote_id = e.remote_id))
  RETURNING e.ord
), ei AS (
  INSERT INTO syncbridge.item_error (sync_id, run_id, target_id, direction, operation, row_key, remote_id, lsn,
                                     http_status, error_code, message, detail)
  SELECT sync_id, run_id,
         (SELECT x.target_id FROM syncbridge.target x WHERE x.sync_id = e.sync_id AND x.target_id = e.target_id),
         'push', operation, row_key, remote_id, lsn, http_status, error_code, message,
         detail
    FROM e WHERE e.ord NOT IN (SELECT ord FROM eu)
  RETURNING 1
), fl AS (
  UPDATE syncbridge.ledger l SET state = 'failed', updated_at = now()
    FROM e
   WHERE l.sync_id = e.sync_id AND l.row_key = e.row_key AND l.state = 'pending'
     AND e.operation IN ('create', 'move')
     AND NOT EXISTS (SELECT FROM a WHERE a.sync_id = e.sync_id AND a.row_key = e.row_key)
     AND EXISTS (SELECT FROM e)
  RETURNING 1
), res AS (
  UPDATE syncbridge.item_error ie SET resolved_at = now()
    FROM a
   WHERE ie.sync_id = a.sync_id AND ie.resolved_at IS NULL AND ie.direction = 'push' AND ie.row_key = a.row_key
     AND NOT EXISTS (SELECT FROM e WHERE e.sync_id = a.sync_id AND e.row_key = a.row_key)
  RETURNING 1
), rn AS (
  UPDATE syncbridge.run r
     SET created = r.created + c.created, updated = r.updated + c.updated, deleted = r.deleted + c.deleted,
         moved = r.moved + c.moved, skipped = r.skipped + c.skipped, failed = r.failed + c.failed,
         conflicts = r.conflicts + c.conflicts
    FROM unnest($21::int[], $22::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::bigint[],
                $27::bigint[], $28::bigint[], $29::bigint[])
         AS c(sync_id, run_id, created, updated, deleted, moved, skipped, failed, conflicts)
   WHERE r.sync_id = c.sync_id AND r.run_id = c.run_id
  RETURNING 1
)
SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM ei), (SELECT count(*) FROM eu),
       (SELECT count(*) FROM res), (SELECT count(*) FROM fl), (SELECT count(*) FROM rn)
)SQL";

const char* kStates[] = {"pending", "synced", "deleted", "failed"};

State ParseState(const std::string& s) {
  for (int i = 0; i < 4; ++i)
    if (s == kStates[i]) return static_cast<State>(i);
  return State::kFailed;
}

const char* FailureOp(Failure::Op op) {
  switch (op) {
    case Failure::Op::kCreate: return "create";
    case Failure::Op::kUpdate: return "update";
    case Failure::Op::kDelete: return "delete";
    case Failure::Op::kMove: return "move";
  }
  return "create";
}

Param Opt(const std::string& s) { return s.empty() ? Param() : Param(s); }
Param OptTarget(int id) { return id ? Param(std::to_string(id)) : Param(); }
Param OptLsn(common::Lsn lsn) { return lsn.IsValid() ? Param(lsn.ToString()) : Param(); }

std::string KeysLiteral(const std::vector<json>& keys) {
  std::vector<Param> texts;
  texts.reserve(keys.size());
  for (const auto& k : keys) texts.emplace_back(k.dump());
  return ArrayLiteral(texts);
}

}  // namespace

const char* ToString(State s) { return kStates[static_cast<int>(s)]; }

common::Result<Entries> Ledger::Lookup(int sync_id, const std::vector<json>& keys) {
  Entries out;
  if (keys.empty()) return out;
  auto res = statements_.Run(conn_, "sb_ledger_lookup", kLookup, {std::to_string(sync_id), KeysLiteral(keys)});
  if (!res) return res.Err();
  const PGresult* r = res.Value().get();
  for (int i = 0; i < PQntuples(r); ++i) {
    Entry e;
    e.row_key = json::parse(catalog::Text(r, i, 0), nullptr, false);
    if (e.row_key.is_discarded()) return common::ProtocolError("ledger: unreadable row_key");
    if (auto t = catalog::Field(r, i, 1)) e.view.target_id = std::stoi(*t);
    e.view.remote_id = catalog::Field(r, i, 2).value_or("");
    e.remote_version = catalog::Field(r, i, 3).value_or("");
    if (auto h = catalog::Field(r, i, 4)) {
      auto raw = catalog::UnhexBytea(*h);
      if (!raw) return common::ProtocolError("ledger: unreadable content_hash");
      e.view.content_hash = std::move(*raw);
    }
    if (auto fh = catalog::Field(r, i, 5)) {
      const json hashes = json::parse(*fh, nullptr, false);
      if (!hashes.is_object()) return common::ProtocolError("ledger: unreadable field_hashes");
      for (const auto& [field, hash] : hashes.items())
        if (hash.is_string()) e.view.field_hashes[field] = hash.get<std::string>();
    }
    e.state = ParseState(catalog::Text(r, i, 6));
    e.view.deleted = e.state == State::kDeleted;
    if (auto lsn = catalog::Field(r, i, 7)) e.last_lsn = common::Lsn::Parse(*lsn).value_or(common::Lsn());
    out.emplace(mapper::RowKeyText(e.row_key), std::move(e));
  }
  return out;
}

common::Status Ledger::MarkPending(const std::vector<PendingCreate>& creates) {
  if (creates.empty()) return {};
  // ON CONFLICT may not touch one row twice: one mark per (sync, key).
  std::map<std::pair<int, std::string>, const PendingCreate*> unique;
  for (const auto& c : creates) unique[{c.sync_id, mapper::RowKeyText(c.row_key)}] = &c;
  std::vector<Param> syncs, keys, targets, lsns;
  for (const auto& [id, c] : unique) {
    syncs.emplace_back(std::to_string(c->sync_id));
    keys.emplace_back(c->row_key.dump());
    targets.emplace_back(std::to_string(c->target_id));
    lsns.push_back(OptLsn(c->lsn));
  }
  auto res = statements_.Run(conn_, "sb_ledger_pending", kMarkPending,
                                   {ArrayLiteral(syncs), ArrayLiteral(keys), ArrayLiteral(targets),
                                    ArrayLiteral(lsns)});
  if (!res) return res.Err();
  return {};
}

common::Result<CommitStats> Ledger::Commit(const Batch& batch) {
  // Last outcome per (sync, row key) wins (a create then an update of one
  // row in one batch); ON CONFLICT may not change a row twice in one statement.
  std::map<std::pair<int, std::string>, std::size_t> last_applied;
  for (std::size_t i = 0; i < batch.applied.size(); ++i)
    last_applied[{batch.applied[i].sync_id, mapper::RowKeyText(batch.applied[i].row_key)}] = i;
  std::vector<Param> syncs, keys, targets, ids, versions, hashes, field_hashes, lsns, states;
  for (std::size_t i = 0; i < batch.applied.size(); ++i) {
    const Applied& a = batch.applied[i];
    if (last_applied[{a.sync_id, mapper::RowKeyText(a.row_key)}] != i) continue;
    const bool deleted = a.op == Applied::Op::kDelete;
    syncs.emplace_back(std::to_string(a.sync_id));
    keys.emplace_back(a.row_key.dump());
    targets.push_back(OptTarget(a.target_id));
    ids.push_back(Opt(a.remote_id));
    versions.push_back(Opt(a.remote_version));
    hashes.push_back(deleted || a.content_hash.empty() ? Param() : Param(catalog::HexBytea(a.content_hash)));
    field_hashes.push_back(deleted ? Param() : Param(json(a.field_hashes).dump()));
    lsns.push_back(OptLsn(a.lsn));
    states.emplace_back(deleted ? "deleted" : "synced");
  }

  // One error row per (sync, operation, target, row key or remote id): the last.
  std::map<std::string, std::size_t> last_failure;
  for (std::size_t i = 0; i < batch.failures.size(); ++i) {
    const Failure& f = batch.failures[i];
    const std::string id = std::to_string(f.sync_id) + '\n' + FailureOp(f.op) + '\n' + std::to_string(f.target_id) +
                           '\n' + (f.row_key.is_object() ? mapper::RowKeyText(f.row_key) : "\n" + f.remote_id);
    last_failure[id] = i;
  }
  std::vector<Param> e_syncs, e_runs, e_targets, e_ops, e_keys, e_ids, e_lsns, e_status, e_codes, e_messages,
      e_details;
  for (const auto& [id, i] : last_failure) {
    const Failure& f = batch.failures[i];
    e_syncs.emplace_back(std::to_string(f.sync_id));
    auto run = batch.run_ids.find(f.sync_id);
    e_runs.push_back(run != batch.run_ids.end() ? Param(std::to_string(run->second)) : Param());
    e_targets.push_back(OptTarget(f.target_id));
    e_ops.emplace_back(FailureOp(f.op));
    e_keys.push_back(f.row_key.is_object() ? Param(f.row_key.dump()) : Param());
    e_ids.push_back(Opt(f.remote_id));
    e_lsns.push_back(OptLsn(f.lsn));
    e_status.push_back(f.http_status >= 100 && f.http_status <= 599 ? Param(std::to_string(f.http_status))
                                                                    : Param());
    e_codes.push_back(Opt(f.error_code));
    e_messages.emplace_back(!f.message.empty()      ? f.message
                            : !f.error_code.empty() ? f.error_code
                                                    : std::string("failed"));
    e_details.push_back(f.detail.is_null() ? Param() : Param(f.detail.dump()));
  }

  std::vector<Param> c_syncs, c_runs, c_created, c_updated, c_deleted, c_moved, c_skipped, c_failed, c_conflicts;
  for (const auto& [sync_id, c] : batch.counts) {
    auto run = batch.run_ids.find(sync_id);
    if (run == batch.run_ids.end() || c.Empty()) continue;
    c_syncs.emplace_back(std::to_string(sync_id));
    c_runs.emplace_back(std::to_string(run->second));
    c_created.emplace_back(std::to_string(c.created));
    c_updated.emplace_back(std::to_string(c.updated));
    c_deleted.emplace_back(std::to_string(c.deleted));
    c_moved.emplace_back(std::to_string(c.moved));
    c_skipped.emplace_back(std::to_string(c.skipped));
    c_failed.emplace_back(std::to_string(c.failed));
    c_conflicts.emplace_back(std::to_string(c.conflicts));
  }

  const std::vector<Param> params = {
      ArrayLiteral(syncs),      ArrayLiteral(keys),        ArrayLiteral(targets),    ArrayLiteral(ids),
      ArrayLiteral(versions),   ArrayLiteral(hashes),      ArrayLiteral(field_hashes), ArrayLiteral(lsns),
      ArrayLiteral(states),     ArrayLiteral(e_syncs),     ArrayLiteral(e_runs),     ArrayLiteral(e_targets),
      ArrayLiteral(e_ops),      ArrayLiteral(e_keys),      ArrayLiteral(e_ids),      ArrayLiteral(e_lsns),
      ArrayLiteral(e_status),   ArrayLiteral(e_codes),     ArrayLiteral(e_messages), ArrayLiteral(e_details),
      ArrayLiteral(c_syncs),    ArrayLiteral(c_runs),      ArrayLiteral(c_created),  ArrayLiteral(c_updated),
      ArrayLiteral(c_deleted),  ArrayLiteral(c_moved),     ArrayLiteral(c_skipped),  ArrayLiteral(c_failed),
      ArrayLiteral(c_conflicts)};
  auto res = statements_.Run(conn_, "sb_ledger_commit", kCommit, params);
  if (!res) return res.Err();
  const PGresult* r = res.Value().get();
  CommitStats stats;
  stats.ledger_rows = std::stoi(catalog::Text(r, 0, 0));
  stats.errors_inserted = std::stoi(catalog::Text(r, 0, 1));
  stats.errors_repeated = std::stoi(catalog::Text(r, 0, 2));
  stats.errors_resolved = std::stoi(catalog::Text(r, 0, 3));
  stats.pending_failed = std::stoi(catalog::Text(r, 0, 4));
  stats.runs_counted = std::stoi(catalog::Text(r, 0, 5));
  return stats;
}

}  // namespace syncbridge::ledger
