#include "daemon/metrics_export.hpp"

namespace syncbridge::daemon {

namespace {

struct Family {
  const char* name;
  const char* type;
  const char* help;
};

constexpr Family kFamilies[] = {
    {"syncbridge_changes_received_total", "counter", "Row changes of synced tables read from the slot, per sync"},
    {"syncbridge_changes_applied_total", "counter", "Changes applied remotely, per sync and operation (create, update, delete, move)"},
    {"syncbridge_changes_skipped_total", "counter", "Changes that needed no request (the remote item already holds the values)"},
    {"syncbridge_changes_failed_total", "counter", "Changes recorded as item errors"},
    {"syncbridge_changes_parked_total", "counter", "Changes of paused syncs kept in syncbridge.parked_change"},
    {"syncbridge_retries_total", "counter", "Operations sent again (throttling, server errors, lost answers)"},
    {"syncbridge_throttled_total", "counter", "429 and 503 answers (whole batches or items inside them)"},
    {"syncbridge_batches_total", "counter", "Batch requests sent ($batch of up to 20 operations)"},
    {"syncbridge_batch_operations_total", "counter", "Operations sent in batches (divided by batches: mean batch size)"},
    {"syncbridge_http_requests_total", "counter", "HTTP requests by method and status (none: no answer)"},
    {"syncbridge_ledger_rows_written_total", "counter", "Ledger rows written"},
    {"syncbridge_stream_lines_total", "counter", "Change lines decoded from the slot (all published tables)"},
    {"syncbridge_stream_reconnects_total", "counter", "Reconnects of the replication stream"},
    {"syncbridge_changes_outstanding", "gauge", "Changes received and not yet applied or recorded"},
    {"syncbridge_jobs_in_flight", "gauge", "HTTP jobs (batches, lookups, provisioning) on the worker threads"},
    {"syncbridge_flush_lsn", "gauge", "The position confirmed to the slot, as a number"},
    {"syncbridge_flush_lag_bytes", "gauge", "Bytes received from the slot and not yet confirmed"},
};

}  // namespace

void DescribeMetrics(metrics::Registry& registry) {
  for (const auto& f : kFamilies) registry.Describe(f.name, f.type, f.help);
}

void ExportMetrics(metrics::Registry& registry, const catalog::Snapshot& snapshot, const engine::PushEngine& engine,
                   const engine::RouterCounters& router, const stream::LogicalStream& stream, int jobs_in_flight,
                   std::int64_t ledger_rows, common::Lsn flush, common::Lsn received) {
  for (const auto& [sync_id, c] : engine.Counters()) {
    const catalog::Sync* sync = snapshot.SyncById(sync_id);
    if (!sync) continue;
    const metrics::Labels s = {{"sync", sync->name}};
    auto set = [&](const char* name, std::int64_t v) { registry.Set(name, s, static_cast<double>(v)); };
    set("syncbridge_changes_received_total", c.received);
    registry.Set("syncbridge_changes_applied_total", {{"sync", sync->name}, {"op", "create"}}, static_cast<double>(c.created));
    registry.Set("syncbridge_changes_applied_total", {{"sync", sync->name}, {"op", "update"}}, static_cast<double>(c.updated));
    registry.Set("syncbridge_changes_applied_total", {{"sync", sync->name}, {"op", "delete"}}, static_cast<double>(c.deleted));
    registry.Set("syncbridge_changes_applied_total", {{"sync", sync->name}, {"op", "move"}}, static_cast<double>(c.moved));
    set("syncbridge_changes_skipped_total", c.skipped);
    set("syncbridge_changes_failed_total", c.failed);
    set("syncbridge_retries_total", c.retries);
    set("syncbridge_throttled_total", c.throttled);
    set("syncbridge_batches_total", c.requests);
    set("syncbridge_batch_operations_total", c.operations);
  }
  registry.Set("syncbridge_ledger_rows_written_total", {}, static_cast<double>(ledger_rows));
  registry.Set("syncbridge_stream_lines_total", {}, static_cast<double>(router.lines));
  registry.Set("syncbridge_stream_reconnects_total", {}, stream.Reconnects());
  registry.Set("syncbridge_changes_outstanding", {}, static_cast<double>(engine.Outstanding()));
  registry.Set("syncbridge_jobs_in_flight", {}, jobs_in_flight);
  registry.Set("syncbridge_flush_lsn", {}, static_cast<double>(flush.Value()));
  registry.Set("syncbridge_flush_lag_bytes", {},
               received > flush ? static_cast<double>(received.Value() - flush.Value()) : 0.0);
}

nlohmann::json StatsJson(const engine::PushEngine& engine, const engine::RouterCounters& router, common::Lsn received,
                         common::Lsn flush) {
  engine::SyncCounters total;
  for (const auto& [sync_id, c] : engine.Counters()) {
    total.received += c.received;
    total.created += c.created;
    total.updated += c.updated;
    total.deleted += c.deleted;
    total.moved += c.moved;
    total.skipped += c.skipped;
    total.failed += c.failed;
    total.retries += c.retries;
    total.requests += c.requests;
  }
  return {{"received", total.received},     {"created", total.created},   {"updated", total.updated},
          {"deleted", total.deleted},       {"moved", total.moved},       {"skipped", total.skipped},
          {"failed", total.failed},         {"retries", total.retries},   {"batches", total.requests},
          {"outstanding", engine.Outstanding()}, {"lines", router.lines}, {"parked", router.parked},
          {"received_lsn", received.ToString()}, {"flush_lsn", flush.ToString()}};
}

}  // namespace syncbridge::daemon
