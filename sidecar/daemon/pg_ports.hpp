// The push engine's database ports over libpq: the ledger (ledger::Ledger)
// and current rows (ledger::RowReader), on the daemon's ledger session.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <map>

#include "catalog/snapshot.hpp"
#include "engine/ports.hpp"
#include "ledger/ledger.hpp"
#include "ledger/row_reader.hpp"

namespace syncbridge::daemon {

class PgLedgerPort : public engine::LedgerPort {
 public:
  explicit PgLedgerPort(PGconn* conn) : ledger_(conn) {}

  // Item errors of a sync are recorded under this run (its push session).
  void SetRun(int sync_id, std::int64_t run_id) { run_ids_[sync_id] = run_id; }

  common::Result<std::map<std::string, engine::LedgerRecord>> Lookup(int sync_id,
                                                                    const std::vector<nlohmann::json>& keys) override;
  common::Status MarkPending(const std::vector<engine::PendingMark>& marks) override;
  common::Status Commit(const std::vector<engine::LedgerWrite>& writes,
                        const std::vector<engine::ItemError>& errors) override;

  std::int64_t LedgerRowsWritten() const { return rows_written_; }

 private:
  ledger::Ledger ledger_;
  std::map<int, std::int64_t> run_ids_;
  std::int64_t rows_written_ = 0;
};

class PgRowSource : public engine::RowSource {
 public:
  using SyncOf = std::function<const catalog::Sync*(int sync_id)>;
  PgRowSource(PGconn* conn, SyncOf sync_of) : reader_(conn), sync_of_(std::move(sync_of)) {}

  common::Result<std::optional<nlohmann::json>> ReadRow(int sync_id, const nlohmann::json& key) override;
  ledger::RowReader& Reader() { return reader_; }

 private:
  ledger::RowReader reader_;
  SyncOf sync_of_;
};

}  // namespace syncbridge::daemon
