// An immutable snapshot of the sync definitions (DESIGN.md: the extension owns
// declarations), read in one repeatable-read transaction so every table is
// seen at the same instant. The daemon holds a shared_ptr<const Snapshot>
// and swaps it on reload; a load that fails returns an error and the caller
// keeps the snapshot it has.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "connectors/connector.hpp"
#include "crypto/sealed_box.hpp"
#include "mapper/sync_mapping.hpp"

namespace syncbridge::catalog {

enum class Direction { kPush, kPull, kBoth };
enum class ConflictPolicy { kSourceWins, kTargetWins, kLatestWins, kManual };
enum class TruncatePolicy { kPause, kIgnore, kDelete };

struct Connection {
  int connection_id = 0;
  std::string name;
  std::string kind;  // "sharepoint" | "confluence"
  nlohmann::json settings = nlohmann::json::object();
  // Opened secrets by name (client_secret, api_token, refresh_token). Held
  // only in memory; never logged.
  std::map<std::string, std::string> secrets;
  // Non-empty when a secret did not open (sealed to another key, damaged):
  // the syncs of this connection cannot run; the text names the secret and
  // key fingerprints, never a secret. Record it with CatalogWriter.
  std::string error;
  bool Usable() const { return error.empty(); }
};

struct Target {
  connectors::TargetRef ref;  // target_id and the normalised spec
  std::string kind;           // "sharepoint" | "confluence"
  bool is_default = false;
  std::string remote_id;      // resolved list/space id; empty until provisioned
  bool provisioned = false;
};

struct Sync {
  int sync_id = 0;
  std::string name;
  std::uint32_t relation_oid = 0;  // the source table (the stream's Relation OID)
  std::string schema;
  std::string table;
  int connection_id = 0;
  Direction direction = Direction::kPush;
  ConflictPolicy conflict_policy = ConflictPolicy::kSourceWins;
  TruncatePolicy truncate_policy = TruncatePolicy::kPause;
  std::int64_t pull_interval_ms = 15000;
  bool paused = false;
  std::string pause_reason;
  mapper::SyncMapping mapping;  // fields in table column order
  std::vector<Target> targets;  // by target_id
  // What provisioning creates: one per mapped column that exists, typed by
  // the value the remote field receives (after the transform).
  std::vector<connectors::ColumnSpec> columns;
  // Mapped columns the table no longer has (renamed or dropped; check()
  // reports them): left out of `mapping` so they never look absent from rows.
  std::vector<std::string> missing_columns;

  bool Pushes() const { return direction != Direction::kPull; }
  bool Pulls() const { return direction != Direction::kPush; }
  const Target* FindTarget(int target_id) const;
};

class Snapshot {
 public:
  // Reads the whole catalog in one REPEATABLE READ READ ONLY transaction on
  // `conn` (a catalog::Connect session, not replication; no transaction open)
  // and opens every secret with `keys`. Errors: the connection or a query
  // failed (transient), or a stored definition does not parse (config,
  // naming the sync and the rule). A secret that does not open is not an
  // error of the load: it marks its connection only.
  static common::Result<std::shared_ptr<const Snapshot>> Load(PGconn* conn, const crypto::KeyPair& keys);

  const std::vector<Sync>& Syncs() const { return syncs_; }
  const std::vector<Connection>& Connections() const { return connections_; }
  const Sync* SyncById(int sync_id) const;
  const Sync* SyncByName(const std::string& name) const;
  // Two syncs may share a table: every sync whose source is this relation.
  std::vector<const Sync*> SyncsForRelation(std::uint32_t relation_oid) const;
  std::vector<const Sync*> SyncsForTable(const std::string& schema, const std::string& table) const;
  const Connection* ConnectionById(int connection_id) const;
  // syncbridge.setting overrides (slot_name); absent names use the defaults.
  const std::map<std::string, std::string>& Settings() const { return settings_; }

 private:
  std::vector<Sync> syncs_;
  std::vector<Connection> connections_;
  std::map<std::string, std::string> settings_;
};

const char* ToString(Direction d);
const char* ToString(ConflictPolicy p);
const char* ToString(TruncatePolicy p);

}  // namespace syncbridge::catalog
