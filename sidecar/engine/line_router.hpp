// Turns the decoder's change lines (docs/decode-format.md), which the
// formatter emits in commit order with streamed transactions already
// assembled and spilled, into push-engine changes: finds the syncs of the
// table, drops rows that came from our own pulls (origin "syncbridge": loop
// prevention at the source), splits key changes, parks the changes of paused
// syncs, and drops transactions the server sends again after a reconnect.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/push_engine.hpp"

namespace syncbridge::engine {

// The origin name apply_remote's sessions use; their changes are never pushed.
inline constexpr const char* kPullOrigin = "syncbridge";

struct TableSync {
  int sync_id = 0;
  bool push = true;  // direction push or both
  // Paused, or resumed with parked changes still to send: changes are kept
  // in the catalog (syncbridge.parked_change) instead of being sent.
  bool park = false;
  std::vector<std::string> key_columns;
};

// One change as it is parked: what PushEngine::Change takes.
struct ParkedRow {
  int sync_id = 0;
  common::Lsn lsn;
  mapper::RowChange change;
  std::optional<nlohmann::json> old_key;
};
// The JSON kept in parked_change.change, and back.
nlohmann::json ToParkedJson(const ParkedRow& row);
common::Result<ParkedRow> FromParkedJson(int sync_id, common::Lsn lsn, const nlohmann::json& change);

struct RouterCounters {
  std::int64_t lines = 0, own_origin = 0, unsynced = 0, truncates = 0, parked = 0, replayed = 0;
};

class LineRouter {
 public:
  using SyncsOf = std::function<std::vector<TableSync>(const std::string& schema, const std::string& table)>;
  // A TRUNCATE of a synced table: the daemon applies the sync's truncate policy.
  using TruncateFn = std::function<common::Status(int sync_id, common::Lsn lsn)>;
  // The parked changes of one transaction, stored before the transaction
  // may count as durable.
  using ParkFn = std::function<common::Status(const std::vector<ParkedRow>& rows)>;
  // A transaction was handed to the engine: its end, commit time and the
  // syncs it touched (for lag reporting).
  using CommitObserver =
      std::function<void(common::Lsn end_lsn, const std::string& commit_time, const std::set<int>& syncs)>;

  LineRouter(PushEngine& engine, SyncsOf syncs, TruncateFn on_truncate, ParkFn park = nullptr,
             CommitObserver observer = nullptr)
      : engine_(engine),
        syncs_(std::move(syncs)),
        on_truncate_(std::move(on_truncate)),
        park_(std::move(park)),
        observer_(std::move(observer)) {}

  common::Status OnLine(const std::string& line);
  common::Status OnCommit(common::Lsn end_lsn);
  const RouterCounters& Counters() const { return counters_; }
  // The engine transaction the current stream transaction's changes go to
  // (a truncate handler adds the deletes it implies).
  std::uint64_t CurrentTxn() const { return txn_; }

 private:
  PushEngine& engine_;
  SyncsOf syncs_;
  TruncateFn on_truncate_;
  ParkFn park_;
  CommitObserver observer_;
  std::uint64_t txn_ = 1;
  // After a reconnect the server sends again every transaction after the
  // confirmed position; those up to here are already in the engine.
  common::Lsn last_end_;
  std::vector<ParkedRow> parked_;
  std::set<int> touched_;
  std::string commit_time_;
  RouterCounters counters_;
};

}  // namespace syncbridge::engine
