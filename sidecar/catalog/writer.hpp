// What the sidecar writes back into the catalog besides the ledger: resolved
// target ids, connection health and runs. Each call is one statement (its
// own transaction); the session must not be inside a transaction.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace syncbridge::catalog {

enum class RunKind { kPush, kPull, kBackfill, kReconcile, kDrift, kProvision, kResync };
enum class RunStatus { kSucceeded, kFailed, kCancelled };

const char* ToString(RunKind kind);
std::optional<RunKind> ParseRunKind(const std::string& text);

// Counts added to a run (syncbridge.run columns of the same names).
struct RunCounts {
  std::int64_t created = 0;
  std::int64_t updated = 0;
  std::int64_t deleted = 0;
  std::int64_t moved = 0;
  std::int64_t skipped = 0;
  std::int64_t failed = 0;
  std::int64_t conflicts = 0;
  bool Empty() const { return !created && !updated && !deleted && !moved && !skipped && !failed && !conflicts; }
};

struct RequestedRun {
  std::int64_t run_id = 0;
  int sync_id = 0;
  RunKind kind = RunKind::kPush;
};

class CatalogWriter {
 public:
  explicit CatalogWriter(PGconn* conn) : conn_(conn) {}

  // Provisioning resolved the target's list/space id. (target is a
  // definition table: this also sends catalog_changed.)
  common::Status SetTargetRemoteId(int target_id, const std::string& remote_id);

  // connection_status: the last error (a secret that does not open, a token
  // endpoint that refuses) or the last success. Shown by syncbridge.status.
  common::Status SetConnectionError(int connection_id, const std::string& message);
  common::Status SetConnectionOk(int connection_id);

  // At start-up: runs left 'running' by a sidecar that died are failed
  // with a reason (pg_cron does the same); 'requested' runs stay to be done.
  // Returns how many were failed.
  common::Result<int> FailInterruptedRuns(const std::string& reason);
  // Runs asked for by run_now()/provision() and not started yet, oldest first.
  common::Result<std::vector<RequestedRun>> RequestedRuns();
  // requested → running; false when it is no longer requested (cancelled,
  // taken, or its sync dropped).
  common::Result<bool> ClaimRun(std::int64_t run_id);
  // A run the sidecar starts by itself (a push session, an automatic
  // backfill): inserted as running.
  common::Result<std::int64_t> StartRun(int sync_id, RunKind kind);
  common::Status AddRunCounts(std::int64_t run_id, const RunCounts& counts);
  // error is required for kFailed (the table's rule) and kept for the others when given.
  common::Status FinishRun(std::int64_t run_id, RunStatus status, const std::string& error = {},
                           const RunCounts& counts = {});

 private:
  PGconn* conn_;
};

}  // namespace syncbridge::catalog
