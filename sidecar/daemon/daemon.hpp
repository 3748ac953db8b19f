// `syncbridged run`: the push daemon. Reads the slot, routes each committed
// change of a synced table through the push engine to its SharePoint list,
// keeps the catalog (runs, connection health, progress, parked changes,
// backfills) current, serves /metrics and /healthz, and stops cleanly on
// SIGTERM/SIGINT (a second signal stops at once).
#pragma once

#include <cstddef>
#include <string>

namespace syncbridge::daemon {

struct DaemonOptions {
  std::string conninfo;
  std::string slot;
  std::string publication = "syncbridge";
  std::string key_file;
  std::string metrics_listen;  // empty: no endpoint
  int status_interval_s = 10;
  int heartbeat_interval_s = 5;     // sidecar/sync_progress rows, run counts, metrics gauges
  int stats_interval_s = 60;        // the periodic stats log line
  int workers = 8;                  // HTTP worker threads
  int max_in_flight_per_target = 4; // $batch requests in flight per list
  std::size_t max_outstanding = 20000;
  int backfill_chunk_rows = 500;
  int feed_chunks_in_flight = 4;
  std::size_t spill_bytes = std::size_t{4} << 20;
  std::string spill_dir;
  int reconnect_initial_ms = 500;
  int reconnect_max_ms = 30000;
  int reconnect_attempts = 0;
  int http_timeout_ms = 60000;
  int config_error_retry_ms = 30000;
};

// Returns the process exit code: 0 after a clean stop, 1 when it could not
// start (or the stream failed for good), 2 for bad options.
int Run(const DaemonOptions& options);

}  // namespace syncbridge::daemon
