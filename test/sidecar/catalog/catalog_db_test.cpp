// The catalog snapshot, notifications and write-backs against a real
// catalog built with the SQL API, read with the sidecar's privileges only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "catalog/notify.hpp"
#include "catalog/snapshot.hpp"
#include "catalog/writer.hpp"
#include "mapper/decision.hpp"
#include "scratch_db.hpp"

namespace syncbridge {
namespace {

using catalog::Snapshot;
using testing::AdminSession;
using testing::Must;
using testing::One;
using testing::SidecarSession;

const std::string kSecret = "s3cr\xc3\xa9t'\"\\-" + std::string(100, 'x');

class CatalogDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto keys = crypto::GenerateKeyPair();
    ASSERT_TRUE(keys.Ok());
    keys_ = new crypto::KeyPair(keys.Value());
    auto admin = AdminSession();
    PGconn* a = admin.get();
    Must(a, "SELECT syncbridge.register_sidecar_key($1::bytea)", {keys_->PublicKeyLiteral()});
    Must(a, R"SQL(SELECT syncbridge.create_connection('c1', 'sharepoint',
      '{"tenant_id": "contoso.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
        "site": "contoso.sharepoint.com:/sites/demo", "graph_base_url": "http://127.0.0.1:9/v1.0",
        "login_base_url": "http://127.0.0.1:9"}'))SQL");
    Must(a, "SELECT syncbridge.set_secret('c1', 'client_secret', $1)", {kSecret});
    testing::Script(a, R"SQL(
      CREATE TYPE book_status AS ENUM ('draft', 'published', 'archived');
      CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
      CREATE TABLE public.books (
        id integer PRIMARY KEY,
        title text NOT NULL,
        price numeric(10,2),
        status book_status NOT NULL DEFAULT 'draft',
        tags text[],
        moods book_status[],
        published date,
        "Page Count" positive_int,
        note varchar(100),
        updated_at timestamptz
      ))SQL");
    Must(a, "SELECT syncbridge.create_sync('books', 'public.books', 'c1', '{\"list\": \"Books\"}')");
    Must(a, "SELECT syncbridge.map_field('books', 'price', 'PriceCents', transform => 'scale:100')");
    Must(a, "SELECT syncbridge.map_field('books', 'title', 'Title', 'push_only', 'upper')");
    Must(a, "SELECT syncbridge.map_field('books', 'note', 'Note', transform => 'prefix:n-')");
    Must(a, R"SQL(SELECT syncbridge.add_shard_rule('books', 10,
      '{"col": "status", "op": "=", "value": "archived"}', '{"list": "Archive"}'))SQL");
    Must(a, R"SQL(SELECT syncbridge.add_shard_rule('books', 20,
      '{"and": [{"col": "price", "op": ">=", "value": 100}, {"col": "published", "op": "is_null"}]}',
      '{"list": "Expensive"}'))SQL");
  }
  static void TearDownTestSuite() {
    delete keys_;
    keys_ = nullptr;
  }

  std::shared_ptr<const Snapshot> Load() {
    auto conn = SidecarSession();
    auto snap = Snapshot::Load(conn.get(), *keys_);
    EXPECT_TRUE(snap.Ok()) << (snap.Ok() ? "" : snap.Err().message);
    return snap.Ok() ? snap.Value() : nullptr;
  }

  static crypto::KeyPair* keys_;
};
crypto::KeyPair* CatalogDbTest::keys_ = nullptr;

const mapper::FieldRule* FieldOf(const catalog::Sync& s, const std::string& column) {
  for (const auto& f : s.mapping.fields)
    if (f.column == column) return &f;
  return nullptr;
}

const connectors::ColumnSpec* ColumnOf(const catalog::Sync& s, const std::string& remote) {
  for (const auto& c : s.columns)
    if (c.remote_field == remote) return &c;
  return nullptr;
}

TEST_F(CatalogDbTest, SnapshotHoldsTheSyncMapping) {
  auto snap = Load();
  ASSERT_TRUE(snap);
  auto admin = AdminSession();
  ASSERT_EQ(snap->Syncs().size(), 1u);
  const catalog::Sync& s = snap->Syncs()[0];
  EXPECT_EQ(s.name, "books");
  EXPECT_EQ(std::to_string(s.relation_oid), One(admin.get(), "SELECT 'public.books'::regclass::oid"));
  EXPECT_EQ(s.schema, "public");
  EXPECT_EQ(s.table, "books");
  EXPECT_EQ(snap->SyncsForRelation(s.relation_oid).size(), 1u);
  EXPECT_EQ(snap->SyncsForTable("public", "books").size(), 1u);
  EXPECT_TRUE(snap->SyncsForTable("public", "nope").empty());
  EXPECT_EQ(snap->SyncByName("books"), &s);
  EXPECT_EQ(s.direction, catalog::Direction::kPush);
  EXPECT_EQ(s.conflict_policy, catalog::ConflictPolicy::kSourceWins);
  EXPECT_EQ(s.truncate_policy, catalog::TruncatePolicy::kPause);
  EXPECT_FALSE(s.paused);
  EXPECT_EQ(s.pull_interval_ms, 15000);
  EXPECT_TRUE(s.missing_columns.empty());

  const mapper::SyncMapping& m = s.mapping;
  EXPECT_EQ(m.sync_id, s.sync_id);
  EXPECT_EQ(m.key_columns, std::vector<std::string>{"id"});
  // Table column order, names as the extension's default mapping made them.
  std::vector<std::string> columns, remotes;
  for (const auto& f : m.fields) {
    columns.push_back(f.column);
    remotes.push_back(f.remote_field);
  }
  // (id is a built-in SharePoint field, so the column gets a field of its own.)
  EXPECT_EQ(columns, (std::vector<std::string>{"id", "title", "price", "status", "tags", "moods", "published",
                                               "Page Count", "note", "updated_at"}));
  EXPECT_EQ(remotes, (std::vector<std::string>{"id0", "Title", "PriceCents", "status", "tags", "moods", "published",
                                               "Page_x0020_Count", "Note", "updated_at"}));
  const auto* title = FieldOf(s, "title");
  ASSERT_TRUE(title && title->transform);
  EXPECT_EQ(title->direction, mapper::FieldDirection::kPushOnly);
  EXPECT_EQ(title->transform->kind(), mapper::Transform::Kind::kUpper);
  const auto* price = FieldOf(s, "price");
  ASSERT_TRUE(price && price->transform);
  EXPECT_EQ(price->direction, mapper::FieldDirection::kBoth);
  auto pushed = price->transform->Push("12.34");
  ASSERT_TRUE(pushed.Ok());
  EXPECT_EQ(pushed.Value(), "1234") << pushed.Value().dump();
  EXPECT_FALSE(FieldOf(s, "id")->transform);

  // Targets: the default and one per shard rule's list.
  ASSERT_EQ(s.targets.size(), 3u);
  const catalog::Target* def = s.FindTarget(m.default_target_id);
  ASSERT_TRUE(def);
  EXPECT_TRUE(def->is_default);
  EXPECT_EQ(def->kind, "sharepoint");
  EXPECT_EQ(def->ref.spec.value("list", ""), "Books");
  EXPECT_TRUE(def->remote_id.empty());
  EXPECT_FALSE(def->provisioned);
  ASSERT_EQ(m.rules.size(), 2u);
  EXPECT_EQ(m.rules[0].priority, 10);
  EXPECT_EQ(m.rules[1].priority, 20);
  ASSERT_TRUE(s.FindTarget(m.rules[0].target_id));
  EXPECT_EQ(s.FindTarget(m.rules[0].target_id)->ref.spec.value("list", ""), "Archive");
  EXPECT_EQ(s.FindTarget(m.rules[1].target_id)->ref.spec.value("list", ""), "Expensive");
  // The parsed predicates route as the extension's semantics say.
  using nlohmann::json;
  EXPECT_EQ(mapper::RouteRow(m, json{{"status", "archived"}, {"price", "5.00"}, {"published", nullptr}}).target_id,
            m.rules[0].target_id);
  EXPECT_EQ(mapper::RouteRow(m, json{{"status", "draft"}, {"price", "150.00"}, {"published", nullptr}}).target_id,
            m.rules[1].target_id);
  EXPECT_EQ(
      mapper::RouteRow(m, json{{"status", "draft"}, {"price", "150.00"}, {"published", "2026-01-01"}}).target_id,
      m.default_target_id);

  // Provisioning's view of the columns: base types, choices, arrays, and the
  // type the remote field holds after a transform.
  ASSERT_EQ(s.columns.size(), m.fields.size());
  EXPECT_EQ(ColumnOf(s, "id0")->pg_type, "integer");
  EXPECT_EQ(ColumnOf(s, "Title")->pg_type, "text");
  EXPECT_EQ(ColumnOf(s, "PriceCents")->pg_type, "numeric");
  EXPECT_EQ(ColumnOf(s, "status")->enum_labels, (std::vector<std::string>{"draft", "published", "archived"}));
  EXPECT_FALSE(ColumnOf(s, "status")->is_array);
  EXPECT_TRUE(ColumnOf(s, "tags")->is_array);
  EXPECT_EQ(ColumnOf(s, "tags")->pg_type, "text[]");
  EXPECT_TRUE(ColumnOf(s, "moods")->is_array);
  EXPECT_EQ(ColumnOf(s, "moods")->enum_labels.size(), 3u);
  EXPECT_EQ(ColumnOf(s, "Page_x0020_Count")->pg_type, "integer");  // the domain's base type
  EXPECT_EQ(ColumnOf(s, "Note")->pg_type, "text");                 // prefix: text whatever the column
  EXPECT_EQ(ColumnOf(s, "published")->pg_type, "date");
  EXPECT_EQ(ColumnOf(s, "updated_at")->pg_type, "timestamp with time zone");

  // The connection, its settings and its opened secret.
  const catalog::Connection* c = snap->ConnectionById(s.connection_id);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->name, "c1");
  EXPECT_EQ(c->kind, "sharepoint");
  EXPECT_EQ(c->settings.value("tenant_id", ""), "contoso.onmicrosoft.com");
  EXPECT_EQ(c->settings.value("graph_base_url", ""), "http://127.0.0.1:9/v1.0");
  EXPECT_TRUE(c->Usable()) << c->error;
  ASSERT_EQ(c->secrets.count("client_secret"), 1u);
  EXPECT_EQ(c->secrets.at("client_secret"), kSecret);
}

TEST_F(CatalogDbTest, ReloadSeesChangesAndOldSnapshotStaysAsItWas) {
  auto before = Load();
  ASSERT_TRUE(before);
  auto admin = AdminSession();
  Must(admin.get(), "SELECT syncbridge.pause('books', 'maintenance')");
  Must(admin.get(), "SELECT syncbridge.map_field('books', 'published', 'PublishedOn', transform => 'date_only', "
                    "direction => 'push_only')");
  Must(admin.get(), "SELECT syncbridge.alter_sync('books', truncate_policy => 'delete')");
  auto after = Load();
  ASSERT_TRUE(after);
  const auto& s = after->Syncs()[0];
  EXPECT_TRUE(s.paused);
  EXPECT_EQ(s.pause_reason, "maintenance");
  EXPECT_EQ(s.truncate_policy, catalog::TruncatePolicy::kDelete);
  ASSERT_TRUE(FieldOf(s, "published"));
  EXPECT_EQ(FieldOf(s, "published")->remote_field, "PublishedOn");
  EXPECT_EQ(ColumnOf(s, "PublishedOn")->pg_type, "date");
  // The snapshot held before the change is immutable.
  EXPECT_FALSE(before->Syncs()[0].paused);
  EXPECT_EQ(FieldOf(before->Syncs()[0], "published")->remote_field, "published");

  Must(admin.get(), "SELECT syncbridge.resume('books')");
  Must(admin.get(), "SELECT syncbridge.map_field('books', 'published', 'published')");
  Must(admin.get(), "SELECT syncbridge.alter_sync('books', truncate_policy => 'pause')");
}

TEST_F(CatalogDbTest, DefinitionThatDoesNotParseFailsTheLoadAndNamesIt) {
  auto admin = AdminSession();
  // A hand edit the SQL API would refuse.
  Must(admin.get(), "UPDATE syncbridge.shard_rule SET predicate = '{\"col\": \"status\", \"op\": \"~~\"}' "
                    "WHERE priority = 20");
  auto conn = SidecarSession();
  auto snap = Snapshot::Load(conn.get(), *keys_);
  ASSERT_FALSE(snap.Ok());
  EXPECT_EQ(snap.Err().kind, common::ErrorKind::kConfig);
  EXPECT_NE(snap.Err().message.find("sync books shard rule 20"), std::string::npos) << snap.Err().message;
  // The session is usable again (the failed load rolled back).
  EXPECT_EQ(PQtransactionStatus(conn.get()), PQTRANS_IDLE);
  Must(admin.get(), R"SQL(SELECT syncbridge.drop_shard_rule('books', 20))SQL");
  Must(admin.get(), R"SQL(SELECT syncbridge.add_shard_rule('books', 20,
      '{"and": [{"col": "price", "op": ">=", "value": 100}, {"col": "published", "op": "is_null"}]}',
      '{"list": "Expensive"}'))SQL");
  EXPECT_TRUE(Snapshot::Load(conn.get(), *keys_).Ok());
}

TEST_F(CatalogDbTest, SecretThatDoesNotOpenMarksOnlyItsConnection) {
  auto admin = AdminSession();
  PGconn* a = admin.get();
  const std::string settings =
      R"({"tenant_id": "t.onmicrosoft.com", "client_id": "11111111-2222-3333-4444-555555555555",
          "site": "t.sharepoint.com:/sites/x"})";
  Must(a, "SELECT syncbridge.create_connection('other_key', 'sharepoint', $1)", {settings});
  Must(a, "SELECT syncbridge.create_connection('damaged', 'sharepoint', $1)", {settings});
  // Sealed to another sidecar's key, then our key is active again.
  auto other = crypto::GenerateKeyPair();
  ASSERT_TRUE(other.Ok());
  Must(a, "SELECT syncbridge.register_sidecar_key($1::bytea)", {other.Value().PublicKeyLiteral()});
  Must(a, "SELECT syncbridge.set_secret('other_key', 'client_secret', 'not-for-us-123')");
  Must(a, "SELECT syncbridge.register_sidecar_key($1::bytea)", {keys_->PublicKeyLiteral()});
  // Sealed to our key but damaged in storage.
  Must(a, "SELECT syncbridge.set_secret('damaged', 'client_secret', 'damaged-secret-456')");
  Must(a, "UPDATE syncbridge.secret s SET sealed = set_byte(sealed, 60, get_byte(sealed, 60) # 1) "
          "FROM syncbridge.connection c WHERE c.connection_id = s.connection_id AND c.name = 'damaged'");

  auto snap = Load();
  ASSERT_TRUE(snap);
  for (const auto& c : snap->Connections()) {
    if (c.name == "c1") {
      EXPECT_TRUE(c.Usable()) << c.error;
      EXPECT_EQ(c.secrets.at("client_secret"), kSecret);
    } else if (c.name == "other_key") {
      EXPECT_FALSE(c.Usable());
      EXPECT_TRUE(c.secrets.empty());
      EXPECT_NE(c.error.find("client_secret"), std::string::npos) << c.error;
      EXPECT_NE(c.error.find("sealed to sidecar key"), std::string::npos) << c.error;
      EXPECT_EQ(c.error.find("not-for-us"), std::string::npos);
    } else if (c.name == "damaged") {
      EXPECT_FALSE(c.Usable());
      EXPECT_NE(c.error.find("does not open"), std::string::npos) << c.error;
      EXPECT_EQ(c.error.find("damaged-secret"), std::string::npos);
    }
  }
  EXPECT_EQ(snap->Syncs().size(), 1u);

  // The caller records it; syncbridge.status shows it for syncs of that
  // connection only, and success clears it.
  auto side = SidecarSession();
  catalog::CatalogWriter writer(side.get());
  int damaged_id = 0;
  for (const auto& c : snap->Connections())
    if (c.name == "damaged") {
      ASSERT_TRUE(writer.SetConnectionError(c.connection_id, c.error).Ok());
      ASSERT_TRUE(writer.SetConnectionError(c.connection_id, c.error).Ok());
      damaged_id = c.connection_id;
    }
  EXPECT_EQ(One(a, "SELECT count(*) FROM syncbridge.connection_status WHERE last_error IS NOT NULL"), "1");
  EXPECT_EQ(One(a, "SELECT state FROM syncbridge.status WHERE sync = 'books'"), "active");
  Must(a, "CREATE TABLE public.other (id int PRIMARY KEY, v text)");
  Must(a, "SELECT syncbridge.create_sync('other', 'public.other', 'damaged', '{\"list\": \"Other\"}')");
  EXPECT_EQ(One(a, "SELECT state FROM syncbridge.status WHERE sync = 'other'"), "error");
  EXPECT_NE(One(a, "SELECT connection_error FROM syncbridge.status WHERE sync = 'other'").find("does not open"),
            std::string::npos);
  ASSERT_TRUE(writer.SetConnectionOk(damaged_id).Ok());
  EXPECT_EQ(One(a, "SELECT state FROM syncbridge.status WHERE sync = 'other'"), "active");
  EXPECT_EQ(One(a, "SELECT last_ok_at IS NOT NULL FROM syncbridge.connection_status WHERE connection_id = $1",
                {std::to_string(damaged_id)}),
            "t");
  Must(a, "SELECT syncbridge.drop_sync('other')");
  Must(a, "DROP TABLE public.other");
  Must(a, "SELECT syncbridge.drop_connection('other_key')");
  Must(a, "SELECT syncbridge.drop_connection('damaged')");
}

TEST_F(CatalogDbTest, NotificationsTellReloadsAndRunRequests) {
  auto listener = SidecarSession();
  ASSERT_TRUE(catalog::Listen(listener.get()).Ok());
  auto idle = catalog::Wait(listener.get(), std::chrono::milliseconds(50));
  ASSERT_TRUE(idle.Ok());
  EXPECT_TRUE(idle.Value().empty());

  auto admin = AdminSession();
  Must(admin.get(), "SELECT syncbridge.pause('books')");
  auto got = catalog::Wait(listener.get(), std::chrono::seconds(5));
  ASSERT_TRUE(got.Ok());
  ASSERT_FALSE(got.Value().empty());
  EXPECT_EQ(got.Value()[0].event, catalog::Notification::Event::kCatalogChanged);
  EXPECT_EQ(got.Value()[0].table, "sync");
  EXPECT_EQ(got.Value()[0].op, "update");
  EXPECT_TRUE(got.Value()[0].NeedsReload());
  Must(admin.get(), "SELECT syncbridge.resume('books')");
  ASSERT_TRUE(catalog::Wait(listener.get(), std::chrono::seconds(5)).Ok());

  const std::string run_id = One(admin.get(), "SELECT syncbridge.provision('books')");
  std::vector<catalog::Notification> notes;
  for (int i = 0; i < 50 && notes.empty(); ++i) {
    auto more = catalog::Wait(listener.get(), std::chrono::milliseconds(100));
    ASSERT_TRUE(more.Ok());
    for (auto& n : more.Value())
      if (n.event == catalog::Notification::Event::kRunRequested) notes.push_back(n);
  }
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].sync, "books");
  EXPECT_EQ(notes[0].kind, "provision");
  EXPECT_EQ(std::to_string(notes[0].run_id), run_id);
  EXPECT_FALSE(notes[0].NeedsReload());

  // The sidecar takes the requested run once.
  catalog::CatalogWriter writer(listener.get());
  auto requested = writer.RequestedRuns();
  ASSERT_TRUE(requested.Ok());
  ASSERT_FALSE(requested.Value().empty());
  EXPECT_EQ(std::to_string(requested.Value().back().run_id), run_id);
  EXPECT_EQ(requested.Value().back().kind, catalog::RunKind::kProvision);
  auto claimed = writer.ClaimRun(std::stoll(run_id));
  ASSERT_TRUE(claimed.Ok());
  EXPECT_TRUE(claimed.Value());
  claimed = writer.ClaimRun(std::stoll(run_id));
  ASSERT_TRUE(claimed.Ok());
  EXPECT_FALSE(claimed.Value());

  // Provisioning resolves the list id: the next snapshot has it.
  auto snap = Load();
  ASSERT_TRUE(snap);
  const auto& s = snap->Syncs()[0];
  ASSERT_TRUE(writer.SetTargetRemoteId(s.mapping.default_target_id, "list-guid-1").Ok());
  ASSERT_TRUE(writer.FinishRun(std::stoll(run_id), catalog::RunStatus::kSucceeded).Ok());
  auto again = Load();
  ASSERT_TRUE(again);
  const auto* t = again->Syncs()[0].FindTarget(s.mapping.default_target_id);
  EXPECT_EQ(t->remote_id, "list-guid-1");
  EXPECT_TRUE(t->provisioned);
  EXPECT_EQ(One(admin.get(), "SELECT status FROM syncbridge.run WHERE run_id = $1", {run_id}), "succeeded");
}

TEST_F(CatalogDbTest, RunsCountAndInterruptedRunsFailAtStart) {
  auto side = SidecarSession();
  auto admin = AdminSession();
  catalog::CatalogWriter writer(side.get());
  const int sync_id = std::stoi(One(admin.get(), "SELECT sync_id FROM syncbridge.sync WHERE name = 'books'"));
  auto push = writer.StartRun(sync_id, catalog::RunKind::kPush);
  ASSERT_TRUE(push.Ok()) << push.Err().message;
  catalog::RunCounts counts;
  counts.created = 5;
  counts.updated = 2;
  counts.skipped = 7;
  ASSERT_TRUE(writer.AddRunCounts(push.Value(), counts).Ok());
  ASSERT_TRUE(writer.AddRunCounts(push.Value(), counts).Ok());
  const std::string id = std::to_string(push.Value());
  EXPECT_EQ(One(admin.get(), "SELECT format('%s %s %s %s', status, created, updated, skipped) FROM syncbridge.run "
                             "WHERE run_id = $1",
                {id}),
            "running 10 4 14");
  // A backfill finished, a push left running by a crash.
  auto backfill = writer.StartRun(sync_id, catalog::RunKind::kBackfill);
  ASSERT_TRUE(backfill.Ok());
  catalog::RunCounts last;
  last.failed = 1;
  ASSERT_TRUE(writer.FinishRun(backfill.Value(), catalog::RunStatus::kFailed, "list not found", last).Ok());
  const std::string requested = One(admin.get(), "SELECT syncbridge.run_now('books', 'backfill')");
  auto failed = writer.FailInterruptedRuns("interrupted: the sidecar stopped while the run was in progress");
  ASSERT_TRUE(failed.Ok());
  EXPECT_EQ(failed.Value(), 1);
  EXPECT_EQ(One(admin.get(), "SELECT format('%s|%s|%s', status, error, finished_at IS NOT NULL) "
                             "FROM syncbridge.run WHERE run_id = $1",
                {id}),
            "failed|interrupted: the sidecar stopped while the run was in progress|t");
  EXPECT_EQ(One(admin.get(), "SELECT format('%s|%s|%s', status, error, failed) FROM syncbridge.run WHERE run_id = $1",
                {std::to_string(backfill.Value())}),
            "failed|list not found|1");
  EXPECT_EQ(One(admin.get(), "SELECT status FROM syncbridge.run WHERE run_id = $1", {requested}), "requested");
}

int BooksSyncId(PGconn* admin) {
  return std::stoi(One(admin, "SELECT sync_id FROM syncbridge.sync WHERE name = 'books'"));
}

std::vector<catalog::ParkedChange> Changes(int sync_id, int first_n, int count, std::uint64_t first_lsn) {
  std::vector<catalog::ParkedChange> out;
  for (int i = 0; i < count; ++i) {
    catalog::ParkedChange c;
    c.sync_id = sync_id;
    c.lsn = common::Lsn(first_lsn + static_cast<std::uint64_t>(i) * 0x28);
    // Quotes and a backslash survive the array literal and jsonb.
    c.change = {{"op", "update"},
                {"n", first_n + i},
                {"new", {{"id", first_n + i}, {"title", "t'\"\\" + std::to_string(i)}}}};
    out.push_back(std::move(c));
  }
  return out;
}

TEST_F(CatalogDbTest, ParkedChangesKeepTheirOrderAndPage) {
  auto admin = AdminSession();
  PGconn* a = admin.get();
  Must(a, "CREATE TABLE public.parked_other (id int PRIMARY KEY, v text)");
  Must(a, "SELECT syncbridge.create_sync('parked_other', 'public.parked_other', 'c1', '{\"list\": \"Other\"}')");
  const int books = BooksSyncId(a);
  const int other = std::stoi(One(a, "SELECT sync_id FROM syncbridge.sync WHERE name = 'parked_other'"));

  auto side = SidecarSession();
  catalog::CatalogWriter writer(side.get());
  // Two calls, the first interleaving two syncs; LSNs above 4 GB print with a
  // high part. Seq follows vector order within a call and across calls.
  auto first = Changes(books, 0, 3, (5ull << 32) | 0x10);
  first.insert(first.begin() + 1, Changes(other, 1000, 1, 0x16B3748).front());
  ASSERT_TRUE(writer.ParkChanges(first).Ok());
  ASSERT_TRUE(writer.ParkChanges(Changes(books, 3, 500, 0x100)).Ok());
  ASSERT_TRUE(writer.ParkChanges({}).Ok());

  std::vector<catalog::ParkedChange> read;
  std::int64_t after = 0;
  int pages = 0;
  for (;; ++pages) {
    auto page = writer.ReadParked(books, after, 7);
    ASSERT_TRUE(page.Ok()) << page.Err().message;
    if (page.Value().empty()) break;
    EXPECT_LE(page.Value().size(), 7u);
    after = page.Value().back().seq;
    read.insert(read.end(), page.Value().begin(), page.Value().end());
  }
  EXPECT_EQ(pages, (503 + 6) / 7);
  ASSERT_EQ(read.size(), 503u);
  for (std::size_t i = 0; i < read.size(); ++i) {
    ASSERT_EQ(read[i].change.value("n", -1), static_cast<int>(i)) << "position " << i;
    EXPECT_EQ(read[i].sync_id, books);
    if (i) {
      EXPECT_GT(read[i].seq, read[i - 1].seq);
    }
  }
  EXPECT_EQ(read[0].lsn, common::Lsn((5ull << 32) | 0x10));
  EXPECT_EQ(read[0].change, first[0].change);
  EXPECT_EQ(read[3].lsn, common::Lsn(0x100));
  auto theirs = writer.ReadParked(other, 0, 100);
  ASSERT_TRUE(theirs.Ok());
  ASSERT_EQ(theirs.Value().size(), 1u);
  EXPECT_EQ(theirs.Value()[0].lsn.ToString(), "0/16B3748");
  EXPECT_EQ(theirs.Value()[0].change.value("n", -1), 1000);
  EXPECT_EQ(One(a, "SELECT parked_changes FROM syncbridge.status WHERE sync = 'books'"), "503");

  auto syncs = writer.SyncsWithParked();
  ASSERT_TRUE(syncs.Ok());
  EXPECT_EQ(syncs.Value(), (std::vector<int>{books, other}));

  // Sent changes go, up to and including the bound, of that sync only.
  auto gone = writer.DeleteParked(books, read[2].seq);
  ASSERT_TRUE(gone.Ok()) << gone.Err().message;
  EXPECT_EQ(gone.Value(), 3);
  gone = writer.DeleteParked(books, read[2].seq);
  ASSERT_TRUE(gone.Ok());
  EXPECT_EQ(gone.Value(), 0);
  auto next = writer.ReadParked(books, 0, 1);
  ASSERT_TRUE(next.Ok());
  ASSERT_EQ(next.Value().size(), 1u);
  EXPECT_EQ(next.Value()[0].seq, read[3].seq);
  EXPECT_EQ(One(a, "SELECT count(*) FROM syncbridge.parked_change WHERE sync_id = $1", {std::to_string(other)}), "1");

  // A change that is not an object is refused before the round trip; one of
  // a sync dropped meanwhile is dropped with it.
  auto bad = Changes(books, 0, 1, 0x10);
  bad[0].change = nlohmann::json::array({1, 2});
  EXPECT_FALSE(writer.ParkChanges(bad).Ok());
  ASSERT_TRUE(writer.ParkChanges(Changes(987654, 0, 2, 0x10)).Ok());
  EXPECT_EQ(One(a, "SELECT count(*) FROM syncbridge.parked_change"), "501");

  // drop_sync takes a sync's parked changes with it.
  Must(a, "SELECT syncbridge.drop_sync('parked_other')");
  Must(a, "DROP TABLE public.parked_other");
  gone = writer.DeleteParked(books, std::numeric_limits<std::int64_t>::max());
  ASSERT_TRUE(gone.Ok());
  EXPECT_EQ(gone.Value(), 500);
  syncs = writer.SyncsWithParked();
  ASSERT_TRUE(syncs.Ok());
  EXPECT_TRUE(syncs.Value().empty());
  EXPECT_EQ(One(a, "SELECT count(*) FROM syncbridge.parked_change"), "0");
}

TEST_F(CatalogDbTest, HeartbeatAndProgressAreUpserted) {
  auto admin = AdminSession();
  PGconn* a = admin.get();
  const int books = BooksSyncId(a);
  auto side = SidecarSession();
  catalog::CatalogWriter writer(side.get());

  catalog::Heartbeat hb;
  hb.slot_name = "syncbridge";
  hb.pid = 111;
  hb.version = "0.1.0";
  hb.started_at = "2026-11-23T10:00:00.123456Z";
  hb.received_lsn = common::Lsn(0x2000);
  hb.flush_lsn = common::Lsn(0x1000);
  ASSERT_TRUE(writer.WriteHeartbeat(hb).Ok());
  const std::string row =
      "SELECT format('%s|%s|%s|%s|%s', pid, version, started_at, received_lsn, flush_lsn) FROM syncbridge.sidecar";
  EXPECT_EQ(One(a, row), "111|0.1.0|2026-11-23 10:00:00.123456+00|0/2000|0/1000");
  const std::string beat = One(a, "SELECT heartbeat_at FROM syncbridge.sidecar");
  EXPECT_EQ(One(a, "SELECT heartbeat_at > now() - interval '1 minute' FROM syncbridge.sidecar"), "t");
  EXPECT_EQ(One(a, "SELECT sidecar_heartbeat_at = $1::timestamptz FROM syncbridge.status WHERE sync = 'books'", {beat}),
            "t");

  // The same slot again: one row, rewritten; an unknown position is NULL.
  hb.pid = 222;
  hb.received_lsn = common::Lsn();
  hb.flush_lsn = common::Lsn((1ull << 32) | 0x3000);
  ASSERT_TRUE(writer.WriteHeartbeat(hb).Ok());
  EXPECT_EQ(One(a, "SELECT count(*) FROM syncbridge.sidecar"), "1");
  EXPECT_EQ(One(a, row), "222|0.1.0|2026-11-23 10:00:00.123456+00||1/3000");
  EXPECT_EQ(One(a, "SELECT heartbeat_at > $1::timestamptz FROM syncbridge.sidecar", {beat}), "t");

  // Progress: the oldest unapplied change sets lag; nullopt last_applied_at
  // keeps the stored one; a sync given twice counts once; unknown syncs
  // are skipped.
  const std::string progress =
      "SELECT format('%s|%s', oldest_unapplied_at, last_applied_at) FROM syncbridge.sync_progress WHERE sync_id = $1";
  ASSERT_TRUE(writer.WriteSyncProgress({{books, "2026-11-23T10:00:00Z", "2026-11-23T09:59:00.5Z"}, {987654, {}, {}}})
                  .Ok());
  EXPECT_EQ(One(a, progress, {std::to_string(books)}), "2026-11-23 10:00:00+00|2026-11-23 09:59:00.5+00");
  EXPECT_EQ(One(a, "SELECT count(*) FROM syncbridge.sync_progress"), "1");
  EXPECT_EQ(One(a, "SELECT lag_seconds = extract(epoch FROM now() - '2026-11-23T10:00:00Z'::timestamptz) "
                   "FROM syncbridge.status WHERE sync = 'books'"),
            "t");
  ASSERT_TRUE(writer.WriteSyncProgress({{books, std::nullopt, std::nullopt}}).Ok());
  EXPECT_EQ(One(a, progress, {std::to_string(books)}), "|2026-11-23 09:59:00.5+00");
  EXPECT_EQ(One(a, "SELECT lag_seconds FROM syncbridge.status WHERE sync = 'books'"), "0");
  ASSERT_TRUE(writer
                  .WriteSyncProgress({{books, "2026-11-23T11:00:00Z", "2026-11-23T10:30:00Z"},
                                      {books, "2026-11-23T11:05:00Z", std::nullopt}})
                  .Ok());
  EXPECT_EQ(One(a, progress, {std::to_string(books)}), "2026-11-23 11:05:00+00|2026-11-23 10:30:00+00");
  ASSERT_TRUE(writer.WriteSyncProgress({}).Ok());
  // A malformed time is the caller's fault, reported as such.
  auto bad = writer.WriteSyncProgress({{books, "yesterday-ish", std::nullopt}});
  ASSERT_FALSE(bad.Ok());
  EXPECT_EQ(bad.Err().kind, common::ErrorKind::kPermanent);
  Must(a, "DELETE FROM syncbridge.sidecar");
}

TEST_F(CatalogDbTest, BackfillResumesFromTheLastFinishedChunk) {
  auto admin = AdminSession();
  PGconn* a = admin.get();
  const int books = BooksSyncId(a);
  auto side = SidecarSession();
  catalog::CatalogWriter writer(side.get());

  auto none = writer.LoadBackfill(books);
  ASSERT_TRUE(none.Ok()) << none.Err().message;
  EXPECT_FALSE(none.Value().has_value());
  // The backfill create_sync requested is the sidecar's to take.
  auto requested = writer.RequestedRuns();
  ASSERT_TRUE(requested.Ok());
  auto run = std::find_if(requested.Value().begin(), requested.Value().end(), [&](const catalog::RequestedRun& r) {
    return r.sync_id == books && r.kind == catalog::RunKind::kBackfill;
  });
  ASSERT_NE(run, requested.Value().end());
  EXPECT_EQ(std::to_string(run->run_id),
            One(a, "SELECT min(run_id) FROM syncbridge.run WHERE sync_id = $1 AND kind = 'backfill'",
                {std::to_string(books)}));
  ASSERT_TRUE(writer.ClaimRun(run->run_id).Ok());
  const std::int64_t run_id = run->run_id;

  ASSERT_TRUE(writer.StartBackfill(books, run_id, 1000).Ok());
  auto started = writer.LoadBackfill(books);
  ASSERT_TRUE(started.Ok() && started.Value());
  EXPECT_EQ(started.Value()->run_id, run_id);
  EXPECT_FALSE(started.Value()->after_key);
  EXPECT_EQ(started.Value()->rows_done, 0);
  EXPECT_EQ(started.Value()->rows_estimate, 1000);
  EXPECT_FALSE(started.Value()->finished);
  EXPECT_EQ(One(a, "SELECT backfill_state FROM syncbridge.status WHERE sync = 'books'"), "running");

  catalog::RunCounts counts;
  counts.created = 200;
  counts.skipped = 50;
  ASSERT_TRUE(writer.SaveBackfillChunk(books, {{"id", 250}}, 250, counts).Ok());
  counts = {};
  counts.created = 249;
  counts.failed = 1;
  const nlohmann::json key = {{"id", 500}, {"region", "É\"u"}};
  ASSERT_TRUE(writer.SaveBackfillChunk(books, key, 250, counts).Ok());

  // A restarted sidecar (another session) picks up after the last chunk.
  auto again = SidecarSession();
  catalog::CatalogWriter restarted(again.get());
  auto resumed = restarted.LoadBackfill(books);
  ASSERT_TRUE(resumed.Ok() && resumed.Value());
  EXPECT_EQ(resumed.Value()->sync_id, books);
  EXPECT_EQ(resumed.Value()->run_id, run_id);
  ASSERT_TRUE(resumed.Value()->after_key);
  EXPECT_EQ(*resumed.Value()->after_key, key);
  EXPECT_EQ(resumed.Value()->rows_done, 500);
  EXPECT_EQ(resumed.Value()->rows_estimate, 1000);
  EXPECT_FALSE(resumed.Value()->finished);
  EXPECT_EQ(One(a, "SELECT format('%s %s %s %s', created, skipped, failed, updated) FROM syncbridge.run "
                   "WHERE run_id = $1",
                {std::to_string(run_id)}),
            "449 50 1 0");
  EXPECT_EQ(One(a, "SELECT format('%s/%s', backfill_rows_done, backfill_rows_estimate) FROM syncbridge.status "
                   "WHERE sync = 'books'"),
            "500/1000");

  ASSERT_TRUE(restarted.FinishBackfill(books).Ok());
  const std::string finished_at = One(a, "SELECT finished_at FROM syncbridge.backfill WHERE sync_id = $1",
                                      {std::to_string(books)});
  ASSERT_TRUE(restarted.FinishBackfill(books).Ok());
  EXPECT_EQ(One(a, "SELECT finished_at FROM syncbridge.backfill WHERE sync_id = $1", {std::to_string(books)}),
            finished_at);
  auto done = restarted.LoadBackfill(books);
  ASSERT_TRUE(done.Ok() && done.Value());
  EXPECT_TRUE(done.Value()->finished);
  EXPECT_EQ(One(a, "SELECT backfill_state FROM syncbridge.status WHERE sync = 'books'"), "finished");
  // No chunk after the end: the position would lie.
  auto late = restarted.SaveBackfillChunk(books, {{"id", 600}}, 100, {});
  ASSERT_FALSE(late.Ok());
  EXPECT_NE(late.Err().message.find("no backfill in progress"), std::string::npos) << late.Err().message;
  EXPECT_EQ(One(a, "SELECT rows_done FROM syncbridge.backfill WHERE sync_id = $1", {std::to_string(books)}), "500");
  ASSERT_TRUE(restarted.FinishRun(run_id, catalog::RunStatus::kSucceeded).Ok());

  // Starting again starts from scratch; without a run, run_id reads 0.
  ASSERT_TRUE(restarted.StartBackfill(books, 0, std::nullopt).Ok());
  auto fresh = restarted.LoadBackfill(books);
  ASSERT_TRUE(fresh.Ok() && fresh.Value());
  EXPECT_EQ(fresh.Value()->run_id, 0);
  EXPECT_FALSE(fresh.Value()->after_key);
  EXPECT_EQ(fresh.Value()->rows_done, 0);
  EXPECT_FALSE(fresh.Value()->rows_estimate);
  EXPECT_FALSE(fresh.Value()->finished);
  // A chunk without a run still moves the position.
  ASSERT_TRUE(restarted.SaveBackfillChunk(books, {{"id", 7}}, 7, counts).Ok());
  EXPECT_EQ(One(a, "SELECT rows_done FROM syncbridge.backfill WHERE sync_id = $1", {std::to_string(books)}), "7");

  // Syncs without a backfill, or gone.
  EXPECT_FALSE(restarted.FinishBackfill(987654).Ok());
  EXPECT_FALSE(restarted.SaveBackfillChunk(987654, {{"id", 1}}, 1, {}).Ok());
  EXPECT_FALSE(restarted.StartBackfill(987654, 0, 10).Ok());
  auto missing = restarted.LoadBackfill(987654);
  ASSERT_TRUE(missing.Ok());
  EXPECT_FALSE(missing.Value());
  Must(a, "DELETE FROM syncbridge.backfill");
}

}  // namespace
}  // namespace syncbridge

int main(int argc, char** argv) { return syncbridge::testing::RunWithScratchDb(argc, argv, "sb_catalog_test"); }
