// What the push engine needs from the database and the remote side, as
// interfaces: the daemon plugs in the libpq ledger and the real connectors,
// tests plug in fakes.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/lsn.hpp"
#include "common/status.hpp"
#include "connectors/connector.hpp"
#include "mapper/decision.hpp"

namespace syncbridge::engine {

// A ledger row as the engine keeps it in memory.
struct LedgerRecord {
  mapper::LedgerView view;
  std::string remote_version;
  bool pending = false;  // a create was (maybe) sent and not recorded: look the key up first
};

// What one finished operation changes in the ledger.
struct LedgerWrite {
  int sync_id = 0;
  nlohmann::json row_key;
  int target_id = 0;
  std::string remote_id;
  std::string remote_version;
  std::string content_hash;
  mapper::FieldHashes field_hashes;
  bool deleted = false;
  common::Lsn lsn;
};

// A create about to be sent: recorded first, so that after a crash the key
// is looked up remotely instead of created twice.
struct PendingMark {
  int sync_id = 0;
  nlohmann::json row_key;
  int target_id = 0;
};

struct ItemError {
  int sync_id = 0;
  int target_id = 0;
  std::string operation;  // create, update, delete, move
  nlohmann::json row_key;
  std::string remote_id;
  common::Lsn lsn;
  int http_status = 0;  // 0: refused before any request
  std::string error_code;
  std::string message;
};

class LedgerPort {
 public:
  virtual ~LedgerPort() = default;
  // Records for these keys of one sync, by RowKeyText; absent keys have none.
  virtual common::Result<std::map<std::string, LedgerRecord>> Lookup(int sync_id,
                                                                    const std::vector<nlohmann::json>& keys) = 0;
  virtual common::Status MarkPending(const std::vector<PendingMark>& marks) = 0;
  // Writes and item errors of one batch, atomically.
  virtual common::Status Commit(const std::vector<LedgerWrite>& writes, const std::vector<ItemError>& errors) = 0;
};

class RowSource {
 public:
  virtual ~RowSource() = default;
  // The row's current values in canonical form; nullopt when it is gone.
  virtual common::Result<std::optional<nlohmann::json>> ReadRow(int sync_id, const nlohmann::json& key) = 0;
};

class ConnectorRegistry {
 public:
  virtual ~ConnectorRegistry() = default;
  // The connector serving a target, and the target's reference; null with
  // an error when the target's connection is unusable (e.g. its secret does
  // not open). Shared: a batch in flight keeps its connector alive across a
  // catalog reload.
  virtual std::shared_ptr<connectors::Connector> ConnectorFor(int target_id, connectors::TargetRef* target,
                                                              std::string* error) = 0;
};

}  // namespace syncbridge::engine
