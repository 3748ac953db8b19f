#include "catalog/snapshot.hpp"

#include <algorithm>

#include "catalog/pg.hpp"
#include "mapper/predicate.hpp"
#include "mapper/transform.hpp"

namespace syncbridge::catalog {
namespace {

using nlohmann::json;

constexpr const char* kSettings = "SELECT name, value FROM syncbridge.setting";

constexpr const char* kConnections =
    "SELECT connection_id, name, kind, settings::text FROM syncbridge.connection ORDER BY connection_id";

// Whether each secret is sealed to our key is decided by the server from the
// public key, so a mismatch is reported with both fingerprints.
constexpr const char* kSecrets = R"SQL(
SELECT s.connection_id, s.name, s.sealed, k.public_key = $1::bytea, k.fingerprint,
       left(encode(sha256($1::bytea), 'hex'), 16)
  FROM syncbridge.secret s JOIN syncbridge.sidecar_key k USING (key_id)
 ORDER BY s.connection_id, s.name
)SQL";

constexpr const char* kSyncs = R"SQL(
SELECT s.sync_id, s.name, s.source::oid, n.nspname, c.relname, s.connection_id,
       to_jsonb(s.key_columns)::text, s.direction, s.conflict_policy, s.truncate_policy,
       (extract(epoch FROM s.pull_interval) * 1000)::bigint, s.paused, s.pause_reason
  FROM syncbridge.sync s
  JOIN pg_class c ON c.oid = s.source
  JOIN pg_namespace n ON n.oid = c.relnamespace
 ORDER BY s.sync_id
)SQL";

constexpr const char* kTargets = R"SQL(
SELECT target_id, sync_id, is_default, kind, spec::text, remote_id, provisioned_at IS NOT NULL
  FROM syncbridge.target ORDER BY sync_id, target_id
)SQL";

// Mapped columns with their types: domains are walked down to their base
// type (what the remote column must hold), enum labels come from the type
// itself or, for arrays, from the element type. A mapped column the table
// no longer has comes back with a NULL attnum.
constexpr const char* kFields = R"SQL(
WITH RECURSIVE col AS (
  SELECT f.sync_id, f.column_name, f.remote_field, f.direction, f.transform,
         a.attnum, a.atttypid AS typid, a.atttypmod AS typmod, 0 AS depth
    FROM syncbridge.field_map f
    JOIN syncbridge.sync s USING (sync_id)
    LEFT JOIN pg_attribute a ON a.attrelid = s.source AND a.attname = f.column_name
                            AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT c.sync_id, c.column_name, c.remote_field, c.direction, c.transform,
         c.attnum, t.typbasetype, t.typtypmod, c.depth + 1
    FROM col c JOIN pg_type t ON t.oid = c.typid
   WHERE t.typtype = 'd' AND c.depth < 32
)
SELECT c.sync_id, c.column_name, c.remote_field, c.direction, c.transform, c.attnum,
       format_type(c.typid, c.typmod), t.typcategory = 'A',
       (SELECT jsonb_agg(e.enumlabel ORDER BY e.enumsortorder)
          FROM pg_enum e
         WHERE e.enumtypid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END)::text
  FROM col c LEFT JOIN pg_type t ON t.oid = c.typid
 WHERE c.attnum IS NULL OR t.typtype <> 'd'
 ORDER BY c.sync_id, c.attnum NULLS LAST, c.column_name
)SQL";

constexpr const char* kRules = R"SQL(
SELECT sync_id, priority, predicate::text, target_id FROM syncbridge.shard_rule ORDER BY sync_id, priority
)SQL";

common::Result<json> ParseJson(const std::string& text, const std::string& what) {
  json value = json::parse(text, nullptr, false);
  if (value.is_discarded()) return common::ConfigError(what + ": stored JSON does not parse");
  return value;
}

int ToInt(const std::string& s) { return std::stoi(s); }

common::Result<Direction> ParseDirection(const std::string& s) {
  if (s == "push") return Direction::kPush;
  if (s == "pull") return Direction::kPull;
  if (s == "both") return Direction::kBoth;
  return common::ConfigError("unknown direction '" + s + "'");
}

common::Result<ConflictPolicy> ParseConflict(const std::string& s) {
  if (s == "source_wins") return ConflictPolicy::kSourceWins;
  if (s == "target_wins") return ConflictPolicy::kTargetWins;
  if (s == "latest_wins") return ConflictPolicy::kLatestWins;
  if (s == "manual") return ConflictPolicy::kManual;
  return common::ConfigError("unknown conflict policy '" + s + "'");
}

common::Result<TruncatePolicy> ParseTruncate(const std::string& s) {
  if (s == "pause") return TruncatePolicy::kPause;
  if (s == "ignore") return TruncatePolicy::kIgnore;
  if (s == "delete") return TruncatePolicy::kDelete;
  return common::ConfigError("unknown truncate policy '" + s + "'");
}

common::Result<mapper::FieldDirection> ParseFieldDirection(const std::string& s) {
  if (s == "both") return mapper::FieldDirection::kBoth;
  if (s == "push_only") return mapper::FieldDirection::kPushOnly;
  if (s == "pull_only") return mapper::FieldDirection::kPullOnly;
  return common::ConfigError("unknown field direction '" + s + "'");
}

// What the remote field receives once the transform has run: a text
// transform turns any value into text, date_only into a date, scale keeps a
// number (not necessarily whole).
void ApplyTransformType(const mapper::Transform& t, connectors::ColumnSpec& spec) {
  using K = mapper::Transform::Kind;
  switch (t.kind()) {
    case K::kDateOnly:
      spec.pg_type = "date";
      break;
    case K::kScale:
      spec.pg_type = "numeric";
      break;
    default:
      spec.pg_type = "text";
      break;
  }
  spec.is_array = false;
  spec.enum_labels.clear();
}

// Runs the catalog queries; the caller owns the transaction.
common::Status LoadInTransaction(PGconn* conn, const crypto::KeyPair& keys, std::vector<Sync>& syncs,
                                 std::vector<Connection>& connections, std::map<std::string, std::string>& settings);

}  // namespace

const Target* Sync::FindTarget(int target_id) const {
  for (const auto& t : targets)
    if (t.ref.target_id == target_id) return &t;
  return nullptr;
}

const Sync* Snapshot::SyncById(int sync_id) const {
  for (const auto& s : syncs_)
    if (s.sync_id == sync_id) return &s;
  return nullptr;
}

const Sync* Snapshot::SyncByName(const std::string& name) const {
  for (const auto& s : syncs_)
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<const Sync*> Snapshot::SyncsForRelation(std::uint32_t relation_oid) const {
  std::vector<const Sync*> out;
  for (const auto& s : syncs_)
    if (s.relation_oid == relation_oid) out.push_back(&s);
  return out;
}

std::vector<const Sync*> Snapshot::SyncsForTable(const std::string& schema, const std::string& table) const {
  std::vector<const Sync*> out;
  for (const auto& s : syncs_)
    if (s.schema == schema && s.table == table) out.push_back(&s);
  return out;
}

const Connection* Snapshot::ConnectionById(int connection_id) const {
  for (const auto& c : connections_)
    if (c.connection_id == connection_id) return &c;
  return nullptr;
}

const char* ToString(Direction d) {
  switch (d) {
    case Direction::kPush: return "push";
    case Direction::kPull: return "pull";
    case Direction::kBoth: return "both";
  }
  return "?";
}

const char* ToString(ConflictPolicy p) {
  switch (p) {
    case ConflictPolicy::kSourceWins: return "source_wins";
    case ConflictPolicy::kTargetWins: return "target_wins";
    case ConflictPolicy::kLatestWins: return "latest_wins";
    case ConflictPolicy::kManual: return "manual";
  }
  return "?";
}

const char* ToString(TruncatePolicy p) {
  switch (p) {
    case TruncatePolicy::kPause: return "pause";
    case TruncatePolicy::kIgnore: return "ignore";
    case TruncatePolicy::kDelete: return "delete";
  }
  return "?";
}

common::Result<std::shared_ptr<const Snapshot>> Snapshot::Load(PGconn* conn, const crypto::KeyPair& keys) {
  if (PQstatus(conn) != CONNECTION_OK) return common::TransientError("catalog load: connection is not open");
  if (PQtransactionStatus(conn) != PQTRANS_IDLE)
    return common::PermanentError("catalog load: the session is inside a transaction");
  auto begin = Exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!begin) return begin.Err();
  auto snap = std::make_shared<Snapshot>();
  auto loaded = LoadInTransaction(conn, keys, snap->syncs_, snap->connections_, snap->settings_);
  if (!loaded) {
    PgResult(PQexec(conn, "ROLLBACK"));
    return loaded.Err();
  }
  auto commit = Exec(conn, "COMMIT");
  if (!commit) return commit.Err();
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

namespace {

common::Status LoadInTransaction(PGconn* conn, const crypto::KeyPair& keys, std::vector<Sync>& syncs,
                                 std::vector<Connection>& connections, std::map<std::string, std::string>& settings) {
  auto set = Exec(conn, kSettings);
  if (!set) return set.Err();
  for (int i = 0; i < PQntuples(set.Value().get()); ++i)
    settings[Text(set.Value().get(), i, 0)] = Text(set.Value().get(), i, 1);

  auto conns = Exec(conn, kConnections);
  if (!conns) return conns.Err();
  for (int i = 0; i < PQntuples(conns.Value().get()); ++i) {
    const PGresult* r = conns.Value().get();
    Connection c;
    c.connection_id = ToInt(Text(r, i, 0));
    c.name = Text(r, i, 1);
    c.kind = Text(r, i, 2);
    auto settings_json = ParseJson(Text(r, i, 3), "connection " + c.name + " settings");
    if (!settings_json) return settings_json.Err();
    c.settings = std::move(settings_json.Value());
    connections.push_back(std::move(c));
  }

  const std::string public_key(reinterpret_cast<const char*>(keys.public_key.data()), keys.public_key.size());
  auto secrets = Exec(conn, kSecrets, {HexBytea(public_key)});
  if (!secrets) return secrets.Err();
  for (int i = 0; i < PQntuples(secrets.Value().get()); ++i) {
    const PGresult* r = secrets.Value().get();
    const int connection_id = ToInt(Text(r, i, 0));
    auto it = std::find_if(connections.begin(), connections.end(),
                           [&](const Connection& c) { return c.connection_id == connection_id; });
    if (it == connections.end()) continue;
    const std::string name = Text(r, i, 1);
    auto fail = [&](const std::string& why) {
      if (!it->error.empty()) it->error += "; ";
      it->error += "secret '" + name + "' " + why;
    };
    if (Text(r, i, 3) != "t") {
      fail("is sealed to sidecar key " + Text(r, i, 4) + ", not to this sidecar's key " + Text(r, i, 5) +
           " (set it again with syncbridge.set_secret, or run with the matching --key-file)");
      continue;
    }
    auto sealed = UnhexBytea(Text(r, i, 2));
    if (!sealed) {
      fail("is not readable as bytea");
      continue;
    }
    auto opened = crypto::OpenSealed(keys, *sealed);
    if (!opened) {
      // OpenSealed's message says why the box did not open; it never holds
      // the plaintext, which we do not have.
      fail("does not open with sidecar key " + Text(r, i, 5) + ": " + opened.Err().message);
      continue;
    }
    it->secrets[name] = std::move(opened.Value());
  }

  auto sync_rows = Exec(conn, kSyncs);
  if (!sync_rows) return sync_rows.Err();
  for (int i = 0; i < PQntuples(sync_rows.Value().get()); ++i) {
    const PGresult* r = sync_rows.Value().get();
    Sync s;
    s.sync_id = ToInt(Text(r, i, 0));
    s.name = Text(r, i, 1);
    s.relation_oid = static_cast<std::uint32_t>(std::stoul(Text(r, i, 2)));
    s.schema = Text(r, i, 3);
    s.table = Text(r, i, 4);
    s.connection_id = ToInt(Text(r, i, 5));
    const std::string what = "sync " + s.name;
    auto key = ParseJson(Text(r, i, 6), what + " key_columns");
    if (!key) return key.Err();
    for (const auto& k : key.Value()) s.mapping.key_columns.push_back(k.get<std::string>());
    auto direction = ParseDirection(Text(r, i, 7));
    auto conflict = ParseConflict(Text(r, i, 8));
    auto truncate = ParseTruncate(Text(r, i, 9));
    if (!direction) return common::ConfigError(what + ": " + direction.Err().message);
    if (!conflict) return common::ConfigError(what + ": " + conflict.Err().message);
    if (!truncate) return common::ConfigError(what + ": " + truncate.Err().message);
    s.direction = direction.Value();
    s.conflict_policy = conflict.Value();
    s.truncate_policy = truncate.Value();
    s.pull_interval_ms = std::stoll(Text(r, i, 10));
    s.paused = Text(r, i, 11) == "t";
    s.pause_reason = Field(r, i, 12).value_or("");
    s.mapping.sync_id = s.sync_id;
    syncs.push_back(std::move(s));
  }
  auto find_sync = [&](int sync_id) -> Sync* {
    for (auto& s : syncs)
      if (s.sync_id == sync_id) return &s;
    return nullptr;
  };

  auto targets = Exec(conn, kTargets);
  if (!targets) return targets.Err();
  for (int i = 0; i < PQntuples(targets.Value().get()); ++i) {
    const PGresult* r = targets.Value().get();
    Sync* s = find_sync(ToInt(Text(r, i, 1)));
    if (!s) continue;
    Target t;
    t.ref.target_id = ToInt(Text(r, i, 0));
    t.is_default = Text(r, i, 2) == "t";
    t.kind = Text(r, i, 3);
    auto spec = ParseJson(Text(r, i, 4), "sync " + s->name + " target " + std::to_string(t.ref.target_id));
    if (!spec) return spec.Err();
    t.ref.spec = std::move(spec.Value());
    t.remote_id = Field(r, i, 5).value_or("");
    t.provisioned = Text(r, i, 6) == "t";
    if (t.is_default) s->mapping.default_target_id = t.ref.target_id;
    s->targets.push_back(std::move(t));
  }

  auto fields = Exec(conn, kFields);
  if (!fields) return fields.Err();
  for (int i = 0; i < PQntuples(fields.Value().get()); ++i) {
    const PGresult* r = fields.Value().get();
    Sync* s = find_sync(ToInt(Text(r, i, 0)));
    if (!s) continue;
    const std::string column = Text(r, i, 1);
    const std::string what = "sync " + s->name + " column " + column;
    if (IsNull(r, i, 5)) {
      s->missing_columns.push_back(column);
      continue;
    }
    mapper::FieldRule rule;
    rule.column = column;
    rule.remote_field = Text(r, i, 2);
    auto direction = ParseFieldDirection(Text(r, i, 3));
    if (!direction) return common::ConfigError(what + ": " + direction.Err().message);
    rule.direction = direction.Value();
    connectors::ColumnSpec spec;
    spec.remote_field = rule.remote_field;
    spec.pg_type = Text(r, i, 6);
    spec.is_array = Text(r, i, 7) == "t";
    if (auto labels = Field(r, i, 8)) {
      auto parsed = ParseJson(*labels, what + " enum labels");
      if (!parsed) return parsed.Err();
      for (const auto& l : parsed.Value()) spec.enum_labels.push_back(l.get<std::string>());
    }
    if (auto transform = Field(r, i, 4)) {
      auto parsed = mapper::Transform::Parse(*transform);
      if (!parsed) return common::ConfigError(what + ": transform: " + parsed.Err().message);
      ApplyTransformType(parsed.Value(), spec);
      rule.transform = std::move(parsed.Value());
    }
    s->mapping.fields.push_back(std::move(rule));
    s->columns.push_back(std::move(spec));
  }

  auto rules = Exec(conn, kRules);
  if (!rules) return rules.Err();
  for (int i = 0; i < PQntuples(rules.Value().get()); ++i) {
    const PGresult* r = rules.Value().get();
    Sync* s = find_sync(ToInt(Text(r, i, 0)));
    if (!s) continue;
    const std::string what = "sync " + s->name + " shard rule " + Text(r, i, 1);
    auto normalized = ParseJson(Text(r, i, 2), what);
    if (!normalized) return normalized.Err();
    auto predicate = mapper::Predicate::Parse(normalized.Value());
    if (!predicate) return common::ConfigError(what + ": " + predicate.Err().message);
    s->mapping.rules.push_back(
        mapper::RouteRule{ToInt(Text(r, i, 1)), std::move(predicate.Value()), ToInt(Text(r, i, 3))});
  }

  for (const auto& s : syncs) {
    if (s.mapping.default_target_id == 0) return common::ConfigError("sync " + s.name + " has no default target");
    if (s.mapping.key_columns.empty()) return common::ConfigError("sync " + s.name + " has no key columns");
  }
  return {};
}

}  // namespace
}  // namespace syncbridge::catalog
