// Ledger lookups and batched commits, item_error dedupe and source-row reads
// against a real catalog, with the sidecar's privileges only.
#include <gtest/gtest.h>

#include "catalog/writer.hpp"
#include "ledger/ledger.hpp"
#include "ledger/row_reader.hpp"
#include "mapper/content_hash.hpp"
#include "scratch_db.hpp"

namespace syncbridge {
namespace {

using ledger::Applied;
using ledger::Failure;
using nlohmann::json;
using testing::AdminSession;
using testing::Must;
using testing::One;
using testing::SidecarSession;

struct Ids {
  int sync = 0;
  int list_a = 0;  // default target
  int list_b = 0;  // shard rule's target
};

class LedgerDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto admin = AdminSession();
    PGconn* a = admin.get();
    Must(a, R"SQL(SELECT syncbridge.create_connection('c1', 'sharepoint',
      '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
        "site": "contoso.sharepoint.com:/sites/demo"}'))SQL");
    testing::Script(a, R"SQL(
      CREATE TABLE public.items (region text NOT NULL, n bigint NOT NULL, v text, PRIMARY KEY (region, n));
      GRANT SELECT ON public.items TO )SQL" + testing::SidecarRole());
    Must(a, "SELECT syncbridge.create_sync('items', 'public.items', 'c1', '{\"list\": \"A\"}')");
    Must(a, R"SQL(SELECT syncbridge.add_shard_rule('items', 10, '{"col": "region", "op": "=", "value": "B"}',
                                                 '{"list": "B"}'))SQL");
    ids_.sync = std::stoi(One(a, "SELECT sync_id FROM syncbridge.sync WHERE name = 'items'"));
    ids_.list_a = std::stoi(One(a, "SELECT target_id FROM syncbridge.target WHERE is_default"));
    ids_.list_b = std::stoi(One(a, "SELECT target_id FROM syncbridge.target WHERE spec->>'list' = 'B'"));
  }

  void SetUp() override {
    conn_ = SidecarSession();
    ASSERT_TRUE(conn_);
    admin_ = AdminSession();
    testing::Script(admin_.get(), "DELETE FROM syncbridge.ledger; DELETE FROM syncbridge.item_error");
  }

  static json Key(const std::string& region, std::int64_t n) { return json{{"region", region}, {"n", n}}; }

  static Applied Create(const json& key, int target, const std::string& id, const std::string& value) {
    Applied a;
    a.op = Applied::Op::kCreate;
    a.sync_id = ids_.sync;
    a.row_key = key;
    a.target_id = target;
    a.remote_id = id;
    a.remote_version = "\"v1\"";
    a.field_hashes = {{"v", mapper::FieldHash("v", value)}};
    a.content_hash = mapper::ContentHash(a.field_hashes);
    a.lsn = common::Lsn(0x100000000ULL + 16);
    return a;
  }

  std::string Row(const json& key, const std::string& columns) {
    return One(admin_.get(),
               "SELECT format('%s', (" + columns + ")) FROM syncbridge.ledger WHERE sync_id = $1 AND row_key = $2",
               {std::to_string(ids_.sync), key.dump()});
  }

  static Ids ids_;
  catalog::PgConn conn_;
  catalog::PgConn admin_;
};
Ids LedgerDbTest::ids_;

TEST_F(LedgerDbTest, ThousandKeysCommitAndLookUpInOneCallEach) {
  ledger::Ledger ledger(conn_.get());
  ledger::Batch batch;
  std::vector<json> keys;
  for (int i = 0; i < 1000; ++i) {
    keys.push_back(Key(i % 2 ? "EU" : "US", i));
    batch.applied.push_back(Create(keys.back(), ids_.list_a, "item-" + std::to_string(i), "value " + std::to_string(i)));
  }
  auto stats = ledger.Commit(batch);
  ASSERT_TRUE(stats.Ok()) << stats.Err().message;
  EXPECT_EQ(stats.Value().ledger_rows, 1000);

  // Keys written with their members in another order and integral numbers
  // as floats: jsonb compares them as equal, and the map uses RowKeyText.
  std::vector<json> asked;
  for (int i = 0; i < 1000; ++i) asked.push_back(json{{"n", static_cast<double>(i)}, {"region", i % 2 ? "EU" : "US"}});
  for (int i = 0; i < 10; ++i) asked.push_back(Key("XX", i));
  auto found = ledger.Lookup(ids_.sync, asked);
  ASSERT_TRUE(found.Ok()) << found.Err().message;
  ASSERT_EQ(found.Value().size(), 1000u);
  const auto& e = found.Value().at(mapper::RowKeyText(Key("EU", 7)));
  EXPECT_EQ(e.row_key, Key("EU", 7));
  EXPECT_EQ(e.state, ledger::State::kSynced);
  EXPECT_FALSE(e.LookUpBeforeCreate());
  EXPECT_EQ(e.view.target_id, ids_.list_a);
  EXPECT_EQ(e.view.remote_id, "item-7");
  EXPECT_FALSE(e.view.deleted);
  EXPECT_EQ(e.remote_version, "\"v1\"");
  EXPECT_EQ(e.view.content_hash, batch.applied[7].content_hash);
  EXPECT_EQ(e.view.content_hash.size(), 32u);
  EXPECT_EQ(e.view.field_hashes, batch.applied[7].field_hashes);
  EXPECT_EQ(e.last_lsn, common::Lsn(0x100000000ULL + 16));
  EXPECT_EQ(found.Value().count(mapper::RowKeyText(Key("XX", 1))), 0u);
  // The decision the router takes from it: the same content is a skip.
  mapper::RowChange change;
  change.key = Key("EU", 7);
  change.row = {{"region", "EU"}, {"n", 7}, {"v", "value 7"}};
  mapper::SyncMapping mapping;
  mapping.sync_id = ids_.sync;
  mapping.key_columns = {"region", "n"};
  mapping.fields = {{"v", "v", mapper::FieldDirection::kBoth, std::nullopt}};
  mapping.default_target_id = ids_.list_a;
  EXPECT_EQ(mapper::Decide(mapping, change, &e.view).kind, mapper::Decision::Kind::kSkip);
}

TEST_F(LedgerDbTest, MixedOutcomesCommitTogetherWithRunCounts) {
  ledger::Ledger ledger(conn_.get());
  catalog::CatalogWriter writer(conn_.get());
  auto run = writer.StartRun(ids_.sync, catalog::RunKind::kPush);
  ASSERT_TRUE(run.Ok()) << run.Err().message;
  ledger::Batch first;
  for (int i = 1; i <= 5; ++i) first.applied.push_back(Create(Key("EU", i), ids_.list_a, "a" + std::to_string(i), "x"));
  ASSERT_TRUE(ledger.Commit(first).Ok());

  ledger::Batch batch;
  Applied update = Create(Key("EU", 1), ids_.list_a, "a1", "changed");
  update.op = Applied::Op::kUpdate;
  update.remote_version = "\"v2\"";
  update.lsn = common::Lsn(0x200);
  Applied del;
  del.op = Applied::Op::kDelete;
  del.sync_id = ids_.sync;
  del.row_key = Key("EU", 2);
  del.target_id = ids_.list_a;
  del.remote_id = "a2";
  del.lsn = common::Lsn(0x201);
  Applied move = Create(Key("EU", 3), ids_.list_b, "b3", "moved");
  move.op = Applied::Op::kMove;
  Applied rehash = Create(Key("EU", 4), ids_.list_a, "a4", "rehashed");  // the version is kept
  rehash.op = Applied::Op::kRehash;
  rehash.remote_version.clear();
  Applied create = Create(Key("EU", 6), ids_.list_a, "a6", "new");
  // A create and an update of one row in one batch: the last counts.
  Applied create7 = Create(Key("EU", 7), ids_.list_a, "a7", "first");
  Applied update7 = Create(Key("EU", 7), ids_.list_a, "a7", "second");
  update7.op = Applied::Op::kUpdate;
  update7.remote_version = "\"v9\"";
  batch.applied = {update, del, move, rehash, create, create7, update7};
  Failure refused;
  refused.op = Failure::Op::kUpdate;
  refused.sync_id = ids_.sync;
  refused.row_key = Key("EU", 5);
  refused.target_id = ids_.list_a;
  refused.remote_id = "a5";
  refused.lsn = common::Lsn(0x202);
  refused.http_status = 400;
  refused.error_code = "invalidRequest";
  refused.message = "Field 'v' is not writable";
  refused.detail = json{{"error", {{"code", "invalidRequest"}}}};
  batch.failures = {refused};
  batch.run_ids[ids_.sync] = run.Value();
  batch.counts[ids_.sync].created = 2;
  batch.counts[ids_.sync].updated = 1;
  batch.counts[ids_.sync].deleted = 1;
  batch.counts[ids_.sync].moved = 1;
  batch.counts[ids_.sync].skipped = 1;
  batch.counts[ids_.sync].failed = 1;
  auto stats = ledger.Commit(batch);
  ASSERT_TRUE(stats.Ok()) << stats.Err().message;
  EXPECT_EQ(stats.Value().ledger_rows, 6);
  EXPECT_EQ(stats.Value().errors_inserted, 1);
  EXPECT_EQ(stats.Value().runs_counted, 1);

  EXPECT_EQ(Row(Key("EU", 1), "state || ' ' || remote_id || ' ' || remote_version || ' ' || last_lsn"),
            "synced a1 \"v2\" 0/200");
  EXPECT_EQ(Row(Key("EU", 2), "state || ' ' || remote_id || ' ' || (content_hash IS NULL) || (field_hashes IS NULL)"),
            "deleted a2 truetrue");
  EXPECT_EQ(Row(Key("EU", 3), "state || ' ' || remote_id || ' ' || target_id"),
            "synced b3 " + std::to_string(ids_.list_b));
  EXPECT_EQ(Row(Key("EU", 4), "state || ' ' || remote_id || ' ' || remote_version || ' ' || provenance"),
            "synced a4 \"v1\" push");
  EXPECT_EQ(Row(Key("EU", 4), "encode(content_hash, 'hex')"), mapper::ToHex(rehash.content_hash));
  EXPECT_EQ(Row(Key("EU", 6), "state || ' ' || remote_id"), "synced a6");
  EXPECT_EQ(Row(Key("EU", 7), "remote_version || ' ' || (field_hashes->>'v')"),
            "\"v9\" " + mapper::FieldHash("v", "second"));
  EXPECT_EQ(One(admin_.get(), "SELECT format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', operation, row_key, remote_id, lsn, "
                              "http_status, error_code, message, detail, attempts, run_id) "
                              "FROM syncbridge.item_error"),
            "update|{\"n\": 5, \"region\": \"EU\"}|a5|0/202|400|invalidRequest|Field 'v' is not writable|"
            "{\"error\": {\"code\": \"invalidRequest\"}}|1|" +
                std::to_string(run.Value()));
  EXPECT_EQ(One(admin_.get(), "SELECT format('%s %s %s %s %s %s', created, updated, deleted, moved, skipped, failed) "
                              "FROM syncbridge.run WHERE run_id = $1",
                {std::to_string(run.Value())}),
            "2 1 1 1 1 1");
  EXPECT_EQ(One(admin_.get(), "SELECT format('%s %s', synced_rows, failed) FROM syncbridge.status "
                              "WHERE sync = 'items'"),
            "6 1");
}

TEST_F(LedgerDbTest, PendingMarksSurviveUntilTheCreateIsRecorded) {
  ledger::Ledger ledger(conn_.get());
  ledger::Batch existing;
  existing.applied.push_back(Create(Key("EU", 3), ids_.list_a, "a3", "x"));
  ASSERT_TRUE(ledger.Commit(existing).Ok());

  // A new row, a row about to move, and the same key twice.
  std::vector<ledger::PendingCreate> marks = {{ids_.sync, Key("EU", 100), ids_.list_a, common::Lsn(0x300)},
                                              {ids_.sync, Key("EU", 3), ids_.list_b, common::Lsn(0x301)},
                                              {ids_.sync, Key("EU", 100), ids_.list_a, common::Lsn(0x302)}};
  auto marked = ledger.MarkPending(marks);
  ASSERT_TRUE(marked.Ok()) << marked.Err().message;
  EXPECT_EQ(One(admin_.get(), "SELECT pending FROM syncbridge.status WHERE sync = 'items'"), "2");
  auto found = ledger.Lookup(ids_.sync, {Key("EU", 100), Key("EU", 3)});
  ASSERT_TRUE(found.Ok());
  const auto& fresh = found.Value().at(mapper::RowKeyText(Key("EU", 100)));
  EXPECT_EQ(fresh.state, ledger::State::kPending);
  EXPECT_TRUE(fresh.LookUpBeforeCreate());
  EXPECT_TRUE(fresh.view.remote_id.empty());
  const auto& moving = found.Value().at(mapper::RowKeyText(Key("EU", 3)));
  EXPECT_EQ(moving.state, ledger::State::kPending);
  // A create follows the delete of the key's old item (a move deletes
  // first): the mark names the create's list and no remote id, so after a
  // restart the key is looked up there and the old id is not taken as live.
  EXPECT_TRUE(moving.view.remote_id.empty());
  EXPECT_EQ(moving.view.target_id, ids_.list_b);

  // The create of 100 is recorded; the move's create is refused.
  ledger::Batch outcome;
  outcome.applied.push_back(Create(Key("EU", 100), ids_.list_a, "a100", "y"));
  Failure refused;
  refused.op = Failure::Op::kMove;
  refused.sync_id = ids_.sync;
  refused.row_key = Key("EU", 3);
  refused.target_id = ids_.list_b;
  refused.http_status = 403;
  refused.message = "Access denied";
  outcome.failures.push_back(refused);
  auto stats = ledger.Commit(outcome);
  ASSERT_TRUE(stats.Ok()) << stats.Err().message;
  EXPECT_EQ(stats.Value().pending_failed, 1);
  EXPECT_EQ(Row(Key("EU", 100), "state || ' ' || remote_id"), "synced a100");
  EXPECT_EQ(Row(Key("EU", 3), "state || ' ' || coalesce(remote_id, '-')"), "failed -");
  EXPECT_EQ(One(admin_.get(), "SELECT pending FROM syncbridge.status WHERE sync = 'items'"), "0");
  found = ledger.Lookup(ids_.sync, {Key("EU", 3)});
  ASSERT_TRUE(found.Ok());
  EXPECT_TRUE(found.Value().at(mapper::RowKeyText(Key("EU", 3))).LookUpBeforeCreate());
}

TEST_F(LedgerDbTest, OutcomesOfATargetDroppedInFlightAreLeftOut) {
  // A batch was in flight to a target whose shard rule was dropped (its
  // target row and ledger rows went with it): recording must not fail.
  const int gone = 999999;
  ledger::Ledger ledger(conn_.get());
  ASSERT_TRUE(ledger.MarkPending({{ids_.sync, Key("B", 7), gone, common::Lsn(0x400)}}).Ok());
  ledger::Batch batch;
  batch.applied.push_back(Create(Key("B", 7), gone, "b7", "x"));
  batch.applied.push_back(Create(Key("EU", 8), ids_.list_a, "a8", "y"));
  Failure refused;
  refused.op = Failure::Op::kUpdate;
  refused.sync_id = ids_.sync;
  refused.row_key = Key("B", 9);
  refused.target_id = gone;
  refused.http_status = 400;
  refused.message = "bad value";
  batch.failures.push_back(refused);
  Failure dropped_sync = refused;
  dropped_sync.sync_id = 999999;
  dropped_sync.target_id = 0;
  batch.failures.push_back(dropped_sync);
  auto stats = ledger.Commit(batch);
  ASSERT_TRUE(stats.Ok()) << stats.Err().message;
  EXPECT_EQ(Row(Key("EU", 8), "state || ' ' || remote_id"), "synced a8");
  EXPECT_EQ(One(admin_.get(), "SELECT count(*) FROM syncbridge.ledger WHERE row_key = '{\"region\": \"B\", \"n\": 7}'"),
            "0");
  // The row's error is kept, without the target that no longer exists.
  EXPECT_EQ(One(admin_.get(), "SELECT count(*) || ' ' || count(target_id) FROM syncbridge.item_error"), "1 0");
}

TEST_F(LedgerDbTest, OpenItemErrorsCountAttemptsAndResolveWhenTheRowSyncs) {
  ledger::Ledger ledger(conn_.get());
  Failure f;
  f.op = Failure::Op::kUpdate;
  f.sync_id = ids_.sync;
  f.row_key = Key("EU", 7);
  f.target_id = ids_.list_a;
  f.http_status = 400;
  f.message = "first";
  ledger::Batch twice_in_one;
  twice_in_one.failures = {f, f};
  twice_in_one.failures[1].message = "second";
  auto s1 = ledger.Commit(twice_in_one);
  ASSERT_TRUE(s1.Ok()) << s1.Err().message;
  EXPECT_EQ(s1.Value().errors_inserted, 1);
  ledger::Batch again;
  f.message = "third";
  f.http_status = 422;
  again.failures = {f};
  // Another operation on the same row, and an error that names only a remote item.
  Failure del = f;
  del.op = Failure::Op::kDelete;
  del.message = "delete refused";
  Failure orphan;
  orphan.op = Failure::Op::kDelete;
  orphan.sync_id = ids_.sync;
  orphan.row_key = nullptr;
  orphan.target_id = ids_.list_a;
  orphan.remote_id = "zz9";
  orphan.message = "gone wrong";
  again.failures.push_back(del);
  again.failures.push_back(orphan);
  auto s2 = ledger.Commit(again);
  ASSERT_TRUE(s2.Ok()) << s2.Err().message;
  EXPECT_EQ(s2.Value().errors_repeated, 1);
  EXPECT_EQ(s2.Value().errors_inserted, 2);
  ledger::Batch orphan_again;
  orphan_again.failures = {orphan};
  auto s3 = ledger.Commit(orphan_again);
  ASSERT_TRUE(s3.Ok());
  EXPECT_EQ(s3.Value().errors_repeated, 1);
  EXPECT_EQ(One(admin_.get(), "SELECT string_agg(format('%s:%s:%s:%s', operation, attempts, http_status, message), "
                              "',' ORDER BY operation, attempts) FROM syncbridge.item_error"),
            "delete:1:422:delete refused,delete:2::gone wrong,update:2:422:third");
  EXPECT_EQ(One(admin_.get(), "SELECT failed FROM syncbridge.status WHERE sync = 'items'"), "3");

  // The row syncs: its open errors are resolved; a later failure is new.
  ledger::Batch ok;
  ok.applied.push_back(Create(Key("EU", 7), ids_.list_a, "a7", "v"));
  auto s4 = ledger.Commit(ok);
  ASSERT_TRUE(s4.Ok());
  EXPECT_EQ(s4.Value().errors_resolved, 2);
  EXPECT_EQ(One(admin_.get(), "SELECT count(*) FROM syncbridge.item_error WHERE resolved_at IS NULL"), "1");
  ledger::Batch later;
  later.failures = {f};
  auto s5 = ledger.Commit(later);
  ASSERT_TRUE(s5.Ok());
  EXPECT_EQ(s5.Value().errors_inserted, 1);
  EXPECT_EQ(One(admin_.get(), "SELECT count(*) FROM syncbridge.item_error WHERE operation = 'update'"), "2");
}

// Values in the forms docs/decode-format.md gives for each type.
TEST_F(LedgerDbTest, ReadRowsRendersValuesAsDecodeDoes) {
  testing::Script(admin_.get(), R"SQL(
    CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
    CREATE DOMAIN small_pos AS integer CHECK (VALUE > 0);
    CREATE DOMAIN money_amount AS numeric(12,2);
    CREATE TYPE pair AS (a integer, b text);
    CREATE TABLE public.typed (
      id bigint PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, o oid, num numeric, b boolean, f4 real,
      f8 double precision, f8nan double precision, f8inf double precision, t text, vc varchar(10), bp char(3),
      nm name, u uuid, d date, tm time, tstz timestamptz, tstz_inf timestamptz, ts timestamp, by bytea,
      j json, jb jsonb, ia integer[], ta text[], ia2 integer[][], dom small_pos, dnum money_amount, e mood,
      ea mood[], comp pair, iv interval, inets inet[], big text,
      gen integer GENERATED ALWAYS AS (i4 * 2) STORED, nul text);
    INSERT INTO public.typed VALUES (
      1, -7, 123, 9007199254740993, 4000000000, 123456789012345678901234567890.1, true, 1.5,
      0.1, 'NaN', '-Infinity', E'he said "hi" \\ \u00e9', 'abc', 'ab', 'nm', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      '2026-11-22', '07:30:00', '2026-01-01 01:30:00+02', 'infinity', '2026-11-22 07:30:00.5', '\x00ff',
      '{"b": 1, "a": [1, 2]}', '{"b": 1, "a": [1, 2]}', '{1,NULL,3}', '{"a b",NULL,"c\"d"}', '{{1,2},{3,4}}',
      5, 12.50, 'happy', '{sad,happy}', '(1,x)', '1 day 02:00:00', '{10.0.0.1,::1}',
      repeat('toast ', 40000), DEFAULT, NULL);
    GRANT SELECT ON public.typed TO )SQL" + testing::SidecarRole());
  const std::uint32_t oid = std::stoul(One(admin_.get(), "SELECT 'public.typed'::regclass::oid"));
  ledger::RowReader reader(conn_.get());
  auto rows = reader.ReadRows(oid, {"id"}, {json{{"id", 1}}, json{{"id", 2}}});
  ASSERT_TRUE(rows.Ok()) << rows.Err().message;
  ASSERT_EQ(rows.Value().size(), 1u);
  const json& row = rows.Value().at(mapper::RowKeyText(json{{"id", 1}}));
  const json expected = json::parse(R"JSON({
    "id": 1, "i2": -7, "i4": 123, "i8": 9007199254740993, "o": 4000000000,
    "num": "123456789012345678901234567890.1", "b": true, "f4": 1.5, "f8": 0.1, "f8nan": "NaN",
    "f8inf": "-Infinity", "t": "he said \"hi\" \\ \u00e9", "vc": "abc", "bp": "ab ", "nm": "nm",
    "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "d": "2026-11-22", "tm": "07:30:00",
    "tstz": "2025-12-31T23:30:00Z", "tstz_inf": "infinity", "ts": "2026-11-22T07:30:00.5", "by": "\\x00ff",
    "j": {"b": 1, "a": [1, 2]}, "jb": {"a": [1, 2], "b": 1}, "ia": [1, null, 3], "ta": ["a b", null, "c\"d"],
    "ia2": [[1, 2], [3, 4]], "dom": 5, "dnum": "12.50", "e": "happy", "ea": ["sad", "happy"], "comp": "(1,x)",
    "iv": "1 day 02:00:00", "inets": "{10.0.0.1,::1}", "nul": null})JSON");
  for (const auto& [column, value] : expected.items()) {
    ASSERT_TRUE(row.contains(column)) << column;
    EXPECT_EQ(row.at(column), value) << column << ": " << row.at(column).dump();
  }
  EXPECT_FALSE(row.contains("gen"));  // generated columns are not published
  ASSERT_TRUE(row.contains("big"));
  EXPECT_EQ(row.at("big").get<std::string>().size(), 240000u);
  EXPECT_EQ(row.size(), expected.size() + 1);
  // Integers keep their exact value (no trip through double).
  EXPECT_EQ(row.at("i8").get<std::int64_t>(), 9007199254740993LL);
}

TEST_F(LedgerDbTest, ReadRowsByCompositeKeysAndChunksInKeyOrder) {
  Must(admin_.get(), "DELETE FROM public.items");
  Must(admin_.get(), "INSERT INTO public.items SELECT r, n, 'v' || n FROM unnest(ARRAY['EU', 'US', 'ap', 'B']) r, "
                     "generate_series(1, 60) n");
  const std::uint32_t oid = std::stoul(One(admin_.get(), "SELECT 'public.items'::regclass::oid"));
  ledger::RowReader reader(conn_.get());
  auto rows = reader.ReadRows(oid, {"region", "n"},
                              {json{{"n", 5}, {"region", "US"}}, Key("ap", 60), Key("EU", 61), Key("B", 1)});
  ASSERT_TRUE(rows.Ok()) << rows.Err().message;
  ASSERT_EQ(rows.Value().size(), 3u);
  EXPECT_EQ(rows.Value().at(mapper::RowKeyText(Key("US", 5))),
            (json{{"region", "US"}, {"n", 5}, {"v", "v5"}}));
  EXPECT_EQ(rows.Value().count(mapper::RowKeyText(Key("EU", 61))), 0u);

  // Chunks of 100 cover the table once, in the server's key order, and
  // resume from the last key of the previous chunk.
  std::vector<std::string> seen;
  std::optional<json> after;
  std::vector<std::size_t> sizes;
  for (;;) {
    auto chunk = reader.ReadChunk(oid, {"region", "n"}, after, 100);
    ASSERT_TRUE(chunk.Ok()) << chunk.Err().message;
    if (chunk.Value().empty()) break;
    sizes.push_back(chunk.Value().size());
    for (const auto& r : chunk.Value()) seen.push_back(r["region"].get<std::string>() + "/" + r["n"].dump());
    const json& last = chunk.Value().back();
    after = json{{"region", last["region"]}, {"n", last["n"]}};
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 40}));
  auto order = Must(admin_.get(), "SELECT region || '/' || n FROM public.items ORDER BY region, n");
  ASSERT_TRUE(order);
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(PQntuples(order.get())));
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], catalog::Text(order.get(), static_cast<int>(i), 0));
}

TEST_F(LedgerDbTest, ReadRowsReportsAKeyColumnTheTableLacks) {
  const std::uint32_t oid = std::stoul(One(admin_.get(), "SELECT 'public.items'::regclass::oid"));
  ledger::RowReader reader(conn_.get());
  auto rows = reader.ReadRows(oid, {"nope"}, {json{{"nope", 1}}});
  ASSERT_FALSE(rows.Ok());
  EXPECT_NE(rows.Err().message.find("nope"), std::string::npos);
}

}  // namespace
}  // namespace syncbridge

int main(int argc, char** argv) { return syncbridge::testing::RunWithScratchDb(argc, argv, "sb_ledger_test"); }
