#include "engine/push_engine.hpp"

#include <random>

#include "mapper/content_hash.hpp"

namespace syncbridge::engine {

using common::Error;
using common::ErrorKind;
using common::Result;
using common::Status;
using connectors::Operation;
using connectors::OperationResult;
using mapper::Decision;
using nlohmann::json;

namespace {

std::function<double()> DefaultUniform() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

PushEngine::PushEngine(EngineOptions options, MappingLookup mappings, LedgerPort& ledger, RowSource& rows,
                       ConnectorRegistry& connectors, dispatch::WorkerPool& pool, progress::Tracker& tracker,
                       std::function<Clock::time_point()> now, std::function<double()> uniform01)
    : options_(options),
      mappings_(std::move(mappings)),
      ledger_(ledger),
      rows_(rows),
      connectors_(connectors),
      pool_(pool),
      tracker_(tracker),
      now_(std::move(now)),
      backoff_(options.backoff, uniform01 ? std::move(uniform01) : DefaultUniform()),
      scheduler_(20, options.max_in_flight_per_target) {}

std::string PushEngine::KeyOf(int sync_id, const json& row_key) {
  return std::to_string(sync_id) + '\0' + mapper::RowKeyText(row_key);
}

const char* PushEngine::OperationName(const Work& work) {
  if (work.stage != Stage::kSingle) return "move";
  switch (work.op.kind) {
    case Operation::Kind::kCreate: return "create";
    case Operation::Kind::kUpdate: return "update";
    case Operation::Kind::kDelete: return "delete";
  }
  return "update";
}

Status PushEngine::Change(std::uint64_t txn, int sync_id, mapper::RowChange change, common::Lsn lsn,
                          std::optional<json> old_key) {
  if (fatal_) return *fatal_;
  if (!mappings_(sync_id)) return {};  // dropped since the stream was routed
  Count(txn, sync_id, &SyncCounters::received);
  if (old_key && *old_key != change.key) {
    mapper::RowChange removal;
    removal.op = mapper::RowChange::Op::kDelete;
    removal.key = *old_key;
    if (auto st = Stage(txn, sync_id, std::move(removal), lsn); !st) return st;
  }
  return Stage(txn, sync_id, std::move(change), lsn);
}

Status PushEngine::Stage(std::uint64_t txn, int sync_id, mapper::RowChange change, common::Lsn lsn) {
  ++txns_[txn].outstanding;
  ++outstanding_;
  staged_.push_back({txn, sync_id, std::move(change), lsn, false});
  if (staged_.size() >= options_.lookup_chunk) return ResolveStaged();
  return {};
}

Status PushEngine::Commit(std::uint64_t txn, common::Lsn end_lsn) {
  if (fatal_) return *fatal_;
  if (!tracker_.Begin(end_lsn))
    return common::ProtocolError("transaction end " + end_lsn.ToString() + " is not after the previous one");
  auto it = txns_.try_emplace(txn).first;
  it->second.end = end_lsn;
  if (it->second.outstanding == 0) {
    Settle(it);
    return {};
  }
  return ResolveStaged();
}

Status PushEngine::CommitLocal(std::uint64_t txn, LocalDone done) {
  if (fatal_) return *fatal_;
  auto it = txns_.try_emplace(txn).first;
  it->second.done = std::move(done);
  if (it->second.outstanding == 0) {
    Settle(it);
    return {};
  }
  return ResolveStaged();
}

void PushEngine::Settle(std::map<std::uint64_t, TxnState>::iterator it) {
  TxnState state = std::move(it->second);
  txns_.erase(it);
  if (state.end) {
    tracker_.MarkDurable(*state.end);
    for (const auto& [sync_id, c] : state.counts) live_counters_[sync_id] += c;
  }
  // Run from Pump, never from inside the engine's own bookkeeping: the
  // callback may hand the engine more work. (A local transaction is one sync's.)
  if (state.done) {
    SyncCounters total;
    for (const auto& [sync_id, c] : state.counts) total += c;
    finished_local_.emplace_back(std::move(state.done), total);
  }
}

void PushEngine::Count(std::uint64_t txn, int sync_id, std::int64_t SyncCounters::*field) {
  ++(counters_[sync_id].*field);
  // Whether the transaction is local is known only at its commit: count it
  // with the transaction, and hand the counts on when it settles.
  ++(txns_[txn].counts[sync_id].*field);
}

Status PushEngine::ResolveStaged() {
  if (staged_.empty()) return {};
  // One ledger round trip per sync for every key not already in memory.
  std::map<int, std::vector<json>> missing;
  for (const auto& c : staged_) {
    std::string key = KeyOf(c.sync_id, c.change.key);
    if (!keys_.count(key)) {
      keys_[key] = KeyState{c.sync_id, c.change.key, std::nullopt, {}, false};
      missing[c.sync_id].push_back(c.change.key);
    }
  }
  for (const auto& [sync_id, keys] : missing) {
    auto found = ledger_.Lookup(sync_id, keys);
    if (!found) {
      fatal_ = found.Err();
      return found.Err();
    }
    for (auto& [text, record] : found.Value()) {
      auto it = keys_.find(std::to_string(sync_id) + '\0' + text);
      if (it != keys_.end()) it->second.record = std::move(record);
    }
  }
  std::vector<std::string> touched;
  for (auto& c : staged_) {
    std::string key = KeyOf(c.sync_id, c.change.key);
    keys_[key].queue.push_back(std::move(c));
    touched.push_back(std::move(key));
  }
  staged_.clear();
  for (const auto& key : touched)
    if (auto st = Advance(key); !st) return st;
  return {};
}

void PushEngine::AddWork(const std::string& key, KeyState& state, int target_id, enum Stage stage,
                         connectors::Operation op, const Decision& decision) {
  dispatch::WorkId id = next_work_++;
  Work work;
  work.key = key;
  work.target_id = target_id;
  work.stage = stage;
  work.op = std::move(op);
  work.decision = decision;
  // The ledger says a create may already have been sent: find that item
  // first, to update it instead of creating a twin, or to delete it.
  work.lookup_first = state.record && state.record->pending &&
                      (work.op.kind == Operation::Kind::kCreate || work.op.remote_id.empty());
  work_[id] = std::move(work);
  scheduler_.Add(id, target_id, key);
  state.busy = true;
}

void PushEngine::FinishHead(KeyState& state) {
  PendingChange head = std::move(state.queue.front());
  state.queue.pop_front();
  --outstanding_;
  auto it = txns_.find(head.txn);
  if (it == txns_.end()) return;
  if (--it->second.outstanding == 0 && it->second.Committed()) Settle(it);
}

ItemError PushEngine::ErrorFor(const KeyState& state, const Work& work, const std::string& message, int http_status,
                               const std::string& code) const {
  ItemError e;
  e.sync_id = state.sync_id;
  e.target_id = work.target_id;
  e.operation = OperationName(work);
  e.row_key = state.row_key;
  e.remote_id = work.op.remote_id;
  e.lsn = state.queue.empty() ? common::Lsn() : state.queue.front().lsn;
  e.http_status = http_status;
  e.error_code = code;
  e.message = message;
  return e;
}

Status PushEngine::RecordErrors(const std::vector<ItemError>& errors) {
  if (errors.empty()) return {};
  auto st = ledger_.Commit({}, errors);
  if (!st) fatal_ = st.Err();
  return st;
}

Status PushEngine::Advance(const std::string& key) {
  auto it = keys_.find(key);
  if (it == keys_.end()) return {};
  KeyState& state = it->second;
  while (!state.busy && !state.queue.empty()) {
    PendingChange& head = state.queue.front();
    const mapper::SyncMapping* mapping = mappings_(head.sync_id);
    if (!mapping) {
      FinishHead(state);
      continue;
    }
    if (head.change.op == mapper::RowChange::Op::kDelete && state.record && state.record->pending &&
        state.record->view.remote_id.empty()) {
      // The row's create may have reached the remote side unrecorded.
      Decision d;
      d.kind = Decision::Kind::kDelete;
      d.target_id = state.record->view.target_id;
      AddWork(key, state, d.target_id, Stage::kSingle,
              {Operation::Kind::kDelete, mapper::RowKeyText(state.row_key), "", json::object()}, d);
      break;
    }
    const mapper::LedgerView* view = state.record ? &state.record->view : nullptr;
    Decision d = mapper::Decide(*mapping, head.change, view);
    switch (d.kind) {
      case Decision::Kind::kNeedFullRow: {
        if (head.full_row_read) {
          d.kind = Decision::Kind::kError;
          d.error = "the row's current values do not decide its route";
          break;
        }
        auto row = rows_.ReadRow(head.sync_id, head.change.key);
        if (!row) {
          fatal_ = row.Err();
          return row.Err();
        }
        head.full_row_read = true;
        if (!row.Value().has_value()) {
          // Deleted since: its delete follows in the stream.
          Count(head.txn, head.sync_id, &SyncCounters::skipped);
          FinishHead(state);
          continue;
        }
        head.change.row = std::move(*row.Value());
        continue;
      }
      default:
        break;
    }
    switch (d.kind) {
      case Decision::Kind::kError: {
        Count(head.txn, head.sync_id, &SyncCounters::failed);
        Work context;
        context.target_id = d.target_id;
        context.op.kind = head.change.op == mapper::RowChange::Op::kDelete ? Operation::Kind::kDelete
                                                                            : Operation::Kind::kUpdate;
        if (auto st = RecordErrors({ErrorFor(state, context, d.error)}); !st) return st;
        FinishHead(state);
        continue;
      }
      case Decision::Kind::kSkip: {
        Count(head.txn, head.sync_id, &SyncCounters::skipped);
        if (state.record && !d.content_hash.empty() && d.content_hash != state.record->view.content_hash) {
          // Only the ledger's hashes change (a field no longer mapped).
          LedgerWrite w{head.sync_id, state.row_key, state.record->view.target_id, state.record->view.remote_id,
                        state.record->remote_version, d.content_hash, d.field_hashes, false, head.lsn};
          if (auto st = ledger_.Commit({w}, {}); !st) {
            fatal_ = st.Err();
            return st;
          }
          state.record->view.content_hash = d.content_hash;
          state.record->view.field_hashes = d.field_hashes;
        }
        FinishHead(state);
        continue;
      }
      case Decision::Kind::kCreate:
        if (state.record && state.record->pending && state.record->view.remote_id.empty() &&
            state.record->view.target_id != 0 && state.record->view.target_id != d.target_id) {
          // An earlier create may have reached the list its mark names,
          // unrecorded: look the key up there and delete what is found, then
          // create here (a move from there), or that item stays behind.
          d.kind = Decision::Kind::kMove;
          d.from_target_id = state.record->view.target_id;
          AddWork(key, state, d.from_target_id, Stage::kMoveDelete,
                  {Operation::Kind::kDelete, mapper::RowKeyText(state.row_key), "", json::object()}, d);
          break;
        }
        AddWork(key, state, d.target_id, Stage::kSingle,
                {Operation::Kind::kCreate, mapper::RowKeyText(state.row_key), "", d.fields}, d);
        break;
      case Decision::Kind::kUpdate:
        AddWork(key, state, d.target_id, Stage::kSingle,
                {Operation::Kind::kUpdate, mapper::RowKeyText(state.row_key), d.remote_id, d.fields}, d);
        break;
      case Decision::Kind::kDelete:
        AddWork(key, state, d.target_id, Stage::kSingle,
                {Operation::Kind::kDelete, mapper::RowKeyText(state.row_key), d.remote_id, json::object()}, d);
        break;
      case Decision::Kind::kMove:
        // Delete there first, then create here (DESIGN.md): a crash in
        // between leaves a deleted ledger row, and the replay creates.
        AddWork(key, state, d.from_target_id, Stage::kMoveDelete,
                {Operation::Kind::kDelete, mapper::RowKeyText(state.row_key), d.remote_id, json::object()}, d);
        break;
      case Decision::Kind::kNeedFullRow:
        break;
    }
  }
  if (!state.busy && state.queue.empty()) keys_.erase(it);  // memory follows outstanding work only
  return {};
}

Status PushEngine::Pump() {
  if (fatal_) return *fatal_;
  while (!finished_local_.empty()) {
    auto [done, counts] = std::move(finished_local_.front());
    finished_local_.pop_front();
    done(counts);
    if (fatal_) return *fatal_;
  }
  if (quiescing_) return {};
  for (auto& batch : scheduler_.Ready(now_())) {
    connectors::TargetRef target;
    std::string error;
    std::shared_ptr<connectors::Connector> connector = connectors_.ConnectorFor(batch.target_id, &target, &error);
    if (!connector) {
      if (target_error_) target_error_(batch.target_id, error);
      for (auto id : batch.work) scheduler_.Retry(id, now_() + options_.config_error_retry);
      scheduler_.BatchFinished(batch.target_id);
      continue;
    }
    // Record creates before sending them: after a crash their keys are looked up.
    std::vector<PendingMark> marks;
    std::vector<Operation> ops;
    std::vector<bool> lookups;
    for (auto id : batch.work) {
      Work& work = work_.at(id);
      KeyState& state = keys_.at(work.key);
      if (work.op.kind == Operation::Kind::kCreate && !(state.record && state.record->pending))
        marks.push_back({state.sync_id, state.row_key, work.target_id});
      if (work.attempts == 0) work.first_sent = now_();
      ops.push_back(work.op);
      lookups.push_back(work.lookup_first);
    }
    if (!marks.empty()) {
      if (auto st = ledger_.MarkPending(marks); !st) {
        fatal_ = st.Err();
        return st;
      }
      for (const auto& mark : marks) {
        KeyState& state = keys_.at(KeyOf(mark.sync_id, mark.row_key));
        if (!state.record) state.record = LedgerRecord{};
        // As the ledger now says: the create may exist at its target, and an
        // earlier item of the key is gone (creates follow deletes).
        state.record->pending = true;
        state.record->view.target_id = mark.target_id;
        state.record->view.remote_id.clear();
      }
    }
    std::uint64_t batch_id = next_batch_++;
    batches_[batch_id] = {batch.target_id, batch.work};
    auto& sync_counters = counters_[keys_.at(work_.at(batch.work.front()).key).sync_id];
    sync_counters.requests += 1;
    sync_counters.operations += static_cast<std::int64_t>(batch.work.size());
    pool_.Submit([this, batch_id, connector, target, ops = std::move(ops),
                  lookups = std::move(lookups)](http::Client& client) mutable -> dispatch::WorkerPool::Completion {
      // What each lookup found ("" = nothing), kept by the engine when the
      // batch fails: a later lookup would only fail the batch again.
      std::vector<std::optional<std::string>> found_ids(ops.size());
      auto done = [this, batch_id, &found_ids](Result<std::vector<OperationResult>> r, bool sent,
                                               std::optional<Clock::time_point> held = std::nullopt)
          -> dispatch::WorkerPool::Completion {
        return [this, batch_id, r = std::move(r), found = std::move(found_ids), sent, held]() mutable {
          OnBatchDone(batch_id, std::move(r), found, sent, held);
        };
      };
      // Another batch of this list may have been throttled since the loop
      // handed this one over: hold it rather than send before Retry-After.
      auto held = [this, &target] { return gate_.ClosedUntil(target.target_id, now_()); };
      auto throttled = [this, &target](const common::Error& e) {
        if (e.kind == ErrorKind::kThrottled && e.retry_after_ms > 0)
          gate_.Close(target.target_id, now_() + std::chrono::milliseconds(e.retry_after_ms));
        return e;
      };
      const common::Error kHeld{ErrorKind::kThrottled, "held: the list was throttled", 0};
      // Operations whose item may exist unrecorded look it up first: a create
      // updates what it finds instead of making a twin; a delete deletes it,
      // or has nothing to do.
      std::vector<std::size_t> send;
      for (std::size_t i = 0; i < ops.size(); ++i) {
        if (lookups[i]) {
          if (auto until = held()) return done(kHeld, false, until);
          auto found = connector->FindByKey(client, target, ops[i].row_key);
          if (!found) return done(throttled(found.Err()), false);
          found_ids[i] = found.Value() ? found.Value()->remote_id : "";
          if (found.Value()) {
            if (ops[i].kind == Operation::Kind::kCreate) ops[i].kind = Operation::Kind::kUpdate;
            ops[i].remote_id = found.Value()->remote_id;
          } else if (ops[i].kind == Operation::Kind::kDelete) {
            continue;
          }
        }
        send.push_back(i);
      }
      std::vector<Operation> batch_ops;
      for (auto i : send) batch_ops.push_back(ops[i]);
      std::vector<OperationResult> results(ops.size());  // unsent deletes: nothing was there
      if (!batch_ops.empty()) {
        if (auto until = held()) return done(kHeld, false, until);
        auto applied = connector->Apply(client, target, batch_ops);
        if (!applied) return done(throttled(applied.Err()), true);
        for (std::size_t j = 0; j < send.size(); ++j) results[send[j]] = std::move(applied.Value()[j]);
      }
      for (std::size_t i = 0; i < ops.size(); ++i)
        if (results[i].remote_id.empty()) results[i].remote_id = ops[i].remote_id;
      return done(std::move(results), true);
    });
  }
  return {};
}

Status PushEngine::Complete() {
  pool_.DrainCompletions();
  if (fatal_) return *fatal_;
  return Pump();
}

PushEngine::Work PushEngine::Release(dispatch::WorkId id) {
  Work work = std::move(work_.at(id));
  work_.erase(id);
  scheduler_.Done(id);
  keys_.at(work.key).busy = false;
  return work;
}

void PushEngine::KeepLookups(Work& work, const std::optional<std::string>& found_id) {
  // A lookup that got its answer before the failure need not be made again
  // (each one can fail the whole batch): a found item is updated with every
  // field, a create that found nothing creates. A delete that found nothing
  // keeps looking (it sends nothing without an id).
  if (!work.lookup_first || !found_id) return;
  if (!found_id->empty()) {
    if (work.op.kind == Operation::Kind::kCreate) work.op.kind = Operation::Kind::kUpdate;
    work.op.remote_id = *found_id;
    work.lookup_first = false;
  } else if (work.op.kind == Operation::Kind::kCreate) {
    work.lookup_first = false;
  }
}

void PushEngine::OnBatchDone(std::uint64_t batch_id, Result<std::vector<OperationResult>> results,
                             const std::vector<std::optional<std::string>>& found_ids, bool sent,
                             std::optional<Clock::time_point> held) {
  auto node = batches_.extract(batch_id);
  if (node.empty() || fatal_) return;
  InFlightBatch batch = std::move(node.mapped());
  const auto now = now_();

  if (held) {
    // Not sent (another batch of the list was throttled): no attempt spent.
    scheduler_.PauseTarget(batch.target_id, *held);
    for (std::size_t i = 0; i < batch.work.size(); ++i) {
      KeepLookups(work_.at(batch.work[i]), i < found_ids.size() ? found_ids[i] : std::nullopt);
      scheduler_.Retry(batch.work[i], *held);
    }
    scheduler_.BatchFinished(batch.target_id);
    return;
  }

  if (!results) {
    const Error& e = results.Err();
    int attempts = 0;
    for (auto id : batch.work) attempts = std::max(attempts, ++work_.at(id).attempts);
    std::optional<std::chrono::milliseconds> asked;
    if (e.kind == ErrorKind::kThrottled && e.retry_after_ms > 0) asked = std::chrono::milliseconds(e.retry_after_ms);
    auto delay = e.kind == ErrorKind::kConfig ? options_.config_error_retry : http::NextDelay(backoff_, attempts, asked);
    if (e.kind == ErrorKind::kThrottled) {
      scheduler_.PauseTarget(batch.target_id, now + delay);
      ++counters_[keys_.at(work_.at(batch.work.front()).key).sync_id].throttled;
    }
    if (e.kind == ErrorKind::kConfig && target_error_) target_error_(batch.target_id, e.message);
    for (std::size_t i = 0; i < batch.work.size(); ++i) {
      Work& work = work_.at(batch.work[i]);
      KeepLookups(work, i < found_ids.size() ? found_ids[i] : std::nullopt);
      // A sent batch may have been applied before its answer was lost; a
      // throttled one (429, or the 503 SharePoint also throttles with) was
      // refused whole.
      if (sent && e.kind != ErrorKind::kThrottled && work.op.kind == Operation::Kind::kCreate)
        work.lookup_first = true;
      ++counters_[keys_.at(work.key).sync_id].retries;
      scheduler_.Retry(batch.work[i], now + delay);
    }
    scheduler_.BatchFinished(batch.target_id);
    return;
  }

  if (target_ok_) target_ok_(batch.target_id);
  std::vector<LedgerWrite> writes;
  std::vector<ItemError> errors;
  std::vector<dispatch::WorkId> finished;    // done with the head change
  std::vector<dispatch::WorkId> continuing;  // done, but the change goes on (move, gone)
  for (std::size_t i = 0; i < batch.work.size(); ++i) {
    dispatch::WorkId id = batch.work[i];
    Work& work = work_.at(id);
    KeyState& state = keys_.at(work.key);
    const OperationResult& r = results.Value()[i];
    auto& counters = counters_[state.sync_id];
    const std::uint64_t txn = state.queue.front().txn;
    common::Lsn lsn = state.queue.front().lsn;
    switch (r.outcome) {
      case OperationResult::Outcome::kApplied: {
        LedgerWrite w{state.sync_id, state.row_key, work.target_id, r.remote_id, r.remote_version,
                      work.decision.content_hash, work.decision.field_hashes, false, lsn};
        if (work.op.kind == Operation::Kind::kDelete) {
          w.remote_id = r.remote_id.empty() ? work.op.remote_id : r.remote_id;
          w.content_hash.clear();
          w.field_hashes.clear();
          w.deleted = true;
        } else if (work.op.kind == Operation::Kind::kUpdate && w.remote_id.empty()) {
          w.remote_id = work.op.remote_id;
        }
        writes.push_back(w);
        LedgerRecord record;
        record.view = {w.target_id, w.remote_id, w.content_hash, w.field_hashes, w.deleted};
        record.remote_version = w.remote_version;
        state.record = record;
        if (work.stage == Stage::kMoveDelete) {
          continuing.push_back(id);
        } else {
          auto field = work.stage == Stage::kMoveCreate                 ? &SyncCounters::moved
                       : work.op.kind == Operation::Kind::kCreate     ? &SyncCounters::created
                       : work.op.kind == Operation::Kind::kUpdate     ? &SyncCounters::updated
                                                                      : &SyncCounters::deleted;
          Count(txn, state.sync_id, field);
          finished.push_back(id);
        }
        break;
      }
      case OperationResult::Outcome::kGone: {
        // Someone deleted the item remotely: record that, and decide again
        // (the row is created anew from its current values).
        LedgerWrite w{state.sync_id, state.row_key, work.target_id, work.op.remote_id, "", "", {}, true, lsn};
        writes.push_back(w);
        state.record = LedgerRecord{{w.target_id, w.remote_id, "", {}, true}, "", false};
        state.queue.front().change.row = json::object();  // force a read of the whole row
        state.queue.front().full_row_read = false;
        continuing.push_back(id);
        break;
      }
      case OperationResult::Outcome::kRetry: {
        ++work.attempts;
        // A server error may come after the create was done: look before creating again.
        if (work.op.kind == Operation::Kind::kCreate && r.http_status >= 500) work.lookup_first = true;
        ++counters.retries;
        if (r.http_status == 429 || r.http_status == 503) ++counters.throttled;
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - work.first_sent);
        bool throttled = r.http_status == 429 || r.http_status == 503;
        // Throttling is never given up on: the service says when to come back.
        if (throttled || options_.retry.ShouldRetry(r.http_status, work.attempts, elapsed)) {
          auto delay = http::NextDelay(backoff_, work.attempts, r.retry_after);
          scheduler_.Retry(id, now + delay);
        } else {
          Count(txn, state.sync_id, &SyncCounters::failed);
          errors.push_back(ErrorFor(state, work,
                                    "gave up after " + std::to_string(work.attempts) + " attempts: " + r.message,
                                    r.http_status, r.error_code));
          finished.push_back(id);
        }
        break;
      }
      case OperationResult::Outcome::kFailed:
        Count(txn, state.sync_id, &SyncCounters::failed);
        errors.push_back(ErrorFor(state, work, r.message.empty() ? "refused by the remote side" : r.message,
                                  r.http_status, r.error_code));
        finished.push_back(id);
        break;
    }
  }
  if (!writes.empty() || !errors.empty()) {
    if (auto st = ledger_.Commit(writes, errors); !st) {
      fatal_ = st.Err();
      return;
    }
  }
  scheduler_.BatchFinished(batch.target_id);
  std::vector<std::string> advance;
  for (auto id : continuing) {
    Work work = Release(id);
    KeyState& state = keys_.at(work.key);
    if (work.stage == Stage::kMoveDelete) {
      // Second half of the move: create at the new target with every field.
      const Decision& d = work.decision;
      AddWork(work.key, state, d.target_id, Stage::kMoveCreate,
              {Operation::Kind::kCreate, mapper::RowKeyText(state.row_key), "", d.fields}, d);
    } else {
      advance.push_back(work.key);
    }
  }
  for (auto id : finished) {
    Work work = Release(id);
    FinishHead(keys_.at(work.key));
    advance.push_back(work.key);
  }
  for (const auto& key : advance)
    if (auto st = Advance(key); !st) return;
}

}  // namespace syncbridge::engine
