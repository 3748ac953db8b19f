// Turns the decoder's change lines (docs/decode-format.md), which the
// formatter emits in commit order with streamed transactions already
// assembled and spilled, into push-engine changes: finds the syncs of the
// table, drops rows that came from our own pulls (origin "syncbridge": loop
// prevention at the source), and splits key changes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/push_engine.hpp"

namespace syncbridge::engine {

// The origin name apply_remote's sessions use; their changes are never pushed.
inline constexpr const char* kPullOrigin = "syncbridge";

struct TableSync {
  int sync_id = 0;
  bool push = true;  // direction push or both
  std::vector<std::string> key_columns;
};

struct RouterCounters {
  std::int64_t lines = 0, own_origin = 0, unsynced = 0, truncates = 0;
};

class LineRouter {
 public:
  using SyncsOf = std::function<std::vector<TableSync>(const std::string& schema, const std::string& table)>;
  // A TRUNCATE of a synced table: the daemon applies the sync's truncate policy.
  using TruncateFn = std::function<common::Status(int sync_id, common::Lsn lsn)>;

  LineRouter(PushEngine& engine, SyncsOf syncs, TruncateFn on_truncate)
      : engine_(engine), syncs_(std::move(syncs)), on_truncate_(std::move(on_truncate)) {}

  common::Status OnLine(const std::string& line);
  common::Status OnCommit(common::Lsn end_lsn);
  const RouterCounters& Counters() const { return counters_; }

 private:
  PushEngine& engine_;
  SyncsOf syncs_;
  TruncateFn on_truncate_;
  std::uint64_t txn_ = 1;
  RouterCounters counters_;
};

}  // namespace syncbridge::engine
