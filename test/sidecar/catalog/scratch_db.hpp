// A scratch database with the extension, and a login-less role that has
// only syncbridge_admin (what the sidecar runs as), for the catalog and
// ledger tests. The PG* environment names the server (pg_virtualenv); with
// none reachable the test binary exits 77 (skipped).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "catalog/pg.hpp"

namespace syncbridge::testing {

inline std::string& ScratchDb() {
  static std::string name;
  return name;
}
inline std::string& SidecarRole() {
  static std::string name;
  return name;
}

// A superuser session on the scratch database (the DBA's side).
inline catalog::PgConn AdminSession() {
  auto conn = catalog::Connect("dbname=" + ScratchDb(), "syncbridge-test");
  if (!conn) {
    ADD_FAILURE() << conn.Err().message;
    return nullptr;
  }
  // The DBA's usual search_path (catalog::Connect sets pg_catalog alone).
  catalog::Exec(conn.Value().get(), "SET client_min_messages = warning");
  catalog::Exec(conn.Value().get(), "SET search_path = public, pg_catalog");
  return std::move(conn.Value());
}

// A session with only the sidecar's privileges.
inline catalog::PgConn SidecarSession() {
  auto conn = AdminSession();
  if (!conn) return conn;
  auto set = catalog::Exec(conn.get(), "SET ROLE " + SidecarRole());
  if (set) set = catalog::Exec(conn.get(), "SET search_path = pg_catalog");
  if (!set) ADD_FAILURE() << set.Err().message;
  return conn;
}

// Runs a statement on a session and fails the test when it errors.
inline catalog::PgResult Must(PGconn* conn, const std::string& sql, const std::vector<catalog::Param>& params = {}) {
  auto res = catalog::Exec(conn, sql, params);
  if (!res) {
    ADD_FAILURE() << sql << "\n" << res.Err().message;
    return nullptr;
  }
  return std::move(res.Value());
}

// Several statements at once (no parameters).
inline void Script(PGconn* conn, const std::string& sql) {
  catalog::PgResult res(PQexec(conn, sql.c_str()));
  if (PQresultStatus(res.get()) != PGRES_COMMAND_OK && PQresultStatus(res.get()) != PGRES_TUPLES_OK)
    ADD_FAILURE() << sql << "\n" << PQerrorMessage(conn);
}

inline std::string One(PGconn* conn, const std::string& sql, const std::vector<catalog::Param>& params = {}) {
  auto res = Must(conn, sql, params);
  if (!res || PQntuples(res.get()) < 1) return "<no row>";
  return catalog::Field(res.get(), 0, 0).value_or("<null>");
}

inline int RunWithScratchDb(int argc, char** argv, const std::string& prefix) {
  ::testing::InitGoogleTest(&argc, argv);
  auto admin = catalog::Connect("", "syncbridge-test");
  if (!admin) {
    std::fprintf(stderr, "no PostgreSQL server reachable through the PG* environment; skipped (%s)\n",
                 admin.Err().message.c_str());
    return 77;
  }
  PGconn* a = admin.Value().get();
  ScratchDb() = prefix + "_" + std::to_string(getpid());
  SidecarRole() = prefix + "_sidecar_" + std::to_string(getpid());
  if (!catalog::Exec(a, "CREATE DATABASE " + ScratchDb())) {
    std::fprintf(stderr, "%s", PQerrorMessage(a));
    return 1;
  }
  int rc = 1;
  {
    auto db = catalog::Connect("dbname=" + ScratchDb(), "syncbridge-test");
    bool ready = false;
    // Another test may be creating the cluster-wide role syncbridge_admin
    // at the same moment: a second try then finds it.
    for (int attempt = 0; db && attempt < 3 && !ready; ++attempt) {
      auto made = catalog::Exec(db.Value().get(), "CREATE EXTENSION syncbridge");
      ready = made.Ok();
      if (!ready) {
        std::fprintf(stderr, "CREATE EXTENSION: %s\n", made.Err().message.c_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
      }
    }
    if (ready && catalog::Exec(a, "CREATE ROLE " + SidecarRole() + " NOLOGIN IN ROLE syncbridge_admin")) {
      rc = RUN_ALL_TESTS();
    }
  }
  catalog::Exec(a, "DROP DATABASE " + ScratchDb() + " WITH (FORCE)");
  catalog::Exec(a, "DROP ROLE IF EXISTS " + SidecarRole());
  return rc;
}

}  // namespace syncbridge::testing
