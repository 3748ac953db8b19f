// Ledger commit throughput: Ledger::Commit with batches of 20 (one Graph
// $batch) and 500 (a backfill chunk) against a baseline of plain single-row
// INSERTs, one transaction each, measured in the same run on the server of
// the PG* environment. Prints rows/s and the ratio to the baseline.
//   ledger_bench [rows]   (default 20000; the baseline writes rows/4)
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "catalog/pg.hpp"
#include "ledger/ledger.hpp"
#include "mapper/content_hash.hpp"

namespace {

using syncbridge::catalog::Exec;
using syncbridge::catalog::Param;
using syncbridge::ledger::Applied;
using Clock = std::chrono::steady_clock;

int sync_id = 0;
int target_id = 0;

Applied Outcome(int n, int generation) {
  Applied a;
  a.op = generation == 0 ? Applied::Op::kCreate : Applied::Op::kUpdate;
  a.sync_id = sync_id;
  a.row_key = {{"id", n}};
  a.target_id = target_id;
  a.remote_id = std::to_string(n + 1);
  a.remote_version = "\"" + std::to_string(n) + "," + std::to_string(generation + 1) + "\"";
  for (const char* field : {"Title", "Author", "Price", "Published"})
    a.field_hashes[field] = syncbridge::mapper::FieldHash(field, std::to_string(n * 7 + generation));
  a.content_hash = syncbridge::mapper::ContentHash(a.field_hashes);
  a.lsn = syncbridge::common::Lsn(0x1000000ULL + static_cast<std::uint64_t>(n) * 64);
  return a;
}

// rows/s of Ledger::Commit over keys [first, first + rows) in batches.
// The outcomes (and their hashes) are made before the clock starts: what
// is measured is the write, as in the baseline.
double Batched(PGconn* conn, int first, int rows, int batch_size, int generation) {
  syncbridge::ledger::Ledger ledger(conn);
  std::vector<syncbridge::ledger::Batch> batches;
  for (int i = first; i < first + rows; i += batch_size) {
    batches.emplace_back();
    for (int n = i; n < std::min(i + batch_size, first + rows); ++n)
      batches.back().applied.push_back(Outcome(n, generation));
  }
  const auto start = Clock::now();
  for (const auto& batch : batches) {
    auto res = ledger.Commit(batch);
    if (!res) {
      std::fprintf(stderr, "commit: %s\n", res.Err().message.c_str());
      std::exit(1);
    }
  }
  return rows / std::chrono::duration<double>(Clock::now() - start).count();
}

// rows/s of one prepared single-row INSERT per outcome, each its own
// transaction: what writing the ledger per operation costs.
double SingleRows(PGconn* conn, int first, int rows) {
  const char* sql =
      "INSERT INTO syncbridge.ledger (sync_id, row_key, target_id, remote_id, remote_version, content_hash, "
      "field_hashes, provenance, last_lsn, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'push', $8, 'synced')";
  syncbridge::catalog::Statements statements;
  std::vector<std::vector<Param>> params;
  for (int n = first; n < first + rows; ++n) {
    const Applied a = Outcome(n, 0);
    params.push_back({std::to_string(a.sync_id), a.row_key.dump(), std::to_string(a.target_id), a.remote_id,
                      a.remote_version, syncbridge::catalog::HexBytea(a.content_hash),
                      nlohmann::json(a.field_hashes).dump(), a.lsn.ToString()});
  }
  const auto start = Clock::now();
  for (const auto& p : params) {
    auto res = statements.Run(conn, "bench_single", sql, p);
    if (!res) {
      std::fprintf(stderr, "insert: %s\n", res.Err().message.c_str());
      std::exit(1);
    }
  }
  return rows / std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int rows = argc > 1 ? std::atoi(argv[1]) : 20000;
  auto admin = syncbridge::catalog::Connect("", "ledger-bench");
  if (!admin) {
    std::fprintf(stderr, "no PostgreSQL server reachable through the PG* environment (%s)\n",
                 admin.Err().message.c_str());
    return 77;
  }
  const std::string db = "sb_ledger_bench_" + std::to_string(getpid());
  if (!Exec(admin.Value().get(), "CREATE DATABASE " + db)) return 1;
  int rc = 1;
  {
    auto conn = syncbridge::catalog::Connect("dbname=" + db, "ledger-bench");
    PGconn* c = conn ? conn.Value().get() : nullptr;
    auto setup = [&](const std::string& sql) {
      auto res = Exec(c, sql);
      if (!res) std::fprintf(stderr, "%s: %s\n", sql.c_str(), res.Err().message.c_str());
      return res.Ok();
    };
    if (c && setup("SET client_min_messages = warning") && setup("CREATE EXTENSION syncbridge") &&
        setup("CREATE TABLE public.books (id integer PRIMARY KEY, title text)") &&
        setup("SELECT syncbridge.create_connection('c', 'sharepoint', '{\"tenant_id\": \"t.onmicrosoft.com\", "
              "\"client_id\": \"11111111-2222-3333-4444-555555555555\", \"site\": \"t.sharepoint.com:/sites/x\"}')") &&
        setup("SELECT syncbridge.create_sync('books', 'public.books', 'c', '{\"list\": \"Books\"}')")) {
      sync_id = std::stoi(syncbridge::catalog::Text(Exec(c, "SELECT sync_id FROM syncbridge.sync").Value().get(), 0, 0));
      target_id =
          std::stoi(syncbridge::catalog::Text(Exec(c, "SELECT target_id FROM syncbridge.target").Value().get(), 0, 0));
      const int base_rows = std::max(1, rows / 4);
      const double single = SingleRows(c, 10'000'000, base_rows);
      const double b20 = Batched(c, 0, rows, 20, 0);
      const double b500 = Batched(c, rows, rows, 500, 0);
      const double u20 = Batched(c, 0, rows, 20, 1);
      const double u500 = Batched(c, rows, rows, 500, 1);
      std::printf("ledger commit throughput (%d rows per batched run, %d single-row baseline)\n", rows, base_rows);
      std::printf("%-44s %10.0f rows/s  x%.1f\n", "baseline: single-row INSERT, 1 tx each", single, 1.0);
      std::printf("%-44s %10.0f rows/s  x%.1f\n", "Commit, batches of 20 (new rows)", b20, b20 / single);
      std::printf("%-44s %10.0f rows/s  x%.1f\n", "Commit, batches of 500 (new rows)", b500, b500 / single);
      std::printf("%-44s %10.0f rows/s  x%.1f\n", "Commit, batches of 20 (updates)", u20, u20 / single);
      std::printf("%-44s %10.0f rows/s  x%.1f\n", "Commit, batches of 500 (updates)", u500, u500 / single);
      rc = 0;
    }
  }
  Exec(admin.Value().get(), "DROP DATABASE " + db + " WITH (FORCE)");
  return rc;
}
