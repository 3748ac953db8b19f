#include "daemon/pg_ports.hpp"

#include "mapper/content_hash.hpp"

namespace syncbridge::daemon {

common::Result<std::map<std::string, engine::LedgerRecord>> PgLedgerPort::Lookup(
    int sync_id, const std::vector<nlohmann::json>& keys) {
  auto found = ledger_.Lookup(sync_id, keys);
  if (!found) return found.Err();
  std::map<std::string, engine::LedgerRecord> records;
  for (auto& [text, entry] : found.Value()) {
    engine::LedgerRecord r;
    r.view = std::move(entry.view);
    r.remote_version = std::move(entry.remote_version);
    r.pending = entry.LookUpBeforeCreate();
    records.emplace(text, std::move(r));
  }
  return records;
}

common::Status PgLedgerPort::MarkPending(const std::vector<engine::PendingMark>& marks) {
  std::vector<ledger::PendingCreate> creates;
  creates.reserve(marks.size());
  for (const auto& m : marks) creates.push_back({m.sync_id, m.row_key, m.target_id, {}});
  return ledger_.MarkPending(creates);
}

namespace {

ledger::Failure::Op FailureOp(const std::string& operation) {
  if (operation == "create") return ledger::Failure::Op::kCreate;
  if (operation == "delete") return ledger::Failure::Op::kDelete;
  if (operation == "move") return ledger::Failure::Op::kMove;
  return ledger::Failure::Op::kUpdate;
}

}  // namespace

common::Status PgLedgerPort::Commit(const std::vector<engine::LedgerWrite>& writes,
                                    const std::vector<engine::ItemError>& errors) {
  ledger::Batch batch;
  batch.applied.reserve(writes.size());
  for (const auto& w : writes) {
    ledger::Applied a;
    a.op = w.deleted ? ledger::Applied::Op::kDelete : ledger::Applied::Op::kUpdate;
    a.sync_id = w.sync_id;
    a.row_key = w.row_key;
    a.target_id = w.target_id;
    a.remote_id = w.remote_id;
    a.remote_version = w.remote_version;
    a.content_hash = w.content_hash;
    a.field_hashes = w.field_hashes;
    a.lsn = w.lsn;
    batch.applied.push_back(std::move(a));
  }
  for (const auto& e : errors) {
    ledger::Failure f;
    f.op = FailureOp(e.operation);
    f.sync_id = e.sync_id;
    f.row_key = e.row_key;
    f.target_id = e.target_id;
    f.remote_id = e.remote_id;
    f.lsn = e.lsn;
    f.http_status = e.http_status;
    f.error_code = e.error_code;
    f.message = e.message;
    batch.failures.push_back(std::move(f));
  }
  for (const auto& a : batch.applied)
    if (auto it = run_ids_.find(a.sync_id); it != run_ids_.end()) batch.run_ids[a.sync_id] = it->second;
  for (const auto& f : batch.failures)
    if (auto it = run_ids_.find(f.sync_id); it != run_ids_.end()) batch.run_ids[f.sync_id] = it->second;
  auto stats = ledger_.Commit(batch);
  if (!stats) return stats.Err();
  rows_written_ += stats.Value().ledger_rows;
  return {};
}

common::Result<std::optional<nlohmann::json>> PgRowSource::ReadRow(int sync_id, const nlohmann::json& key) {
  const catalog::Sync* sync = sync_of_(sync_id);
  if (!sync) return std::optional<nlohmann::json>{};
  auto rows = reader_.ReadRows(sync->relation_oid, sync->mapping.key_columns, {key});
  if (!rows) return rows.Err();
  auto it = rows.Value().find(mapper::RowKeyText(key));
  if (it == rows.Value().end()) return std::optional<nlohmann::json>{};
  return std::optional<nlohmann::json>{std::move(it->second)};
}

}  // namespace syncbridge::daemon
