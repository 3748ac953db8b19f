// Catalog change notifications on channel "syncbridge" (docs/sql-api.md,
// "Notifications"): the idle sidecar's way to hear of definition changes and
// run requests. A streaming sidecar also sees catalog_changed as a logical
// message in commit order; NOTIFY covers the time nothing streams.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"

namespace syncbridge::catalog {

inline constexpr const char* kChannel = "syncbridge";

struct Notification {
  enum class Event { kCatalogChanged, kRunRequested, kCursorReset, kOther };
  Event event = Event::kOther;
  std::string table;      // catalog_changed: the definition table
  std::string op;         // catalog_changed: insert, update, delete, truncate
  std::string sync;       // run_requested, cursor_reset: the sync's name
  std::string kind;       // run_requested: push, pull, backfill, reconcile, drift, provision
  std::int64_t run_id = 0;  // run_requested
  std::string payload;    // the JSON as sent

  // A catalog_changed or cursor_reset: the snapshot must be reloaded.
  bool NeedsReload() const { return event == Event::kCatalogChanged || event == Event::kCursorReset; }
};

// Parses a payload; anything that is not the extension's JSON is kOther.
Notification ParseNotification(const std::string& payload);

// LISTEN on the channel. Notifications sent before this are not seen: load
// the snapshot after listening, never before, so no change falls between.
common::Status Listen(PGconn* conn);

// The notifications that have arrived, without blocking (consumes input on
// the socket first). A broken connection is a transient error.
common::Result<std::vector<Notification>> Drain(PGconn* conn);

// Waits up to `timeout` for the socket to become readable, then drains.
// The daemon may instead poll PQsocket(conn) in its own loop and call Drain.
common::Result<std::vector<Notification>> Wait(PGconn* conn, std::chrono::milliseconds timeout);

}  // namespace syncbridge::catalog
