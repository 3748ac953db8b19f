// The push path between the stream and the connectors (DESIGN.md, "Flow of
// one change (push)", steps 2-5): stages the changes of a transaction, reads
// their ledger rows in one round trip, decides per row (mapper::Decide) in
// commit order, hands operations to the scheduler, sends ready batches on the
// worker pool, records outcomes in the ledger, and marks a transaction durable
// in the progress tracker once every change of it is applied and recorded or
// parked as an item error. Single-threaded: every method runs on the owner's
// loop; HTTP runs on the workers.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dispatch/scheduler.hpp"
#include "dispatch/throttle_gate.hpp"
#include "dispatch/worker_pool.hpp"
#include "engine/ports.hpp"
#include "http/retry.hpp"
#include "progress/tracker.hpp"

namespace syncbridge::engine {

struct EngineOptions {
  int max_in_flight_per_target = 4;
  // Changes held in memory at most; the caller stops reading the stream
  // while Saturated() (memory does not grow with transaction size).
  std::size_t max_outstanding_changes = 20000;
  // Staged changes are resolved against the ledger in chunks of this size.
  std::size_t lookup_chunk = 500;
  http::RetryPolicy retry;
  http::BackoffPolicy backoff;
  // Wait before trying a target again after a configuration error (list
  // missing, credentials refused): the DBA has to act first.
  std::chrono::milliseconds config_error_retry{std::chrono::seconds(30)};
};

struct SyncCounters {
  std::int64_t received = 0, created = 0, updated = 0, deleted = 0, moved = 0, skipped = 0, failed = 0;
  std::int64_t retries = 0, throttled = 0, requests = 0, operations = 0;
  SyncCounters& operator+=(const SyncCounters& o) {
    received += o.received, created += o.created, updated += o.updated, deleted += o.deleted;
    moved += o.moved, skipped += o.skipped, failed += o.failed;
    retries += o.retries, throttled += o.throttled, requests += o.requests, operations += o.operations;
    return *this;
  }
};

class PushEngine {
 public:
  using MappingLookup = std::function<const mapper::SyncMapping*(int sync_id)>;
  using Clock = dispatch::Clock;
  // Called when a target cannot be served (its connection's credentials, a
  // missing list); the daemon records it where the DBA looks.
  using TargetErrorSink = std::function<void(int target_id, const std::string& message)>;
  // A local transaction is over; `counts` says what its changes did.
  using LocalDone = std::function<void(const SyncCounters& counts)>;

  PushEngine(EngineOptions options, MappingLookup mappings, LedgerPort& ledger, RowSource& rows,
             ConnectorRegistry& connectors, dispatch::WorkerPool& pool, progress::Tracker& tracker,
             std::function<Clock::time_point()> now = Clock::now,
             std::function<double()> uniform01 = nullptr);

  // One row change of transaction `txn` (any id unique among open
  // transactions), in stream order. `old_key` is set when an update changed
  // the row's key: the old row is deleted remotely and the new one created.
  common::Status Change(std::uint64_t txn, int sync_id, mapper::RowChange change, common::Lsn lsn,
                        std::optional<nlohmann::json> old_key = std::nullopt);
  // The transaction committed at end_lsn: it becomes durable (confirmable)
  // when all its changes are. Also for transactions with no synced change.
  common::Status Commit(std::uint64_t txn, common::Lsn end_lsn);
  // Ends a transaction that did not come from the stream (a backfill chunk,
  // parked changes of a resumed sync): it has no LSN; `done` runs once every
  // change of it is applied and recorded (or an item error), in any order
  // relative to other transactions.
  common::Status CommitLocal(std::uint64_t txn, LocalDone done);
  // Sends the batches that may leave now.
  common::Status Pump();
  // Runs finished batches' completions (call when the pool's eventfd is readable).
  common::Status Complete();

  bool Saturated() const { return outstanding_ >= options_.max_outstanding_changes; }
  bool Idle() const { return outstanding_ == 0 && txns_.empty() && finished_local_.empty(); }
  std::size_t Outstanding() const { return outstanding_; }
  // Shutting down: no new batch leaves; the ones in flight finish.
  void Quiesce() { quiescing_ = true; }
  bool BatchesInFlight() const { return !batches_.empty(); }
  // Whatever made the target wait (a missing list) is fixed: send now.
  void WakeTarget(int target_id) { scheduler_.WakeTarget(target_id); }
  std::optional<Clock::time_point> NextWake() const { return scheduler_.NextWake(); }
  // Changes whenever NextWake() may have (cheap to compare, NextWake scans).
  std::uint64_t WakeVersion() const { return scheduler_.Changes(); }
  // Everything per sync (metrics), and only what stream transactions did
  // (the push run's counts; local transactions report theirs to `done`).
  const std::map<int, SyncCounters>& Counters() const { return counters_; }
  const std::map<int, SyncCounters>& LiveCounters() const { return live_counters_; }
  void SetTargetErrorSink(TargetErrorSink sink) { target_error_ = std::move(sink); }
  // Called when a batch of the target got answers (the connection works again).
  void SetTargetOkSink(std::function<void(int target_id)> sink) { target_ok_ = std::move(sink); }
  // Resolves and queues every staged change now instead of waiting for a
  // commit or a full lookup chunk (before waiting for a sync to go quiet).
  common::Status FlushStaged() { return ResolveStaged(); }
  // A ledger write failed: the engine stops; the daemon restarts the stream
  // from the slot (pending marks and hashes make the replay exact).
  const std::optional<common::Error>& Fatal() const { return fatal_; }

 private:
  struct PendingChange {
    std::uint64_t txn = 0;
    int sync_id = 0;
    mapper::RowChange change;
    common::Lsn lsn;
    bool full_row_read = false;
  };
  struct KeyState {
    int sync_id = 0;
    nlohmann::json row_key;
    std::optional<LedgerRecord> record;
    std::deque<PendingChange> queue;
    bool busy = false;
  };
  enum class Stage { kSingle, kMoveDelete, kMoveCreate };
  struct Work {
    std::string key;
    int target_id = 0;
    Stage stage = Stage::kSingle;
    connectors::Operation op;
    mapper::Decision decision;
    bool lookup_first = false;
    int attempts = 0;
    Clock::time_point first_sent{};
  };
  struct InFlightBatch {
    int target_id = 0;
    std::vector<dispatch::WorkId> work;
  };
  struct TxnState {
    std::size_t outstanding = 0;
    std::optional<common::Lsn> end;  // a stream transaction, committed
    LocalDone done;                  // a local transaction, committed
    std::map<int, SyncCounters> counts;  // what its changes did, per sync
    bool Committed() const { return end.has_value() || static_cast<bool>(done); }
  };

  static std::string KeyOf(int sync_id, const nlohmann::json& row_key);
  common::Status Stage(std::uint64_t txn, int sync_id, mapper::RowChange change, common::Lsn lsn);
  common::Status ResolveStaged();
  common::Status Advance(const std::string& key);
  void FinishHead(KeyState& state);
  // The transaction's last change is done: it becomes durable.
  void Settle(std::map<std::uint64_t, TxnState>::iterator it);
  // Counts an outcome of a change of `txn` (its sync's totals, and the
  // transaction's or the live counts).
  void Count(std::uint64_t txn, int sync_id, std::int64_t SyncCounters::*field);
  void AddWork(const std::string& key, KeyState& state, int target_id, enum Stage stage, connectors::Operation op,
               const mapper::Decision& decision);
  // A sent work item is over: forget it and let its key send the next one.
  Work Release(dispatch::WorkId id);
  // `found_ids`: per operation, what its lookup found ("" = nothing) if it
  // made one; `sent`: whether the $batch itself went out (it may have been
  // applied even when its answer was lost); `held`: the worker did not send
  // it because the list was throttled meanwhile, until then.
  void OnBatchDone(std::uint64_t batch_id, common::Result<std::vector<connectors::OperationResult>> results,
                   const std::vector<std::optional<std::string>>& found_ids, bool sent,
                   std::optional<Clock::time_point> held);
  static void KeepLookups(Work& work, const std::optional<std::string>& found_id);
  common::Status RecordErrors(const std::vector<ItemError>& errors);
  ItemError ErrorFor(const KeyState& state, const Work& work, const std::string& message, int http_status = 0,
                     const std::string& code = "") const;
  static const char* OperationName(const Work& work);

  EngineOptions options_;
  MappingLookup mappings_;
  LedgerPort& ledger_;
  RowSource& rows_;
  ConnectorRegistry& connectors_;
  dispatch::WorkerPool& pool_;
  progress::Tracker& tracker_;
  std::function<Clock::time_point()> now_;
  http::Backoff backoff_;
  dispatch::Scheduler scheduler_;
  dispatch::ThrottleGate gate_;  // read and closed by the workers
  TargetErrorSink target_error_;
  std::function<void(int target_id)> target_ok_;

  std::vector<PendingChange> staged_;
  std::map<std::string, KeyState> keys_;
  std::map<dispatch::WorkId, Work> work_;
  std::map<std::uint64_t, InFlightBatch> batches_;
  std::map<std::uint64_t, TxnState> txns_;
  std::map<int, SyncCounters> counters_;
  std::map<int, SyncCounters> live_counters_;
  std::size_t outstanding_ = 0;
  bool quiescing_ = false;
  std::deque<std::pair<LocalDone, SyncCounters>> finished_local_;
  dispatch::WorkId next_work_ = 1;
  std::uint64_t next_batch_ = 1;
  std::optional<common::Error> fatal_;
};

}  // namespace syncbridge::engine
