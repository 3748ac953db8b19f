// Extension behaviour seen from a client: a secret sealed by set_secret opens
// with the sidecar's private key (and with no other), and catalog changes
// reach a listener on channel "syncbridge" as JSON.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kSkip = 77;

struct ConnCloser {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct ResultClearer {
  void operator()(PGresult* res) const { PQclear(res); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using Result = std::unique_ptr<PGresult, ResultClearer>;

Conn Connect(const std::string& dbname) {
  const std::string conninfo = dbname.empty() ? std::string() : "dbname=" + dbname;
  return Conn(PQconnectdb(conninfo.c_str()));
}

std::string scratch_db;  // set once in main(), read by the tests

// Runs a parameterised statement; text parameters, text results.
Result Exec(PGconn* conn, const std::string& sql, const std::vector<std::string>& params = {}) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  return Result(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0));
}

bool Ok(const Result& res) {
  const auto status = PQresultStatus(res.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string Hex(const unsigned char* data, size_t len) {
  std::string out = "\\x";
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

std::vector<unsigned char> Unhex(const std::string& text) {
  std::vector<unsigned char> out;
  for (size_t i = 2; i + 1 < text.size(); i += 2) {
    out.push_back(static_cast<unsigned char>(std::stoi(text.substr(i, 2), nullptr, 16)));
  }
  return out;
}

class ExtensionDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = Connect(scratch_db);
    ASSERT_EQ(PQstatus(conn_.get()), CONNECTION_OK) << PQerrorMessage(conn_.get());
    ASSERT_TRUE(Ok(Exec(conn_.get(), "SET client_min_messages = warning")));
  }
  Conn conn_;
};

TEST_F(ExtensionDbTest, SealedSecretOpensOnlyWithTheSidecarKey) {
  std::array<unsigned char, crypto_box_PUBLICKEYBYTES> pk{};
  std::array<unsigned char, crypto_box_SECRETKEYBYTES> sk{};
  crypto_box_keypair(pk.data(), sk.data());
  std::array<unsigned char, crypto_box_PUBLICKEYBYTES> other_pk{};
  std::array<unsigned char, crypto_box_SECRETKEYBYTES> other_sk{};
  crypto_box_keypair(other_pk.data(), other_sk.data());

  ASSERT_TRUE(Ok(Exec(conn_.get(), "SELECT syncbridge.register_sidecar_key($1::bytea)",
                      {Hex(pk.data(), pk.size())})));
  ASSERT_TRUE(Ok(Exec(conn_.get(),
                      "SELECT syncbridge.create_connection('seal_test', 'sharepoint', "
                      "'{\"tenant_id\": \"contoso.onmicrosoft.com\", \"client_id\": "
                      "\"11111111-2222-3333-4444-555555555555\", \"site\": "
                      "\"contoso.sharepoint.com:/sites/demo\"}')")));
  // Bytes a text-based leak would mangle: quotes, backslash, non-ASCII.
  const std::string secret = "p@ss'w\\rd-\xc3\xa9-" + std::string(300, 'z');
  auto set = Exec(conn_.get(), "SELECT syncbridge.set_secret('seal_test', 'client_secret', $1)",
                  {secret});
  ASSERT_TRUE(Ok(set)) << PQresultErrorMessage(set.get());

  auto row = Exec(conn_.get(),
                  "SELECT s.sealed, k.public_key = $1::bytea FROM syncbridge.secret s "
                  "JOIN syncbridge.connection c USING (connection_id) "
                  "JOIN syncbridge.sidecar_key k USING (key_id) WHERE c.name = 'seal_test'",
                  {Hex(pk.data(), pk.size())});
  ASSERT_TRUE(Ok(row));
  ASSERT_EQ(PQntuples(row.get()), 1);
  EXPECT_STREQ(PQgetvalue(row.get(), 0, 1), "t");
  const auto sealed = Unhex(PQgetvalue(row.get(), 0, 0));
  ASSERT_EQ(sealed.size(), secret.size() + crypto_box_SEALBYTES);

  std::vector<unsigned char> opened(sealed.size() - crypto_box_SEALBYTES);
  ASSERT_EQ(crypto_box_seal_open(opened.data(), sealed.data(), sealed.size(), pk.data(), sk.data()), 0);
  EXPECT_EQ(std::string(opened.begin(), opened.end()), secret);
  EXPECT_NE(crypto_box_seal_open(opened.data(), sealed.data(), sealed.size(), other_pk.data(),
                                 other_sk.data()),
            0);

  ASSERT_TRUE(Ok(Exec(conn_.get(), "SELECT syncbridge.drop_connection('seal_test')")));
}

std::optional<std::string> WaitForNotification(PGconn* conn, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    PQconsumeInput(conn);
    if (PGnotify* note = PQnotifies(conn)) {
      std::string payload = note->extra;
      const bool ours = std::string(note->relname) == "syncbridge";
      PQfreemem(note);
      if (ours) return payload;
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

TEST_F(ExtensionDbTest, CatalogChangesAndRunRequestsNotifyTheSidecar) {
  Conn listener = Connect(scratch_db);
  ASSERT_EQ(PQstatus(listener.get()), CONNECTION_OK);
  ASSERT_TRUE(Ok(Exec(listener.get(), "LISTEN syncbridge")));

  ASSERT_TRUE(Ok(Exec(conn_.get(),
                      "SELECT syncbridge.create_connection('notify_test', 'confluence', "
                      "'{\"site\": \"example.atlassian.net\", \"auth\": \"api_token\", "
                      "\"email\": \"bot@example.com\"}')")));
  auto payload = WaitForNotification(listener.get(), std::chrono::seconds(5));
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(*payload, R"({"op": "insert", "event": "catalog_changed", "table": "connection"})");

  ASSERT_TRUE(Ok(Exec(conn_.get(), "CREATE TABLE notify_pages (id int PRIMARY KEY, body text)")));
  ASSERT_TRUE(Ok(Exec(conn_.get(),
                      "SELECT syncbridge.create_sync('notify_pages', 'notify_pages', 'notify_test', "
                      "'{\"space\": \"DOCS\"}')")));
  // One transaction: one notification per distinct payload (sync, target,
  // field_map), then the backfill a pushing sync requests for the rows
  // already in its table.
  std::vector<std::string> seen;
  while (auto next = WaitForNotification(listener.get(), std::chrono::milliseconds(500))) {
    seen.push_back(*next);
  }
  ASSERT_EQ(seen.size(), 4u);
  auto backfill = Exec(conn_.get(),
                       "SELECT run_id FROM syncbridge.run JOIN syncbridge.sync USING (sync_id) "
                       "WHERE name = 'notify_pages' AND kind = 'backfill' AND status = 'requested'");
  ASSERT_TRUE(Ok(backfill));
  ASSERT_EQ(PQntuples(backfill.get()), 1);
  EXPECT_EQ(seen.back(), R"({"kind": "backfill", "sync": "notify_pages", "event": "run_requested", "run_id": )" +
                             std::string(PQgetvalue(backfill.get(), 0, 0)) + "}");

  auto run = Exec(conn_.get(), "SELECT syncbridge.run_now('notify_pages')");
  ASSERT_TRUE(Ok(run));
  const std::string run_id = PQgetvalue(run.get(), 0, 0);
  payload = WaitForNotification(listener.get(), std::chrono::seconds(5));
  ASSERT_TRUE(payload.has_value());
  EXPECT_EQ(*payload, R"({"kind": "push", "sync": "notify_pages", "event": "run_requested", "run_id": )" +
                          run_id + "}");

  ASSERT_TRUE(Ok(Exec(conn_.get(), "SELECT syncbridge.drop_sync('notify_pages')")));
  ASSERT_TRUE(Ok(Exec(conn_.get(), "SELECT syncbridge.drop_connection('notify_test')")));
  ASSERT_TRUE(Ok(Exec(conn_.get(), "DROP TABLE notify_pages")));
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (sodium_init() < 0) return 1;
  Conn admin = Connect("");
  if (PQstatus(admin.get()) != CONNECTION_OK) {
    std::fprintf(stderr, "no PostgreSQL server reachable through the PG* environment; skipped\n");
    return kSkip;
  }
  scratch_db = "syncbridge_db_test_" + std::to_string(getpid());
  if (!Ok(Exec(admin.get(), "CREATE DATABASE " + scratch_db))) {
    std::fprintf(stderr, "%s", PQerrorMessage(admin.get()));
    return 1;
  }
  int rc = 1;
  {
    Conn db = Connect(scratch_db);
    if (Ok(Exec(db.get(), "CREATE EXTENSION syncbridge"))) {
      rc = RUN_ALL_TESTS();
    } else {
      std::fprintf(stderr, "CREATE EXTENSION failed: %s", PQerrorMessage(db.get()));
    }
  }
  Exec(admin.get(), "DROP DATABASE " + scratch_db + " WITH (FORCE)");
  return rc;
}
