#include <gtest/gtest.h>
#include <poll.h>

#include <mutex>
#include <set>

#include "engine/push_engine.hpp"

namespace syncbridge::engine {
namespace {

using connectors::Operation;
using connectors::OperationResult;
using nlohmann::json;
using Lsn = common::Lsn;

// An in-memory remote side: items by target, with scripted refusals.
class FakeConnector : public connectors::Connector {
 public:
  struct Item {
    std::string key;
    json fields;
  };

  common::Result<std::vector<OperationResult>> Apply(http::Client&, const connectors::TargetRef& target,
                                                     const std::vector<Operation>& ops) override {
    std::lock_guard lock(mu_);
    ++batches;
    if (throttle_batches > 0) {
      --throttle_batches;
      return common::Error{common::ErrorKind::kThrottled, "429", 30000};
    }
    std::set<std::string> keys;
    std::vector<OperationResult> out;
    for (const auto& op : ops) {
      EXPECT_TRUE(keys.insert(op.row_key).second) << "two operations of one key in a batch";
      log.push_back({target.target_id, op});
      OperationResult r;
      ++requests;
      if (throttle_keys.count(op.row_key) && throttle_keys[op.row_key]-- > 0) {
        r.outcome = OperationResult::Outcome::kRetry;
        r.http_status = 429;
        r.retry_after = std::chrono::seconds(30);
      } else if (refuse_keys.count(op.row_key)) {
        r.outcome = OperationResult::Outcome::kFailed;
        r.http_status = 400;
        r.error_code = "invalidRequest";
        r.message = "refused";
      } else if (op.kind == Operation::Kind::kCreate) {
        std::string id = std::to_string(next_id++);
        items[target.target_id][id] = {op.row_key, op.fields};
        r.remote_id = id;
        r.remote_version = "v1";
      } else if (!items[target.target_id].count(op.remote_id)) {
        r.outcome = op.kind == Operation::Kind::kDelete ? OperationResult::Outcome::kApplied
                                                         : OperationResult::Outcome::kGone;
      } else if (op.kind == Operation::Kind::kUpdate) {
        for (auto& [k, v] : op.fields.items()) items[target.target_id][op.remote_id].fields[k] = v;
        r.remote_id = op.remote_id;
      } else {
        items[target.target_id].erase(op.remote_id);
      }
      out.push_back(r);
    }
    return out;
  }
  common::Result<std::optional<connectors::RemoteItem>> FindByKey(http::Client&, const connectors::TargetRef& target,
                                                                  const std::string& key) override {
    std::lock_guard lock(mu_);
    ++lookups;
    for (const auto& [id, item] : items[target.target_id])
      if (item.key == key) return std::optional<connectors::RemoteItem>(connectors::RemoteItem{id, "v"});
    return std::optional<connectors::RemoteItem>();
  }
  common::Status Provision(http::Client&, const connectors::TargetRef&, const std::vector<connectors::ColumnSpec>&) override {
    return {};
  }
  std::size_t MaxBatch() const override { return 20; }

  std::mutex mu_;
  std::map<int, std::map<std::string, Item>> items;  // target → id → item
  std::vector<std::pair<int, Operation>> log;
  std::map<std::string, int> throttle_keys;
  std::set<std::string> refuse_keys;
  int throttle_batches = 0;
  int next_id = 1, batches = 0, requests = 0, lookups = 0;
};

class FakeRegistry : public ConnectorRegistry {
 public:
  explicit FakeRegistry(connectors::Connector& c) : c_(&c, [](connectors::Connector*) {}) {}
  std::shared_ptr<connectors::Connector> ConnectorFor(int target_id, connectors::TargetRef* target,
                                                      std::string*) override {
    target->target_id = target_id;
    return c_;
  }
  std::shared_ptr<connectors::Connector> c_;  // not owned
};

class FakeLedger : public LedgerPort {
 public:
  common::Result<std::map<std::string, LedgerRecord>> Lookup(int, const std::vector<json>& keys) override {
    ++lookups;
    std::map<std::string, LedgerRecord> out;
    for (const auto& k : keys)
      if (auto it = rows.find(mapper::RowKeyText(k)); it != rows.end()) out[it->first] = it->second;
    return out;
  }
  common::Status MarkPending(const std::vector<PendingMark>& marks) override {
    for (const auto& m : marks) {
      // As ledger::Ledger::MarkPending: the create's target, no remote id.
      auto& r = rows[mapper::RowKeyText(m.row_key)];
      r.pending = true;
      r.view.target_id = m.target_id;
      r.view.remote_id.clear();
      r.remote_version.clear();
    }
    return {};
  }
  common::Status Commit(const std::vector<LedgerWrite>& writes, const std::vector<ItemError>& errs) override {
    ++commits;
    for (const auto& w : writes) {
      LedgerRecord r;
      r.view = {w.target_id, w.remote_id, w.content_hash, w.field_hashes, w.deleted};
      r.remote_version = w.remote_version;
      rows[mapper::RowKeyText(w.row_key)] = r;
    }
    errors.insert(errors.end(), errs.begin(), errs.end());
    return {};
  }
  std::map<std::string, LedgerRecord> rows;
  std::vector<ItemError> errors;
  int lookups = 0, commits = 0;
};

class FakeRows : public RowSource {
 public:
  common::Result<std::optional<json>> ReadRow(int, const json& key) override {
    ++reads;
    auto it = table.find(mapper::RowKeyText(key));
    if (it == table.end()) return std::optional<json>();
    return std::optional<json>(it->second);
  }
  std::map<std::string, json> table;
  int reads = 0;
};

mapper::SyncMapping Books() {
  mapper::SyncMapping m;
  m.sync_id = 1;
  m.key_columns = {"id"};
  m.default_target_id = 10;
  m.fields = {{"id", "id", mapper::FieldDirection::kBoth, std::nullopt},
              {"title", "Title", mapper::FieldDirection::kBoth, std::nullopt},
              {"notes", "Notes", mapper::FieldDirection::kBoth, std::nullopt},
              {"region", "Region", mapper::FieldDirection::kBoth, std::nullopt}};
  m.rules.push_back({1, mapper::Predicate::Parse({{"col", "region"}, {"op", "="}, {"type", "text"}, {"value", "US"}}).Value(), 20});
  return m;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest()
      : mapping_(Books()),
        registry_(remote_),
        pool_(2, {}),
        engine_(Options(), [this](int id) { return id == 1 ? &mapping_ : nullptr; }, ledger_, rows_, registry_,
                pool_, tracker_, [this] { return now_; }, [] { return 0.5; }) {}

  static EngineOptions Options() {
    EngineOptions o;
    o.lookup_chunk = 50;
    return o;
  }

  json Row(int id, const std::string& title, const std::string& region = "EU") {
    json row = {{"id", id}, {"title", title}, {"notes", "n" + std::to_string(id)}, {"region", region}};
    rows_.table[mapper::RowKeyText({{"id", id}})] = row;
    return row;
  }
  void Upsert(std::uint64_t txn, json row, std::uint64_t lsn) {
    mapper::RowChange c;
    c.key = {{"id", row["id"]}};
    c.row = std::move(row);
    ASSERT_TRUE(engine_.Change(txn, 1, std::move(c), Lsn(lsn)).Ok());
  }
  void Delete(std::uint64_t txn, int id, std::uint64_t lsn) {
    mapper::RowChange c;
    c.op = mapper::RowChange::Op::kDelete;
    c.key = {{"id", id}};
    rows_.table.erase(mapper::RowKeyText(c.key));
    ASSERT_TRUE(engine_.Change(txn, 1, std::move(c), Lsn(lsn)).Ok());
  }
  // Runs the loop until nothing is left, moving the fake clock to each wake.
  void Drain() {
    for (int guard = 0; guard < 10000 && !engine_.Idle(); ++guard) {
      ASSERT_TRUE(engine_.Pump().Ok());
      if (pool_.Pending() > 0) {
        pollfd p{pool_.EventFd(), POLLIN, 0};
        ::poll(&p, 1, 1000);
        ASSERT_TRUE(engine_.Complete().Ok());
      } else if (auto wake = engine_.NextWake(); wake && *wake > now_) {
        now_ = *wake;
      }
    }
    ASSERT_TRUE(engine_.Idle());
  }
  std::map<std::string, json> RemoteAt(int target) {
    std::map<std::string, json> out;
    for (const auto& [id, item] : remote_.items[target]) {
      EXPECT_FALSE(out.count(item.key)) << "duplicate item for " << item.key;
      out[item.key] = item.fields;
    }
    return out;
  }

  mapper::SyncMapping mapping_;
  FakeConnector remote_;
  FakeRegistry registry_;
  FakeLedger ledger_;
  FakeRows rows_;
  progress::Tracker tracker_;
  dispatch::Clock::time_point now_ = dispatch::Clock::time_point() + std::chrono::hours(1);
  http::CurlGlobal curl_;
  dispatch::WorkerPool pool_;
  PushEngine engine_;
};

constexpr std::uint64_t kLocalTxn = std::uint64_t{1} << 62;

TEST_F(EngineTest, RowsArriveOnceInCommitOrderAndFlushFollows) {
  for (int i = 1; i <= 100; ++i) Upsert(1, Row(i, "t" + std::to_string(i)), 100 + i);
  ASSERT_TRUE(engine_.Commit(1, Lsn(1000)).Ok());
  for (int i = 1; i <= 100; i += 2) Upsert(2, Row(i, "u" + std::to_string(i)), 1100 + i);
  for (int i = 2; i <= 100; i += 10) Delete(2, i, 1300 + i);
  ASSERT_TRUE(engine_.Commit(2, Lsn(2000)).Ok());
  EXPECT_EQ(tracker_.Flush(), Lsn());  // nothing sent yet
  Drain();
  EXPECT_EQ(tracker_.Flush(), Lsn(2000));
  auto remote = RemoteAt(10);
  EXPECT_EQ(remote.size(), 90u);
  EXPECT_EQ(remote[R"({"id":1})"]["Title"], "u1");
  EXPECT_EQ(remote[R"({"id":4})"]["Title"], "t4");
  EXPECT_FALSE(remote.count(R"({"id":12})"));
  // Per key, operations left in commit order: create before update before delete.
  std::map<std::string, std::vector<Operation::Kind>> per_key;
  for (const auto& [target, op] : remote_.log) per_key[op.row_key].push_back(op.kind);
  EXPECT_EQ(per_key[R"({"id":1})"], (std::vector<Operation::Kind>{Operation::Kind::kCreate, Operation::Kind::kUpdate}));
  EXPECT_EQ(per_key[R"({"id":2})"], (std::vector<Operation::Kind>{Operation::Kind::kCreate, Operation::Kind::kDelete}));
  EXPECT_EQ(engine_.Counters().at(1).created, 100);
}

TEST_F(EngineTest, LocalTransactionsReportTheirOwnCountsWhenDone) {
  for (int i = 1; i <= 30; ++i) Upsert(kLocalTxn, Row(i, "b"), 0);
  int calls = 0;
  SyncCounters seen;
  ASSERT_TRUE(engine_.CommitLocal(kLocalTxn, [&](const SyncCounters& c) {
    ++calls;
    seen = c;
  }).Ok());
  Upsert(1, Row(31, "live"), 100);
  ASSERT_TRUE(engine_.Commit(1, Lsn(200)).Ok());
  Drain();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen.created, 30);
  EXPECT_EQ(seen.received, 30);
  EXPECT_EQ(engine_.LiveCounters().at(1).created, 1);  // the push run's share
  EXPECT_EQ(engine_.Counters().at(1).created, 31);     // metrics see everything
  EXPECT_EQ(RemoteAt(10).size(), 31u);
  EXPECT_EQ(tracker_.Flush(), Lsn(200));
  // An empty local transaction is done at once (on the next Pump).
  ASSERT_TRUE(engine_.CommitLocal(kLocalTxn + 1, [&](const SyncCounters&) { ++calls; }).Ok());
  EXPECT_FALSE(engine_.Idle());
  ASSERT_TRUE(engine_.Pump().Ok());
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(engine_.Idle());
}

TEST_F(EngineTest, NoOpUpdatesSendNothing) {
  Upsert(1, Row(1, "same"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  int before = remote_.requests;
  Upsert(2, Row(1, "same"), 110);
  ASSERT_TRUE(engine_.Commit(2, Lsn(200)).Ok());
  Drain();
  EXPECT_EQ(remote_.requests, before);
  EXPECT_EQ(engine_.Counters().at(1).skipped, 1);
  EXPECT_EQ(tracker_.Flush(), Lsn(200));
}

TEST_F(EngineTest, RouteChangesMoveTheItem) {
  Upsert(1, Row(1, "a", "EU"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Upsert(2, Row(1, "a", "US"), 110);
  ASSERT_TRUE(engine_.Commit(2, Lsn(200)).Ok());
  Drain();
  EXPECT_TRUE(RemoteAt(10).empty());
  EXPECT_EQ(RemoteAt(20).size(), 1u);
  EXPECT_EQ(engine_.Counters().at(1).moved, 1);
}

TEST_F(EngineTest, ThrottledItemsWaitForRetryAfterAndOthersGoOn) {
  remote_.throttle_keys[R"({"id":1})"] = 2;
  Upsert(1, Row(1, "a"), 10);
  Upsert(1, Row(2, "b"), 11);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  auto start = now_;
  Drain();
  EXPECT_GE(now_ - start, std::chrono::seconds(60));  // two waits of Retry-After 30
  EXPECT_EQ(RemoteAt(10).size(), 2u);
  EXPECT_EQ(engine_.Counters().at(1).throttled, 2);
  EXPECT_EQ(tracker_.Flush(), Lsn(100));
}

TEST_F(EngineTest, AThrottledBatchPausesTheTarget) {
  remote_.throttle_batches = 1;
  Upsert(1, Row(1, "a"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  auto start = now_;
  Drain();
  EXPECT_GE(now_ - start, std::chrono::seconds(30));
  EXPECT_EQ(RemoteAt(10).size(), 1u);
}

TEST_F(EngineTest, ABatchHandedOverBeforeAThrottleIsKnownIsHeldByTheWorker) {
  remote_.throttle_batches = 1;
  for (int i = 1; i <= 40; ++i) Upsert(1, Row(i, "a"), 10 + i);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  auto start = now_;
  auto wait_job = [this] {
    pollfd p{pool_.EventFd(), POLLIN, 0};
    ::poll(&p, 1, 1000);
  };
  ASSERT_TRUE(engine_.Pump().Ok());  // the first 20: throttled (Retry-After 30 s)
  wait_job();
  ASSERT_TRUE(engine_.Pump().Ok());  // the loop has not run that answer yet: the next 20 leave
  Drain();
  EXPECT_GE(now_ - start, std::chrono::seconds(30));
  EXPECT_EQ(RemoteAt(10).size(), 40u);
  // The worker held the next 20 until Retry-After: the first 20 went first.
  ASSERT_FALSE(remote_.log.empty());
  EXPECT_EQ(remote_.log.front().second.row_key, R"({"id":1})");
  EXPECT_EQ(remote_.batches, 3);
}

TEST_F(EngineTest, AThrottledBatchWasNotAppliedSoItsCreatesAreNotLookedUp) {
  remote_.throttle_batches = 1;
  Upsert(1, Row(1, "a"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  EXPECT_EQ(RemoteAt(10).size(), 1u);
  EXPECT_EQ(remote_.lookups, 0);
}

TEST_F(EngineTest, ALookupAnswerOutlivesTheFailureOfItsBatch) {
  // A create left unrecorded by a crash: looked up, then the batch is
  // throttled. The retry updates the item found without looking again.
  remote_.items[10]["77"] = {R"({"id":1})", {{"Title", "old"}}};
  ledger_.rows[R"({"id":1})"].pending = true;
  ledger_.rows[R"({"id":1})"].view.target_id = 10;
  remote_.throttle_batches = 1;
  Upsert(1, Row(1, "a"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  EXPECT_EQ(remote_.lookups, 1);
  ASSERT_EQ(RemoteAt(10).size(), 1u);
  EXPECT_EQ(RemoteAt(10)[R"({"id":1})"]["Title"], "a");
  EXPECT_EQ(ledger_.rows[R"({"id":1})"].view.remote_id, "77");
  EXPECT_EQ(tracker_.Flush(), Lsn(100));
}

TEST_F(EngineTest, RefusedItemsBecomeItemErrorsAndTheStreamGoesOn) {
  remote_.refuse_keys.insert(R"({"id":2})");
  Upsert(1, Row(1, "a"), 10);
  Upsert(1, Row(2, "b"), 11);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  ASSERT_EQ(ledger_.errors.size(), 1u);
  EXPECT_EQ(ledger_.errors[0].http_status, 400);
  EXPECT_EQ(ledger_.errors[0].operation, "create");
  EXPECT_EQ(ledger_.errors[0].row_key, json({{"id", 2}}));
  EXPECT_EQ(tracker_.Flush(), Lsn(100));  // parked as an error: confirmable
  EXPECT_EQ(RemoteAt(10).size(), 1u);
}

TEST_F(EngineTest, ACreateLeftUnrecordedByACrashIsAdoptedNotDoubled) {
  // Before the crash: the create reached the remote side, the ledger only has its pending mark.
  remote_.items[10]["77"] = {R"({"id":1})", {{"Title", "old"}}};
  ledger_.rows[R"({"id":1})"].pending = true;
  ledger_.rows[R"({"id":1})"].view.target_id = 10;
  Upsert(1, Row(1, "a"), 10);  // the replayed insert
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  auto remote = RemoteAt(10);
  ASSERT_EQ(remote.size(), 1u);
  EXPECT_EQ(remote[R"({"id":1})"]["Title"], "a");
  EXPECT_EQ(ledger_.rows[R"({"id":1})"].view.remote_id, "77");
  EXPECT_FALSE(ledger_.rows[R"({"id":1})"].pending);
  EXPECT_EQ(remote_.lookups, 1);
}

TEST_F(EngineTest, ACreateLeftUnrecordedInAnotherListIsDeletedThere) {
  // Before the crash: a move's create reached list 20 unrecorded (the ledger
  // has its mark there); the replay starts with a change routed to list 10.
  remote_.items[20]["78"] = {R"({"id":1})", {{"Title", "moved"}}};
  ledger_.rows[R"({"id":1})"].pending = true;
  ledger_.rows[R"({"id":1})"].view.target_id = 20;
  Upsert(1, Row(1, "a", "EU"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  EXPECT_TRUE(RemoteAt(20).empty());
  ASSERT_EQ(RemoteAt(10).size(), 1u);
  EXPECT_EQ(RemoteAt(10)[R"({"id":1})"]["Title"], "a");
  EXPECT_EQ(ledger_.rows[R"({"id":1})"].view.target_id, 10);
  EXPECT_FALSE(ledger_.rows[R"({"id":1})"].pending);
}

TEST_F(EngineTest, AMoveLeftHalfDoneByACrashEndsWithOneItem) {
  // The move's delete was recorded, its create sent and not recorded: the
  // pending mark forgets the deleted item, so the replayed update is not
  // sent to it (404, then skipped as gone) but finds the new item.
  Upsert(1, Row(1, "a", "EU"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  const std::string old_id = ledger_.rows[R"({"id":1})"].view.remote_id;
  remote_.items[10].erase(old_id);
  ASSERT_TRUE(ledger_.MarkPending({{1, json{{"id", 1}}, 20}}).Ok());
  remote_.items[20]["90"] = {R"({"id":1})", {{"Title", "b"}}};
  Upsert(2, Row(1, "c", "US"), 110);  // the replayed change
  ASSERT_TRUE(engine_.Commit(2, Lsn(200)).Ok());
  Drain();
  EXPECT_TRUE(RemoteAt(10).empty());
  ASSERT_EQ(RemoteAt(20).size(), 1u);
  EXPECT_EQ(RemoteAt(20)[R"({"id":1})"]["Title"], "c");
  EXPECT_EQ(ledger_.rows[R"({"id":1})"].view.remote_id, "90");
  // And a delete after such a crash finds the item by its key.
  ASSERT_TRUE(ledger_.MarkPending({{1, json{{"id", 2}}, 20}}).Ok());
  remote_.items[20]["91"] = {R"({"id":2})", {{"Title", "x"}}};
  Delete(3, 2, 210);
  ASSERT_TRUE(engine_.Commit(3, Lsn(300)).Ok());
  Drain();
  EXPECT_EQ(RemoteAt(20).size(), 1u);
}

TEST_F(EngineTest, UnchangedToastIsReadOnlyWhenItMustBeSent) {
  json row = Row(1, "a");
  json partial = row;
  partial.erase("notes");  // unchanged TOAST
  Upsert(1, partial, 10);  // a create needs every value: read the row
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  EXPECT_EQ(rows_.reads, 1);
  EXPECT_EQ(RemoteAt(10)[R"({"id":1})"]["Notes"], "n1");
  partial["title"] = "b";
  Upsert(2, partial, 110);  // an update of other fields does not
  ASSERT_TRUE(engine_.Commit(2, Lsn(200)).Ok());
  Drain();
  EXPECT_EQ(rows_.reads, 1);
  EXPECT_EQ(remote_.log.back().second.fields, json({{"Title", "b"}}));
}

TEST_F(EngineTest, ItemsDeletedRemotelyAreCreatedAgain) {
  Upsert(1, Row(1, "a"), 10);
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  Drain();
  remote_.items[10].clear();  // someone deleted it in SharePoint
  Upsert(2, Row(1, "b"), 110);
  ASSERT_TRUE(engine_.Commit(2, Lsn(200)).Ok());
  Drain();
  EXPECT_EQ(RemoteAt(10)[R"({"id":1})"]["Title"], "b");
}

TEST_F(EngineTest, TransactionsWithoutSyncedChangesAreDurableAtOnce) {
  ASSERT_TRUE(engine_.Commit(1, Lsn(100)).Ok());
  EXPECT_EQ(tracker_.Flush(), Lsn(100));
  mapper::RowChange other;
  other.key = {{"id", 1}};
  ASSERT_TRUE(engine_.Change(2, 99, other, Lsn(110)).Ok());  // a sync that no longer exists
  ASSERT_TRUE(engine_.Commit(2, Lsn(200)).Ok());
  EXPECT_EQ(tracker_.Flush(), Lsn(200));
}

}  // namespace
}  // namespace syncbridge::engine

#include "engine/line_router.hpp"

namespace syncbridge::engine {
namespace {

class RouterTest : public EngineTest {
 protected:
  RouterTest()
      : router_(
            engine_,
            [this](const std::string& schema, const std::string& table) {
              if (schema == "public" && table == "books") return std::vector<TableSync>{{1, true, park_, {"id"}}};
              return std::vector<TableSync>{};
            },
            [this](int sync_id, common::Lsn) {
              truncated_.push_back(sync_id);
              return common::Status();
            },
            [this](const std::vector<ParkedRow>& rows) {
              parked_.insert(parked_.end(), rows.begin(), rows.end());
              return common::Status();
            }) {}

  // `end`: the transaction's end LSN as the line carries it (0: not given).
  static std::string Line(const std::string& op, const json& key, const json& row, const char* origin = nullptr,
                          std::uint64_t end = 0) {
    json line = {{"lsn", "0/10"}, {"xid", 1}, {"schema", "public"}, {"table", "books"},
                 {"op", op}, {"key", key}, {"origin", origin ? json(origin) : json(nullptr)}};
    if (end) line["end_lsn"] = Lsn(end).ToString();
    if (op != "delete") line["new"] = row;
    return line.dump();
  }

  bool park_ = false;
  std::vector<ParkedRow> parked_;
  LineRouter router_;
  std::vector<int> truncated_;
};

TEST_F(RouterTest, TransactionsSentAgainAfterAReconnectAreDropped) {
  ASSERT_TRUE(router_.OnLine(Line("insert", {{"id", 1}}, Row(1, "a"), nullptr, 100)).Ok());
  ASSERT_TRUE(router_.OnCommit(Lsn(100)).Ok());
  // The stream reconnected before the transaction was confirmed: the server
  // sends it again; the engine already has it.
  ASSERT_TRUE(router_.OnLine(Line("insert", {{"id", 1}}, Row(1, "a"), nullptr, 100)).Ok());
  ASSERT_TRUE(router_.OnCommit(Lsn(100)).Ok());
  ASSERT_TRUE(router_.OnLine(Line("insert", {{"id", 2}}, Row(2, "b"), nullptr, 200)).Ok());
  ASSERT_TRUE(router_.OnCommit(Lsn(200)).Ok());
  Drain();
  EXPECT_EQ(router_.Counters().replayed, 1);
  EXPECT_EQ(RemoteAt(10).size(), 2u);
  EXPECT_EQ(engine_.Counters().at(1).received, 2);
  EXPECT_EQ(tracker_.Flush(), Lsn(200));
}

TEST_F(RouterTest, ChangesOfAPausedSyncAreParkedBeforeTheTransactionCounts) {
  park_ = true;
  ASSERT_TRUE(router_.OnLine(Line("insert", {{"id", 1}}, Row(1, "a"), nullptr, 100)).Ok());
  ASSERT_TRUE(router_.OnLine(Line("update", {{"id", 1}}, Row(3, "a"), nullptr, 100)).Ok());
  ASSERT_TRUE(router_.OnLine(Line("delete", {{"id", 3}}, json(), nullptr, 100)).Ok());
  EXPECT_TRUE(parked_.empty());  // stored with the commit, in one call
  ASSERT_TRUE(router_.OnCommit(Lsn(100)).Ok());
  ASSERT_EQ(parked_.size(), 3u);
  EXPECT_EQ(engine_.Counters().count(1), 0u);
  EXPECT_EQ(tracker_.Flush(), Lsn(100));
  // What is stored reads back as the same change, key change included.
  for (const auto& row : parked_) {
    auto back = FromParkedJson(row.sync_id, row.lsn, ToParkedJson(row));
    ASSERT_TRUE(back.Ok());
    EXPECT_EQ(back.Value().change.op, row.change.op);
    EXPECT_EQ(back.Value().change.key, row.change.key);
    EXPECT_EQ(back.Value().change.row, row.change.row);
    EXPECT_EQ(back.Value().old_key, row.old_key);
  }
  EXPECT_EQ(parked_[1].old_key, json({{"id", 1}}));
  EXPECT_EQ(parked_[1].change.key, json({{"id", 3}}));
  EXPECT_FALSE(FromParkedJson(1, Lsn(1), json({{"op", "upsert"}, {"key", {{"id", 1}}}})).Ok());
  EXPECT_FALSE(FromParkedJson(1, Lsn(1), json({{"op", "merge"}, {"key", {{"id", 1}}}, {"row", json::object()}})).Ok());
}

TEST_F(RouterTest, OwnPullsAreNotPushedBack) {
  ASSERT_TRUE(router_.OnLine(Line("insert", {{"id", 1}}, Row(1, "pulled"), kPullOrigin)).Ok());
  ASSERT_TRUE(router_.OnLine(Line("insert", {{"id", 2}}, Row(2, "local"))).Ok());
  ASSERT_TRUE(router_.OnCommit(Lsn(100)).Ok());
  Drain();
  auto remote = RemoteAt(10);
  EXPECT_EQ(remote.size(), 1u);
  EXPECT_TRUE(remote.count(R"({"id":2})"));
  EXPECT_EQ(router_.Counters().own_origin, 1);
  EXPECT_EQ(tracker_.Flush(), Lsn(100));
}

TEST_F(RouterTest, AKeyChangeDeletesTheOldItemAndCreatesTheNew) {
  ASSERT_TRUE(router_.OnLine(Line("insert", {{"id", 1}}, Row(1, "a"))).Ok());
  ASSERT_TRUE(router_.OnCommit(Lsn(100)).Ok());
  Drain();
  rows_.table.erase(R"({"id":1})");
  ASSERT_TRUE(router_.OnLine(Line("update", {{"id", 1}}, Row(5, "a"))).Ok());
  ASSERT_TRUE(router_.OnCommit(Lsn(200)).Ok());
  Drain();
  auto remote = RemoteAt(10);
  EXPECT_EQ(remote.size(), 1u);
  EXPECT_TRUE(remote.count(R"({"id":5})"));
}

TEST_F(RouterTest, TruncatesGoToTheirPolicyAndOtherTablesAreIgnored) {
  json truncate = {{"lsn", "0/30"}, {"end_lsn", "0/40"}, {"schema", "public"}, {"table", "books"},
                   {"op", "truncate"}, {"key", json::object()}, {"origin", nullptr}};
  ASSERT_TRUE(router_.OnLine(truncate.dump()).Ok());
  json other = json::parse(Line("insert", {{"id", 1}}, Row(1, "x")));
  other["table"] = "authors";
  ASSERT_TRUE(router_.OnLine(other.dump()).Ok());
  ASSERT_TRUE(router_.OnCommit(Lsn(300)).Ok());
  EXPECT_EQ(truncated_, std::vector<int>{1});
  EXPECT_EQ(router_.Counters().unsynced, 1);
  EXPECT_FALSE(router_.OnLine("not json").Ok());
}

}  // namespace
}  // namespace syncbridge::engine
