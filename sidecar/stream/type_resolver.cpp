#include "stream/type_resolver.hpp"

namespace syncbridge::stream {
namespace {

// Walks domain base types and array element types down to built-ins (OIDs
// below 10000 need no row); the depth bound only guards against a cycle.
constexpr const char* kQuery = R"SQL(
WITH RECURSIVE walk(oid, depth) AS (
  SELECT o, 0 FROM unnest($1::pg_catalog.oid[]) AS o
  UNION
  SELECT n.x, w.depth + 1
    FROM walk w
    JOIN pg_catalog.pg_type t ON t.oid = w.oid
    CROSS JOIN LATERAL (VALUES (t.typbasetype), (t.typelem)) AS n(x)
   WHERE n.x >= 10000 AND w.depth < 32
)
SELECT DISTINCT t.oid, t.typtype, t.typbasetype, t.typelem, t.typcategory, t.typdelim, n.nspname, t.typname
  FROM walk w
  JOIN pg_catalog.pg_type t ON t.oid = w.oid
  JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
)SQL";

}  // namespace

common::Result<std::vector<pgoutput::TypeRow>> TypeResolver::Fetch(
    const std::vector<std::uint32_t>& oids) {
  if (oids.empty()) return std::vector<pgoutput::TypeRow>{};
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    // Later keywords override what the expanded conninfo says, so a conninfo
    // that itself asks for replication still gives a normal session here.
    const char* keys[] = {"dbname", "replication", "fallback_application_name", nullptr};
    const char* vals[] = {conninfo_.c_str(), "false", "syncbridged", nullptr};
    conn_.reset(PQconnectdbParams(keys, vals, 1));
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
      std::string why = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
      conn_.reset();
      return common::TransientError("type lookup connection: " + why);
    }
  }
  std::string array = "{";
  for (std::size_t i = 0; i < oids.size(); ++i) {
    if (i) array += ',';
    array += std::to_string(oids[i]);
  }
  array += '}';
  const char* params[] = {array.c_str()};
  ResultPtr r(PQexecParams(conn_.get(), kQuery, 1, nullptr, params, nullptr, nullptr, 0));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
    std::string why = PQerrorMessage(conn_.get());
    conn_.reset();
    return common::TransientError("type lookup: " + why);
  }
  std::vector<pgoutput::TypeRow> rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    pgoutput::TypeRow row;
    row.oid = static_cast<std::uint32_t>(std::stoul(PQgetvalue(r.get(), i, 0)));
    row.typtype = PQgetvalue(r.get(), i, 1)[0];
    row.basetype = static_cast<std::uint32_t>(std::stoul(PQgetvalue(r.get(), i, 2)));
    row.elem = static_cast<std::uint32_t>(std::stoul(PQgetvalue(r.get(), i, 3)));
    row.category = PQgetvalue(r.get(), i, 4)[0];
    row.delim = PQgetvalue(r.get(), i, 5)[0];
    row.schema = PQgetvalue(r.get(), i, 6);
    row.name = PQgetvalue(r.get(), i, 7);
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace syncbridge::stream
