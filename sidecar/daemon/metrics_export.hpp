// The daemon's Prometheus families (docs/sidecar.md lists them) and its
// periodic stats line, filled from the engine's and router's counters.
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/snapshot.hpp"
#include "common/lsn.hpp"
#include "engine/line_router.hpp"
#include "engine/push_engine.hpp"
#include "metrics/registry.hpp"
#include "stream/logical_stream.hpp"

namespace syncbridge::daemon {

void DescribeMetrics(metrics::Registry& registry);

void ExportMetrics(metrics::Registry& registry, const catalog::Snapshot& snapshot, const engine::PushEngine& engine,
                   const engine::RouterCounters& router, const stream::LogicalStream& stream, int jobs_in_flight,
                   std::int64_t ledger_rows, common::Lsn flush, common::Lsn received);

nlohmann::json StatsJson(const engine::PushEngine& engine, const engine::RouterCounters& router, common::Lsn received,
                         common::Lsn flush);

}  // namespace syncbridge::daemon
