#include "daemon/daemon.hpp"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "catalog/notify.hpp"
#include "catalog/pg.hpp"
#include "catalog/snapshot.hpp"
#include "catalog/writer.hpp"
#include "common/signal_fd.hpp"
#include "crypto/sealed_box.hpp"
#include "daemon/connector_registry.hpp"
#include "daemon/local_feeds.hpp"
#include "daemon/log.hpp"
#include "daemon/metrics_export.hpp"
#include "daemon/pg_ports.hpp"
#include "dispatch/worker_pool.hpp"
#include "engine/line_router.hpp"
#include "engine/push_engine.hpp"
#include "metrics/endpoint.hpp"
#include "metrics/registry.hpp"
#include "pgoutput/formatter.hpp"
#include "spill/spill_buffer.hpp"
#include "stream/logical_stream.hpp"

namespace syncbridge::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using common::Lsn;
using common::Status;

constexpr const char* kVersion = "0.1.0";
// Local transactions (backfill chunks, parked changes) get ids far above the
// stream's, so the two never meet in the engine.
constexpr std::uint64_t kLocalTxnBase = std::uint64_t{1} << 62;

// The fds the loop sleeps on, as one pollable epoll fd: LogicalStream::Next
// returns early when it is readable.
class WaitSet {
 public:
  WaitSet() : epoll_(epoll_create1(EPOLL_CLOEXEC)), timer_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    Watch(timer_);
  }
  ~WaitSet() {
    if (timer_ >= 0) ::close(timer_);
    if (epoll_ >= 0) ::close(epoll_);
  }
  WaitSet(const WaitSet&) = delete;
  WaitSet& operator=(const WaitSet&) = delete;

  void Watch(int fd) {
    if (fd < 0) return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST) epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
  }
  void Forget(int fd) {
    if (fd >= 0) epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
  }
  // The timer fires at `when` (or is disarmed); reading it is Wait's job.
  void WakeAt(std::optional<Clock::time_point> when) {
    itimerspec spec{};
    if (when) {
      auto delta = std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(*when - Clock::now()),
                            std::chrono::nanoseconds(1000));
      spec.it_value.tv_sec = static_cast<time_t>(delta.count() / 1000000000);
      spec.it_value.tv_nsec = static_cast<long>(delta.count() % 1000000000);
    }
    timerfd_settime(timer_, 0, &spec, nullptr);
  }
  void Wait(std::chrono::milliseconds timeout) {
    epoll_event events[8];
    epoll_wait(epoll_, events, 8, static_cast<int>(timeout.count()));
    std::uint64_t expirations;
    (void)::read(timer_, &expirations, sizeof expirations);
  }
  int Fd() const { return epoll_; }
  void ClearTimer() {
    std::uint64_t expirations;
    (void)::read(timer_, &expirations, sizeof expirations);
  }

 private:
  int epoll_;
  int timer_;
};

std::string NowIso() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class Daemon {
 public:
  explicit Daemon(const DaemonOptions& options)
      : options_(options),
        log_(options.slot),
        stream_(StreamOptionsOf(options), stream::RetryPolicy(options.reconnect_attempts),
                stream::BackoffPolicy(std::chrono::milliseconds(options.reconnect_initial_ms),
                                      std::chrono::milliseconds(options.reconnect_max_ms)),
                [this](const char* level, const std::string& msg, const stream::LogFields& f) {
                  LogFields fields;
                  fields.lsn = f.lsn;
                  fields.attempt = f.attempt;
                  log_(level, msg, fields);
                }) {}

  int Run();

 private:
  static stream::StreamOptions StreamOptionsOf(const DaemonOptions& o) {
    stream::StreamOptions so;
    so.conninfo = o.conninfo;
    so.slot = o.slot;
    so.publication = o.publication;
    so.confirm = true;
    so.status_interval = std::chrono::seconds(o.status_interval_s);
    return so;
  }

  Status Start();
  Status ConnectCatalog();
  Status Reload(const std::string& why);
  void BuildEngine();
  Status StartPushRuns();
  Status HandleNotifications();
  Status HandleRunRequests();
  void StartProvision(const catalog::RequestedRun& run, const catalog::Sync& sync);
  Status Housekeeping(bool force);
  Status FeedLocal();
  // Waits (running completions) until the engine can take more; false when
  // a second signal or an engine failure ended the wait.
  bool WaitForRoom();
  bool WaitQuiet();
  void Recover(const common::Error& why);
  void Shutdown();
  void OnSignal();
  std::vector<engine::TableSync> SyncsOf(const std::string& schema, const std::string& table);
  Status OnTruncate(int sync_id, Lsn lsn);
  Status Park(const std::vector<engine::ParkedRow>& rows);
  void OnCommitted(Lsn end, const std::string& commit_time, const std::set<int>& syncs);
  void RecordConnectionError(int connection_id, const std::string& message);
  void ArmTimer();
  // Waits for any fd of the loop, or the engine's next retry time, at most `timeout`.
  void Sleep(std::chrono::milliseconds timeout) {
    ArmTimer();
    waits_.Wait(timeout);
    armed_ = false;
  }
  std::string SyncName(int sync_id) const {
    const catalog::Sync* s = snapshot_ ? snapshot_->SyncById(sync_id) : nullptr;
    return s ? s->name : std::to_string(sync_id);
  }

  DaemonOptions options_;
  JsonLog log_;
  common::SignalFd signals_;
  WaitSet waits_;
  stream::LogicalStream stream_;
  crypto::KeyPair keys_;
  catalog::PgConn catalog_conn_;  // LISTEN + snapshot loads
  catalog::PgConn ledger_conn_;   // ledger, rows, runs, progress
  std::shared_ptr<const catalog::Snapshot> snapshot_;
  SnapshotConnectors connectors_;
  std::unique_ptr<PgLedgerPort> ledger_;
  std::unique_ptr<PgRowSource> rows_;
  std::unique_ptr<catalog::CatalogWriter> writer_;
  metrics::Registry metrics_;
  std::unique_ptr<metrics::Endpoint> endpoint_;
  std::unique_ptr<dispatch::WorkerPool> pool_;
  std::unique_ptr<engine::PushEngine> engine_;
  std::unique_ptr<engine::LineRouter> router_;
  std::unique_ptr<pgoutput::Formatter> formatter_;
  std::unique_ptr<BackfillFeeder> backfills_;
  std::unique_ptr<ParkedFeeder> parked_;
  std::uint64_t next_local_txn_ = kLocalTxnBase;

  // Tables seen without a sync since the last reload: a table in the
  // publication that the snapshot does not know makes one reload.
  std::set<std::pair<std::string, std::string>> unsynced_seen_;
  std::set<int> paused_now_;  // paused by a TRUNCATE, before the reload shows it
  std::map<int, std::int64_t> push_runs_;                 // sync → its push session's run
  std::map<int, engine::SyncCounters> counted_;           // live counts already added to runs
  std::map<int, engine::SyncCounters> parked_counts_;     // parked changes' counts not yet added
  std::map<int, std::deque<std::pair<Lsn, std::string>>> unapplied_;  // sync → (end, commit time)
  std::map<int, std::string> last_applied_at_;
  std::map<int, std::string> connection_errors_;          // what connection_status says now
  std::set<int> provisions_in_flight_;

  bool stopping_ = false;
  bool abort_ = false;        // second signal
  bool feed_broken_ = false;  // the current transaction's lines are being dropped
  std::optional<common::Error> feed_error_;
  std::string started_at_;
  Clock::time_point next_housekeeping_{};
  Clock::time_point next_stats_{};
  int recoveries_ = 0;
  // What the timer was last armed for (ArmTimer skips unchanged states).
  bool armed_ = false;
  std::uint64_t armed_version_ = 0;
  Clock::time_point armed_housekeeping_{};
};

Status Daemon::ConnectCatalog() {
  if (catalog_conn_) waits_.Forget(PQsocket(catalog_conn_.get()));
  auto conn = catalog::Connect(options_.conninfo, "syncbridged catalog");
  if (!conn) return conn.Err();
  catalog_conn_ = std::move(conn.Value());
  // Listen before loading: no change can fall between the two.
  if (auto st = catalog::Listen(catalog_conn_.get()); !st) return st;
  waits_.Watch(PQsocket(catalog_conn_.get()));
  unsynced_seen_.clear();
  return Reload("start");
}

Status Daemon::Reload(const std::string& why) {
  auto loaded = catalog::Snapshot::Load(catalog_conn_.get(), keys_);
  if (!loaded) return loaded.Err();
  snapshot_ = loaded.Value();
  connectors_.Update(snapshot_);
  unsynced_seen_.clear();
  for (auto it = paused_now_.begin(); it != paused_now_.end();) {
    const catalog::Sync* s = snapshot_->SyncById(*it);
    it = (!s || s->paused) ? paused_now_.erase(it) : std::next(it);
  }
  for (const auto& c : snapshot_->Connections()) {
    if (!c.Usable()) RecordConnectionError(c.connection_id, c.error);
  }
  log_("info", "sync definitions loaded (" + why + ")",
       LogFields::ForSync("", {{"syncs", snapshot_->Syncs().size()}}));
  if (writer_) return StartPushRuns();
  return {};
}

void Daemon::RecordConnectionError(int connection_id, const std::string& message) {
  auto it = connection_errors_.find(connection_id);
  if (it != connection_errors_.end() && it->second == message) return;
  connection_errors_[connection_id] = message;
  const catalog::Connection* c = snapshot_ ? snapshot_->ConnectionById(connection_id) : nullptr;
  log_("error", "connection " + (c ? c->name : std::to_string(connection_id)) + ": " + message);
  if (auto st = writer_->SetConnectionError(connection_id, message); !st)
    log_("warning", "could not record the connection error: " + st.Err().message);
}

Status Daemon::StartPushRuns() {
  for (const auto& sync : snapshot_->Syncs()) {
    if (!sync.Pushes() || push_runs_.count(sync.sync_id)) continue;
    auto run = writer_->StartRun(sync.sync_id, catalog::RunKind::kPush);
    if (!run) return run.Err();
    push_runs_[sync.sync_id] = run.Value();
    ledger_->SetRun(sync.sync_id, run.Value());
  }
  // Runs of syncs that were dropped end with them (the rows cascade).
  for (auto it = push_runs_.begin(); it != push_runs_.end();) {
    const catalog::Sync* s = snapshot_->SyncById(it->first);
    it = (!s || !s->Pushes()) ? push_runs_.erase(it) : std::next(it);
  }
  return {};
}

void Daemon::BuildEngine() {
  engine::EngineOptions eo;
  eo.max_in_flight_per_target = options_.max_in_flight_per_target;
  eo.max_outstanding_changes = options_.max_outstanding;
  eo.config_error_retry = std::chrono::milliseconds(options_.config_error_retry_ms);
  router_.reset();
  engine_ = std::make_unique<engine::PushEngine>(
      eo,
      [this](int sync_id) -> const mapper::SyncMapping* {
        const catalog::Sync* s = snapshot_->SyncById(sync_id);
        return s && s->Pushes() ? &s->mapping : nullptr;
      },
      *ledger_, *rows_, connectors_, *pool_, stream_.Progress());
  engine_->SetTargetErrorSink([this](int target_id, const std::string& message) {
    if (int c = connectors_.ConnectionOfTarget(target_id)) RecordConnectionError(c, message);
  });
  engine_->SetTargetOkSink([this](int target_id) {
    int c = connectors_.ConnectionOfTarget(target_id);
    auto it = connection_errors_.find(c);
    if (it == connection_errors_.end()) return;
    const catalog::Connection* conn = snapshot_->ConnectionById(c);
    if (conn && !conn->Usable()) return;
    connection_errors_.erase(it);
    log_("info", "connection " + (conn ? conn->name : std::to_string(c)) + " works again");
    (void)writer_->SetConnectionOk(c);
  });
  router_ = std::make_unique<engine::LineRouter>(
      *engine_, [this](const std::string& s, const std::string& t) { return SyncsOf(s, t); },
      [this](int sync_id, Lsn lsn) { return OnTruncate(sync_id, lsn); },
      [this](const std::vector<engine::ParkedRow>& rows) { return Park(rows); },
      [this](Lsn end, const std::string& time, const std::set<int>& syncs) { OnCommitted(end, time, syncs); });
  formatter_ = std::make_unique<pgoutput::Formatter>(
      [this](const std::string& line) {
        if (feed_broken_) return;
        if (auto st = router_->OnLine(line); !st) {
          feed_error_ = st.Err();
          feed_broken_ = true;
          return;
        }
        if (engine_->Saturated() && !WaitForRoom()) feed_broken_ = true;
      },
      [this](Lsn end) {
        if (feed_broken_) return;
        if (auto st = router_->OnCommit(end); !st) {
          feed_error_ = st.Err();
          feed_broken_ = true;
        }
      },
      spill::MakeSpillFactory({options_.spill_bytes, options_.spill_dir}), &stream_.Types());
}

std::vector<engine::TableSync> Daemon::SyncsOf(const std::string& schema, const std::string& table) {
  auto found = snapshot_->SyncsForTable(schema, table);
  if (found.empty() && unsynced_seen_.insert({schema, table}).second) {
    // Published but unknown: a sync created since the last load, whose
    // notification has not been read yet. Its definition is committed
    // (the change follows it in commit order), so a load now sees it.
    if (auto st = Reload("change of " + schema + "." + table); !st)
      log_("warning", "reloading sync definitions failed: " + st.Err().message);
    else
      unsynced_seen_.insert({schema, table});
    found = snapshot_->SyncsForTable(schema, table);
  }
  std::vector<engine::TableSync> out;
  for (const catalog::Sync* s : found) {
    engine::TableSync ts;
    ts.sync_id = s->sync_id;
    ts.push = s->Pushes();
    ts.park = s->paused || paused_now_.count(s->sync_id) || parked_->Draining(s->sync_id);
    ts.key_columns = s->mapping.key_columns;
    out.push_back(std::move(ts));
  }
  return out;
}

Status Daemon::Park(const std::vector<engine::ParkedRow>& rows) {
  std::vector<catalog::ParkedChange> changes;
  changes.reserve(rows.size());
  for (const auto& r : rows) changes.push_back({0, r.sync_id, r.lsn, engine::ToParkedJson(r)});
  if (auto st = writer_->ParkChanges(changes); !st) return st;
  for (const auto& r : rows) parked_->Note(r.sync_id);
  metrics_.Add("syncbridge_changes_parked_total", {{"sync", SyncName(rows.front().sync_id)}},
               static_cast<double>(rows.size()));
  return {};
}

bool Daemon::WaitQuiet() {
  // Every change before the truncate must be out before its deletes go.
  if (auto st = engine_->FlushStaged(); !st) return false;
  while (engine_->Outstanding() > 0) {
    if (engine_->Fatal()) return false;
    stream_.Heartbeat();
    Sleep(std::chrono::milliseconds(1000));
    if (signals_.Fired()) OnSignal();
    if (abort_ || stopping_) return false;
    if (auto st = engine_->Complete(); !st) return false;
  }
  return true;
}

Status Daemon::OnTruncate(int sync_id, Lsn lsn) {
  const catalog::Sync* sync = snapshot_->SyncById(sync_id);
  if (!sync) return {};
  LogFields f;
  f.lsn = lsn;
  f.sync = sync->name;
  switch (sync->truncate_policy) {
    case catalog::TruncatePolicy::kIgnore:
      log_("info", "TRUNCATE of " + sync->schema + "." + sync->table + " ignored (truncate_policy ignore)", f);
      return {};
    case catalog::TruncatePolicy::kPause: {
      std::string reason = "TRUNCATE of " + sync->schema + "." + sync->table + " at " + lsn.ToString() +
                           " (truncate_policy pause): the list keeps its items";
      auto paused = catalog::Exec(ledger_conn_.get(), "SELECT syncbridge.pause($1, $2)", {sync->name, reason});
      if (!paused) return paused.Err();
      paused_now_.insert(sync_id);
      log_("warning", reason, f);
      return {};
    }
    case catalog::TruncatePolicy::kDelete:
      break;
  }
  log_("info", "TRUNCATE of " + sync->schema + "." + sync->table + ": deleting every item (truncate_policy delete)", f);
  if (!WaitQuiet()) return common::TransientError("stopped while waiting to apply a TRUNCATE");
  // Every live ledger row of the sync becomes a delete in this transaction.
  std::string after = "{}";
  bool first = true;
  for (;;) {
    auto keys = catalog::Exec(ledger_conn_.get(),
                              "SELECT row_key::text FROM syncbridge.ledger WHERE sync_id = $1 AND state <> 'deleted' "
                              "AND ($3 OR row_key > $2::jsonb) ORDER BY row_key LIMIT 1000",
                              {std::to_string(sync_id), after, first ? "true" : "false"});
    if (!keys) return keys.Err();
    const PGresult* res = keys.Value().get();
    const int n = PQntuples(res);
    if (n == 0) break;
    for (int i = 0; i < n; ++i) {
      mapper::RowChange rc;
      rc.op = mapper::RowChange::Op::kDelete;
      rc.key = nlohmann::json::parse(catalog::Text(res, i, 0));
      if (auto st = engine_->Change(router_->CurrentTxn(), sync_id, std::move(rc), lsn); !st) return st;
      if (engine_->Saturated() && !WaitForRoom()) return common::TransientError("stopped while applying a TRUNCATE");
    }
    after = catalog::Text(res, n - 1, 0);
    first = false;
  }
  return {};
}

void Daemon::OnCommitted(Lsn end, const std::string& commit_time, const std::set<int>& syncs) {
  for (int s : syncs) unapplied_[s].emplace_back(end, commit_time);
}

bool Daemon::WaitForRoom() {
  // Inside a large transaction: run completions until the engine has room,
  // keeping the replication session alive meanwhile.
  while (engine_->Saturated()) {
    if (engine_->Fatal()) return false;
    stream_.Heartbeat();
    Sleep(std::chrono::milliseconds(1000));
    if (signals_.Fired()) OnSignal();
    if (abort_ || stopping_) return false;
    if (auto st = engine_->Complete(); !st) return false;
    if (Clock::now() >= next_housekeeping_) (void)Housekeeping(false);
  }
  return true;
}

void Daemon::OnSignal() {
  if (stopping_) {
    abort_ = true;
    log_("warning", "second signal: stopping now");
    return;
  }
  stopping_ = true;
  log_("info", "signal received: finishing the batches in flight, then stopping");
}

Status Daemon::HandleNotifications() {
  auto notes = catalog::Drain(catalog_conn_.get());
  if (!notes) {
    log_("warning", "catalog session: " + notes.Err().message + "; reconnecting");
    return ConnectCatalog();
  }
  bool reload = false, runs = false;
  for (const auto& n : notes.Value()) {
    reload = reload || n.NeedsReload();
    runs = runs || n.event == catalog::Notification::Event::kRunRequested;
  }
  if (reload) {
    if (auto st = Reload("catalog changed"); !st) return st;
  }
  // After a reload too: a backfill requested while its sync was paused
  // waits for the resume, which is a definition change.
  if (runs || reload) return HandleRunRequests();
  return {};
}

Status Daemon::HandleRunRequests() {
  auto requested = writer_->RequestedRuns();
  if (!requested) return requested.Err();
  for (const auto& run : requested.Value()) {
    const catalog::Sync* sync = snapshot_->SyncById(run.sync_id);
    if (!sync) continue;  // dropped: the run row went with it
    if (run.kind == catalog::RunKind::kBackfill && sync->paused) continue;  // waits for resume
    auto claimed = writer_->ClaimRun(run.run_id);
    if (!claimed) return claimed.Err();
    if (!claimed.Value()) continue;
    LogFields f;
    f.sync = sync->name;
    f.extra = {{"run_id", run.run_id}, {"kind", catalog::ToString(run.kind)}};
    switch (run.kind) {
      case catalog::RunKind::kProvision:
        log_("info", "provisioning", f);
        StartProvision(run, *sync);
        break;
      case catalog::RunKind::kBackfill:
        if (backfills_->Active(sync->sync_id))
          backfills_->Cancel(sync->sync_id, catalog::RunStatus::kCancelled, "replaced by run " + std::to_string(run.run_id));
        if (auto st = backfills_->Start(*sync, run.run_id, false); !st) return st;
        break;
      case catalog::RunKind::kPush:
        // Pushing is continuous; "now" means: do not wait for a retry timer.
        for (const auto& t : sync->targets) engine_->WakeTarget(t.ref.target_id);
        if (auto st = writer_->FinishRun(run.run_id, catalog::RunStatus::kSucceeded); !st) return st;
        break;
      default:
        log_("warning", "run kind not served by this syncbridged version", f);
        if (auto st = writer_->FinishRun(run.run_id, catalog::RunStatus::kFailed,
                                         std::string(catalog::ToString(run.kind)) +
                                             " runs are not served by this syncbridged version (push only)");
            !st)
          return st;
    }
  }
  return {};
}

void Daemon::StartProvision(const catalog::RequestedRun& run, const catalog::Sync& sync) {
  struct Outcome {
    int target_id = 0;
    std::string remote_id;
    std::string error;
  };
  std::string error;
  auto connector = connectors_.ForConnection(sync.connection_id, &error);
  if (!connector) {
    (void)writer_->FinishRun(run.run_id, catalog::RunStatus::kFailed, error);
    return;
  }
  auto outcomes = std::make_shared<std::vector<Outcome>>();
  auto remaining = std::make_shared<std::size_t>(sync.targets.size());
  const std::int64_t run_id = run.run_id;
  const std::string name = sync.name;
  provisions_in_flight_.insert(sync.sync_id);
  for (const auto& target : sync.targets) {
    connectors::TargetRef ref = target.ref;
    auto columns = sync.columns;
    pool_->Submit([=, this](http::Client& client) -> dispatch::WorkerPool::Completion {
      Outcome o;
      o.target_id = ref.target_id;
      if (auto st = connector->Provision(client, ref, columns); !st) {
        o.error = st.Err().message;
      } else if (auto id = connector->RemoteIdOf(client, ref); !id) {
        o.error = id.Err().message;
      } else {
        o.remote_id = id.Value();
      }
      return [=, this] {
        outcomes->push_back(o);
        if (--*remaining > 0) return;
        provisions_in_flight_.erase(sync.sync_id);
        std::string errors;
        for (const auto& x : *outcomes) {
          if (!x.error.empty()) {
            errors += (errors.empty() ? "" : "; ") + ("target " + std::to_string(x.target_id) + ": " + x.error);
            continue;
          }
          if (!x.remote_id.empty()) (void)writer_->SetTargetRemoteId(x.target_id, x.remote_id);
          engine_->WakeTarget(x.target_id);
        }
        LogFields f;
        f.sync = name;
        f.extra = {{"run_id", run_id}};
        if (errors.empty()) {
          log_("info", "provisioned", f);
          (void)writer_->FinishRun(run_id, catalog::RunStatus::kSucceeded);
        } else {
          log_("error", "provisioning failed: " + errors, f);
          (void)writer_->FinishRun(run_id, catalog::RunStatus::kFailed, errors);
        }
      };
    });
  }
}

Status Daemon::FeedLocal() {
  if (stopping_) return {};
  if (auto st = parked_->Tick(*engine_, *snapshot_); !st) return st;
  return backfills_->Tick(*engine_, *snapshot_);
}

Status Daemon::Housekeeping(bool force) {
  const auto now = Clock::now();
  if (!force && now < next_housekeeping_) return {};
  next_housekeeping_ = now + std::chrono::seconds(options_.heartbeat_interval_s);
  const Lsn flush = stream_.ReportedFlush();
  const Lsn received = stream_.Progress().LatestReceived();

  // Run counts: what the live changes did since the last time, plus parked ones.
  for (const auto& [sync_id, total] : engine_->LiveCounters()) {
    auto run = push_runs_.find(sync_id);
    if (run == push_runs_.end()) continue;
    engine::SyncCounters& seen = counted_[sync_id];
    engine::SyncCounters delta;
    delta.created = total.created - seen.created;
    delta.updated = total.updated - seen.updated;
    delta.deleted = total.deleted - seen.deleted;
    delta.moved = total.moved - seen.moved;
    delta.skipped = total.skipped - seen.skipped;
    delta.failed = total.failed - seen.failed;
    auto& parked = parked_counts_[sync_id];
    delta.created += parked.created;
    delta.updated += parked.updated;
    delta.deleted += parked.deleted;
    delta.moved += parked.moved;
    delta.skipped += parked.skipped;
    delta.failed += parked.failed;
    auto counts = ToRunCounts(delta);
    if (counts.Empty()) continue;
    if (auto st = writer_->AddRunCounts(run->second, counts); !st) return st;
    seen = total;
    parked = {};
  }

  // Lag: per sync, the oldest transaction not yet confirmed.
  std::vector<catalog::SyncProgress> progress;
  for (auto& [sync_id, pending] : unapplied_) {
    catalog::SyncProgress p;
    p.sync_id = sync_id;
    while (!pending.empty() && pending.front().first <= flush) {
      last_applied_at_[sync_id] = pending.front().second;
      pending.pop_front();
    }
    if (!pending.empty()) p.oldest_unapplied_at = pending.front().second;
    if (auto it = last_applied_at_.find(sync_id); it != last_applied_at_.end()) p.last_applied_at = it->second;
    if (snapshot_->SyncById(sync_id)) progress.push_back(std::move(p));
  }
  if (!progress.empty()) {
    if (auto st = writer_->WriteSyncProgress(progress); !st) return st;
  }
  catalog::Heartbeat hb;
  hb.slot_name = options_.slot;
  hb.pid = static_cast<int>(::getpid());
  hb.version = kVersion;
  hb.started_at = started_at_;
  hb.received_lsn = received;
  hb.flush_lsn = flush;
  if (auto st = writer_->WriteHeartbeat(hb); !st) return st;

  ExportMetrics(metrics_, *snapshot_, *engine_, router_->Counters(), stream_, pool_->Pending(),
                ledger_->LedgerRowsWritten(), flush, received);
  if (now >= next_stats_) {
    next_stats_ = now + std::chrono::seconds(options_.stats_interval_s);
    log_("info", "stats", LogFields::At(flush, StatsJson(*engine_, router_->Counters(), received, flush)));
  }
  return {};
}

void Daemon::ArmTimer() {
  // Per stream message: rescan the scheduler only when its state moved.
  if (engine_->WakeVersion() == armed_version_ && next_housekeeping_ == armed_housekeeping_ && armed_) return;
  armed_version_ = engine_->WakeVersion();
  armed_housekeeping_ = next_housekeeping_;
  armed_ = true;
  auto wake = engine_->NextWake();
  waits_.WakeAt(wake ? std::min(*wake, next_housekeeping_) : next_housekeeping_);
}

void Daemon::Recover(const common::Error& why) {
  ++recoveries_;
  log_("error", "push engine stopped: " + why.message + "; restarting from the slot's confirmed position",
       [&] { auto f = LogFields::At(stream_.ReportedFlush()); f.attempt = recoveries_; return f; }());
  // Batches in flight finish first: their threads use the engine's state.
  engine_->Quiesce();
  while (pool_->Pending() > 0 && !abort_) {
    waits_.Wait(std::chrono::milliseconds(200));
    if (signals_.Fired()) OnSignal();
    pool_->DrainCompletions();
  }
  if (PQstatus(ledger_conn_.get()) != CONNECTION_OK) PQreset(ledger_conn_.get());
  stream_.Progress().ForgetPending();
  (void)stream_.Restart(why);
  BuildEngine();
  backfills_->Reset();
  parked_->Reset();
  unapplied_.clear();
  feed_broken_ = false;
  feed_error_.reset();
  // Do not spin on a failure that repeats (a database that is down).
  auto pause = std::chrono::milliseconds(std::min(30000, 500 * (1 << std::min(recoveries_, 6))));
  auto until = Clock::now() + pause;
  while (Clock::now() < until && !stopping_) {
    waits_.Wait(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()));
    if (signals_.Fired()) OnSignal();
  }
}

Status Daemon::Start() {
  started_at_ = NowIso();
  auto keys = crypto::LoadKeyFile(options_.key_file);
  if (!keys) return common::ConfigError("key file " + options_.key_file + ": " + keys.Err().message);
  keys_ = keys.Value();
  waits_.Watch(signals_.Fd());

  auto ledger_conn = catalog::Connect(options_.conninfo, "syncbridged ledger");
  if (!ledger_conn) return ledger_conn.Err();
  ledger_conn_ = std::move(ledger_conn.Value());
  ledger_ = std::make_unique<PgLedgerPort>(ledger_conn_.get());
  writer_ = std::make_unique<catalog::CatalogWriter>(ledger_conn_.get());
  rows_ = std::make_unique<PgRowSource>(ledger_conn_.get(),
                                        [this](int sync_id) { return snapshot_->SyncById(sync_id); });
  // Runs an earlier process left running end first; this process's own
  // runs start with the first snapshot.
  auto failed = writer_->FailInterruptedRuns("syncbridged stopped before the run finished");
  if (!failed) return failed.Err();
  if (auto st = ConnectCatalog(); !st) return st;

  http::ClientOptions http;
  http.request_timeout = std::chrono::milliseconds(options_.http_timeout_ms);
  http.on_response = [this](const std::string& method, int status) {
    metrics_.Add("syncbridge_http_requests_total",
                 {{"method", method}, {"status", status ? std::to_string(status) : "none"}});
  };
  pool_ = std::make_unique<dispatch::WorkerPool>(options_.workers, http);
  waits_.Watch(pool_->EventFd());

  FeedOptions feed{options_.backfill_chunk_rows, options_.feed_chunks_in_flight};
  auto next_txn = [this] { return next_local_txn_++; };
  backfills_ = std::make_unique<BackfillFeeder>(feed, ledger_conn_.get(), rows_->Reader(), *writer_, log_, next_txn);
  parked_ = std::make_unique<ParkedFeeder>(feed, *writer_, log_, next_txn,
                                           [this](int sync_id, const engine::SyncCounters& c) {
                                             auto& p = parked_counts_[sync_id];
                                             p.created += c.created;
                                             p.updated += c.updated;
                                             p.deleted += c.deleted;
                                             p.moved += c.moved;
                                             p.skipped += c.skipped;
                                             p.failed += c.failed;
                                           });
  if (auto st = parked_->Load(); !st) return st;
  // Backfills a crash interrupted go on where their last chunk ended.
  for (const auto& sync : snapshot_->Syncs()) {
    if (!sync.Pushes()) continue;
    auto state = writer_->LoadBackfill(sync.sync_id);
    if (!state) return state.Err();
    if (!state.Value() || state.Value()->finished) continue;
    auto run = writer_->StartRun(sync.sync_id, catalog::RunKind::kBackfill);
    if (!run) return run.Err();
    if (auto st = backfills_->Start(sync, run.Value(), true); !st) return st;
  }
  BuildEngine();
  DescribeMetrics(metrics_);
  if (!options_.metrics_listen.empty()) {
    endpoint_ = std::make_unique<metrics::Endpoint>([this] { return metrics_.Render(); },
                                                    [this]() -> std::string {
                                                      if (stopping_) return "stopping";
                                                      return {};
                                                    });
    auto port = endpoint_->Start(options_.metrics_listen);
    if (!port) return common::ConfigError("--metrics-listen " + options_.metrics_listen + ": " + port.Err().message);
    log_("info", "metrics on http://" + options_.metrics_listen.substr(0, options_.metrics_listen.rfind(':')) + ":" +
                     std::to_string(port.Value()) + "/metrics");
  }
  if (auto st = stream_.Open(); !st) return st;
  log_("info", "streaming", LogFields::At(stream_.ReportedFlush()));
  return HandleRunRequests();
}

void Daemon::Shutdown() {
  engine_->Quiesce();
  while (engine_->BatchesInFlight() && !abort_) {
    stream_.Heartbeat();
    waits_.Wait(std::chrono::milliseconds(200));
    if (signals_.Fired()) OnSignal();
    (void)engine_->Complete();
  }
  if (!abort_) {
    (void)Housekeeping(true);
    for (const auto& [sync_id, run_id] : push_runs_)
      (void)writer_->FinishRun(run_id, catalog::RunStatus::kSucceeded);
    backfills_->CancelAll(catalog::RunStatus::kCancelled, "syncbridged stopped; the backfill resumes at the next start");
  }
  if (auto st = stream_.Close(signals_.Fd()); !st) log_("warning", st.Err().message);
  log_("info", "stopped", LogFields::At(stream_.ReportedFlush()));
}

int Daemon::Run() {
  if (auto st = Start(); !st) {
    log_("error", st.Err().message);
    return 1;
  }
  int exit_code = 0;
  while (!stopping_) {
    if (signals_.Fired()) {
      OnSignal();
      continue;
    }
    Status st = HandleNotifications();
    if (st) st = engine_->Complete();
    if (st) st = FeedLocal();
    if (st) st = Housekeeping(false);
    if (!st) {
      Recover(engine_->Fatal() ? *engine_->Fatal() : st.Err());
      continue;
    }
    ArmTimer();
    if (engine_->Saturated()) {
      // Full: no stream reading until batches come back.
      stream_.Heartbeat();
      Sleep(std::chrono::milliseconds(1000));
      continue;
    }
    auto ev = stream_.Next(waits_.Fd());
    if (!ev) {
      exit_code = 1;  // not retryable; the stream logged why
      break;
    }
    waits_.ClearTimer();
    if (ev.Value().kind == stream::StreamEvent::Kind::kNone) armed_ = false;  // maybe the timer fired
    if (ev.Value().kind == stream::StreamEvent::Kind::kReset) {
      formatter_->Reset();
      continue;
    }
    if (ev.Value().kind != stream::StreamEvent::Kind::kMessage) continue;
    if (auto* m = std::get_if<pgoutput::Message>(&ev.Value().message); m && m->prefix == "syncbridge") {
      // A definition changed in commit order with the data: reload before
      // the changes that follow it.
      if (auto r = Reload("catalog message"); !r) log_("warning", "reload failed: " + r.Err().message);
    }
    feed_broken_ = false;
    feed_error_.reset();
    auto fed = formatter_->Feed(ev.Value().message, stream_.Decoder(), ev.Value().wal_start);
    if (!fed) feed_error_ = fed.Err();
    if (engine_->Fatal()) {
      Recover(*engine_->Fatal());
      continue;
    }
    if (feed_error_) {
      if (stopping_ || abort_) break;  // a signal cut a large transaction short: it is sent again next time
      log_("error", feed_error_->message);
      if (auto r = stream_.Restart(*feed_error_); !r) {
        exit_code = 1;
        break;
      }
      formatter_->Reset();
    }
  }
  Shutdown();
  return exit_code;
}

}  // namespace

int Run(const DaemonOptions& options) {
  Daemon daemon(options);
  return daemon.Run();
}

}  // namespace syncbridge::daemon
