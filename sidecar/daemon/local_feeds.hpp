// Changes that do not come from the stream but go through the same engine:
// a backfill (the table's rows in key order) and the parked changes of a
// resumed sync (in the order they were parked). Both read in chunks while
// the engine has room, and record progress only in order — a chunk that
// finished early waits for the ones before it — so that after a crash they
// resume from the last chunk whose every change was applied.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "catalog/snapshot.hpp"
#include "catalog/writer.hpp"
#include "daemon/log.hpp"
#include "engine/push_engine.hpp"
#include "ledger/row_reader.hpp"

namespace syncbridge::daemon {

struct FeedOptions {
  int chunk_rows = 500;
  int chunks_in_flight = 4;
};

// Chunks finish in any order; Take() hands back the finished prefix.
template <typename Position>
class OrderedChunks {
 public:
  struct Chunk {
    Position position;  // where a resume starts once this chunk is recorded
    std::int64_t rows = 0;
    bool done = false;
    engine::SyncCounters counts;
  };
  std::uint64_t Add(Position position, std::int64_t rows) {
    chunks_.push_back({std::move(position), rows, false, {}});
    return first_ + chunks_.size() - 1;
  }
  void MarkDone(std::uint64_t seq, const engine::SyncCounters& counts) {
    if (seq < first_ || seq - first_ >= chunks_.size()) return;
    chunks_[seq - first_].done = true;
    chunks_[seq - first_].counts = counts;
  }
  std::optional<Chunk> Take() {
    if (chunks_.empty() || !chunks_.front().done) return std::nullopt;
    Chunk c = std::move(chunks_.front());
    chunks_.pop_front();
    ++first_;
    return c;
  }
  std::size_t InFlight() const { return chunks_.size(); }
  void Clear() {
    first_ += chunks_.size();
    chunks_.clear();
  }

 private:
  std::deque<Chunk> chunks_;
  std::uint64_t first_ = 0;
};

catalog::RunCounts ToRunCounts(const engine::SyncCounters& c);

class BackfillFeeder {
 public:
  using NextTxn = std::function<std::uint64_t()>;
  BackfillFeeder(FeedOptions options, PGconn* conn, ledger::RowReader& reader, catalog::CatalogWriter& writer,
                 const JsonLog& log, NextTxn next_txn)
      : options_(options), conn_(conn), reader_(reader), writer_(writer), log_(log), next_txn_(std::move(next_txn)) {}

  // A backfill run claimed (or started) for the sync: from the first row,
  // or, when `resume`, from where the sync's backfill row says it stopped.
  common::Status Start(const catalog::Sync& sync, std::int64_t run_id, bool resume);
  // Feeds chunks while the engine has room and records finished ones.
  common::Status Tick(engine::PushEngine& engine, const catalog::Snapshot& snapshot);
  // The engine was rebuilt: chunks in it are gone; read again from the last recorded one.
  void Reset();
  bool Active(int sync_id) const { return feeds_.count(sync_id) > 0; }
  bool Any() const { return !feeds_.empty(); }
  // The sync stopped (dropped, shutdown): its run ends with `status`.
  void Cancel(int sync_id, catalog::RunStatus status, const std::string& why);
  void CancelAll(catalog::RunStatus status, const std::string& why);

 private:
  struct Feed {
    std::uint64_t generation = 0;  // callbacks of an earlier feed of the sync do not count
    std::int64_t run_id = 0;
    std::optional<nlohmann::json> recorded_key;  // last recorded chunk's last key
    std::optional<nlohmann::json> read_key;      // where the next read starts
    bool read_all = false;
    OrderedChunks<nlohmann::json> chunks;
  };
  common::Status Record(int sync_id, Feed& feed);

  FeedOptions options_;
  PGconn* conn_;
  ledger::RowReader& reader_;
  catalog::CatalogWriter& writer_;
  const JsonLog& log_;
  NextTxn next_txn_;
  std::uint64_t generation_ = 0;
  std::map<int, Feed> feeds_;
};

class ParkedFeeder {
 public:
  using NextTxn = std::function<std::uint64_t()>;
  // What the sent changes of a sync did (added to its push run).
  using CountsSink = std::function<void(int sync_id, const engine::SyncCounters& counts)>;
  ParkedFeeder(FeedOptions options, catalog::CatalogWriter& writer, const JsonLog& log, NextTxn next_txn,
               CountsSink counts)
      : options_(options), writer_(writer), log_(log), next_txn_(std::move(next_txn)), counts_(std::move(counts)) {}

  // The sync has (more) parked changes: at start-up, and after parking some.
  void Note(int sync_id) { feeds_[sync_id].read_all = false; }
  common::Status Load();
  // True while the sync's live changes must be parked too: it has parked
  // changes not yet handed to the engine (order is kept by parking behind them).
  bool Draining(int sync_id) const;
  // Hands parked changes of unpaused syncs to the engine; deletes sent ones.
  common::Status Tick(engine::PushEngine& engine, const catalog::Snapshot& snapshot);
  void Reset();

 private:
  struct Feed {
    std::uint64_t generation = 0;
    std::int64_t recorded_seq = 0;  // deleted up to here
    std::int64_t read_seq = 0;      // handed to the engine up to here
    bool read_all = false;
    OrderedChunks<std::int64_t> chunks;
  };
  FeedOptions options_;
  catalog::CatalogWriter& writer_;
  const JsonLog& log_;
  NextTxn next_txn_;
  CountsSink counts_;
  std::map<int, Feed> feeds_;
};

}  // namespace syncbridge::daemon
