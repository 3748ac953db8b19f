#include "daemon/local_feeds.hpp"

#include "catalog/pg.hpp"
#include "engine/line_router.hpp"

namespace syncbridge::daemon {

using nlohmann::json;

catalog::RunCounts ToRunCounts(const engine::SyncCounters& c) {
  catalog::RunCounts r;
  r.created = c.created;
  r.updated = c.updated;
  r.deleted = c.deleted;
  r.moved = c.moved;
  r.skipped = c.skipped;
  r.failed = c.failed;
  return r;
}

common::Status BackfillFeeder::Start(const catalog::Sync& sync, std::int64_t run_id, bool resume) {
  Feed feed;
  feed.generation = ++generation_;
  feed.run_id = run_id;
  if (resume) {
    auto state = writer_.LoadBackfill(sync.sync_id);
    if (!state) return state.Err();
    if (state.Value() && !state.Value()->finished) {
      feed.recorded_key = feed.read_key = state.Value()->after_key;
      auto moved = catalog::Exec(conn_, "UPDATE syncbridge.backfill SET run_id = $2, updated_at = now() WHERE sync_id = $1",
                                 {std::to_string(sync.sync_id), std::to_string(run_id)});
      if (!moved) return moved.Err();
      log_("info", "backfill resumes after the last recorded chunk", LogFields::ForSync(sync.name, {{"run_id", run_id}, {"rows_done", state.Value()->rows_done}}));
      feeds_[sync.sync_id] = std::move(feed);
      return {};
    }
  }
  auto estimate = catalog::Exec(conn_, "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = $1",
                                {std::to_string(sync.relation_oid)});
  if (!estimate) return estimate.Err();
  std::optional<std::int64_t> rows;
  if (PQntuples(estimate.Value().get()) == 1) rows = std::stoll(catalog::Text(estimate.Value().get(), 0, 0));
  if (auto st = writer_.StartBackfill(sync.sync_id, run_id, rows); !st) return st;
  log_("info", "backfill starts", LogFields::ForSync(sync.name, {{"run_id", run_id}}));
  feeds_[sync.sync_id] = std::move(feed);
  return {};
}

common::Status BackfillFeeder::Record(int sync_id, Feed& feed) {
  while (auto chunk = feed.chunks.Take()) {
    if (auto st = writer_.SaveBackfillChunk(sync_id, chunk->position, chunk->rows, ToRunCounts(chunk->counts)); !st)
      return st;
    feed.recorded_key = chunk->position;
  }
  return {};
}

common::Status BackfillFeeder::Tick(engine::PushEngine& engine, const catalog::Snapshot& snapshot) {
  for (auto it = feeds_.begin(); it != feeds_.end();) {
    const int sync_id = it->first;
    Feed& feed = it->second;
    const catalog::Sync* sync = snapshot.SyncById(sync_id);
    if (!sync || !sync->Pushes()) {
      (void)writer_.FinishRun(feed.run_id, catalog::RunStatus::kCancelled, "the sync was dropped or no longer pushes");
      it = feeds_.erase(it);
      continue;
    }
    if (auto st = Record(sync_id, feed); !st) return st;
    while (!sync->paused && !feed.read_all && feed.chunks.InFlight() < static_cast<std::size_t>(options_.chunks_in_flight) &&
           !engine.Saturated()) {
      auto rows = reader_.ReadChunk(sync->relation_oid, sync->mapping.key_columns, feed.read_key, options_.chunk_rows);
      if (!rows) return rows.Err();
      if (rows.Value().empty()) {
        feed.read_all = true;
        break;
      }
      const std::uint64_t txn = next_txn_();
      json last_key;
      for (auto& row : rows.Value()) {
        mapper::RowChange change;
        for (const auto& column : sync->mapping.key_columns) change.key[column] = row[column];
        last_key = change.key;
        change.row = std::move(row);
        if (auto st = engine.Change(txn, sync_id, std::move(change), common::Lsn()); !st) return st;
      }
      if (rows.Value().size() < static_cast<std::size_t>(options_.chunk_rows)) feed.read_all = true;
      feed.read_key = last_key;
      const auto seq = feed.chunks.Add(last_key, static_cast<std::int64_t>(rows.Value().size()));
      const auto generation = feed.generation;
      auto st = engine.CommitLocal(txn, [this, sync_id, seq, generation](const engine::SyncCounters& counts) {
        auto f = feeds_.find(sync_id);
        if (f != feeds_.end() && f->second.generation == generation) f->second.chunks.MarkDone(seq, counts);
      });
      if (!st) return st;
    }
    if (feed.read_all && feed.chunks.InFlight() == 0) {
      if (auto st = writer_.FinishBackfill(sync_id); !st) return st;
      if (auto st = writer_.FinishRun(feed.run_id, catalog::RunStatus::kSucceeded); !st) return st;
      log_("info", "backfill finished", LogFields::ForSync(sync->name, {{"run_id", feed.run_id}}));
      it = feeds_.erase(it);
      continue;
    }
    ++it;
  }
  return {};
}

void BackfillFeeder::Reset() {
  for (auto& [sync_id, feed] : feeds_) {
    feed.generation = ++generation_;
    feed.chunks.Clear();
    feed.read_key = feed.recorded_key;
    feed.read_all = false;
  }
}

void BackfillFeeder::Cancel(int sync_id, catalog::RunStatus status, const std::string& why) {
  auto it = feeds_.find(sync_id);
  if (it == feeds_.end()) return;
  (void)Record(sync_id, it->second);
  (void)writer_.FinishRun(it->second.run_id, status, why);
  feeds_.erase(it);
}

void BackfillFeeder::CancelAll(catalog::RunStatus status, const std::string& why) {
  while (!feeds_.empty()) Cancel(feeds_.begin()->first, status, why);
}

common::Status ParkedFeeder::Load() {
  auto syncs = writer_.SyncsWithParked();
  if (!syncs) return syncs.Err();
  for (int sync_id : syncs.Value()) Note(sync_id);
  return {};
}

bool ParkedFeeder::Draining(int sync_id) const {
  auto it = feeds_.find(sync_id);
  return it != feeds_.end() && !it->second.read_all;
}

common::Status ParkedFeeder::Tick(engine::PushEngine& engine, const catalog::Snapshot& snapshot) {
  for (auto it = feeds_.begin(); it != feeds_.end();) {
    const int sync_id = it->first;
    Feed& feed = it->second;
    const catalog::Sync* sync = snapshot.SyncById(sync_id);
    if (!sync) {  // dropped: its parked changes went with it
      it = feeds_.erase(it);
      continue;
    }
    while (auto chunk = feed.chunks.Take()) {
      auto deleted = writer_.DeleteParked(sync_id, chunk->position);
      if (!deleted) return deleted.Err();
      feed.recorded_seq = chunk->position;
      if (counts_) counts_(sync_id, chunk->counts);
    }
    while (!sync->paused && !feed.read_all &&
           feed.chunks.InFlight() < static_cast<std::size_t>(options_.chunks_in_flight) && !engine.Saturated()) {
      auto parked = writer_.ReadParked(sync_id, feed.read_seq, options_.chunk_rows);
      if (!parked) return parked.Err();
      if (parked.Value().empty()) {
        feed.read_all = true;
        break;
      }
      const std::uint64_t txn = next_txn_();
      for (const auto& p : parked.Value()) {
        auto row = engine::FromParkedJson(sync_id, p.lsn, p.change);
        if (!row) {
          // Our own JSON, so this means a damaged row: say so and keep going.
          log_("error", row.Err().message + "; skipped", [&] { auto f = LogFields::ForSync(sync->name); f.lsn = p.lsn; return f; }());
          continue;
        }
        auto& r = row.Value();
        if (auto st = engine.Change(txn, sync_id, std::move(r.change), r.lsn, std::move(r.old_key)); !st) return st;
      }
      feed.read_seq = parked.Value().back().seq;
      if (parked.Value().size() < static_cast<std::size_t>(options_.chunk_rows)) feed.read_all = true;
      const auto seq = feed.chunks.Add(feed.read_seq, static_cast<std::int64_t>(parked.Value().size()));
      const auto generation = feed.generation;
      auto st = engine.CommitLocal(txn, [this, sync_id, seq, generation](const engine::SyncCounters& counts) {
        auto f = feeds_.find(sync_id);
        if (f != feeds_.end() && f->second.generation == generation) f->second.chunks.MarkDone(seq, counts);
      });
      if (!st) return st;
    }
    if (feed.read_all && feed.chunks.InFlight() == 0) {
      log_("info", "parked changes sent", LogFields::ForSync(sync->name));
      it = feeds_.erase(it);
      continue;
    }
    ++it;
  }
  return {};
}

void ParkedFeeder::Reset() {
  for (auto& [sync_id, feed] : feeds_) {
    feed.chunks.Clear();
    feed.read_seq = feed.recorded_seq;
    feed.read_all = false;
    ++feed.generation;
  }
}

}  // namespace syncbridge::daemon
