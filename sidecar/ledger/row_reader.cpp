#include "ledger/row_reader.hpp"

#include <set>

#include "catalog/pg.hpp"
#include "mapper/content_hash.hpp"
#include "pgoutput/render.hpp"

namespace syncbridge::ledger {
namespace {

using nlohmann::json;

// Published columns: not dropped, not generated (pgoutput leaves those out).
constexpr const char* kShape = R"SQL(
SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname),
       (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
          FROM pg_attribute a
         WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.oid = $1::oid
)SQL";

// As stream/type_resolver: user types down to built-ins.
constexpr const char* kTypes = R"SQL(
WITH RECURSIVE walk(oid, depth) AS (
  SELECT o, 0 FROM unnest($1::oid[]) AS o
  UNION
  SELECT n.x, w.depth + 1
    FROM walk w
    JOIN pg_type t ON t.oid = w.oid
    CROSS JOIN LATERAL (VALUES (t.typbasetype), (t.typelem)) AS n(x)
   WHERE n.x >= 10000 AND w.depth < 32
)
SELECT DISTINCT t.oid, t.typtype, t.typbasetype, t.typelem, t.typcategory, t.typdelim, n.nspname, t.typname
  FROM walk w JOIN pg_type t ON t.oid = w.oid JOIN pg_namespace n ON n.oid = t.typnamespace
)SQL";

std::string ColumnList(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += ", ";
    out += "t." + QuoteIdent(c);
  }
  return out;
}

std::string SqlLiteral(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

common::Result<RowReader::Shape> RowReader::ShapeOf(std::uint32_t relation_oid) {
  // Looked up on every call: an ALTER TABLE between two calls must not make
  // a read name a column that is gone or miss one that was added.
  auto res = catalog::Exec(conn_, kShape, {std::to_string(relation_oid)});
  if (!res) return res.Err();
  const PGresult* r = res.Value().get();
  if (PQntuples(r) != 1) return common::PermanentError("relation " + std::to_string(relation_oid) + " does not exist");
  Shape shape;
  shape.table = catalog::Text(r, 0, 0);
  const json cols = json::parse(catalog::Field(r, 0, 1).value_or("[]"), nullptr, false);
  if (!cols.is_array()) return common::ProtocolError("unreadable column list of " + shape.table);
  for (const auto& c : cols) {
    shape.columns.push_back(c[0].get<std::string>());
    shape.types[c[0].get<std::string>()] = c[1].get<std::string>();
  }
  return shape;
}

common::Result<std::string> RowReader::KeyCasts(const Shape& shape, const std::vector<std::string>& key_columns,
                                                const std::string& source) const {
  if (key_columns.empty()) return common::ConfigError("no key columns");
  std::string out;
  for (const auto& k : key_columns) {
    auto it = shape.types.find(k);
    if (it == shape.types.end()) return common::ConfigError("key column " + k + " is not a column of " + shape.table);
    if (!out.empty()) out += ", ";
    // ->> gives a JSON string's text and any other value's JSON text, which
    // is the input form of every key type decode renders (numbers, numeric
    // strings, ISO dates and times, uuid, "\x…" bytea, enum labels, jsonb).
    // format_type() names are schema-qualified under search_path=pg_catalog.
    out += "(" + source + " ->> " + SqlLiteral(k) + ")::" + it->second;
  }
  return out;
}

common::Result<std::vector<json>> RowReader::Render(const PGresult* res) {
  const int ncols = PQnfields(res);
  std::set<std::uint32_t> unknown;
  for (int c = 0; c < ncols; ++c) {
    const std::uint32_t oid = PQftype(res, c);
    if (pgoutput::TypeRegistry::IsUserOid(oid) && !types_.Resolved(oid)) unknown.insert(oid);
  }
  if (!unknown.empty()) {
    std::vector<catalog::Param> oids;
    for (auto o : unknown) oids.emplace_back(std::to_string(o));
    auto rows = catalog::Exec(conn_, kTypes, {catalog::ArrayLiteral(oids)});
    if (!rows) return rows.Err();
    std::vector<pgoutput::TypeRow> found;
    const PGresult* r = rows.Value().get();
    for (int i = 0; i < PQntuples(r); ++i) {
      pgoutput::TypeRow row;
      row.oid = static_cast<std::uint32_t>(std::stoul(catalog::Text(r, i, 0)));
      row.typtype = catalog::Text(r, i, 1)[0];
      row.basetype = static_cast<std::uint32_t>(std::stoul(catalog::Text(r, i, 2)));
      row.elem = static_cast<std::uint32_t>(std::stoul(catalog::Text(r, i, 3)));
      row.category = catalog::Text(r, i, 4)[0];
      row.delim = catalog::Text(r, i, 5)[0];
      row.schema = catalog::Text(r, i, 6);
      row.name = catalog::Text(r, i, 7);
      found.push_back(std::move(row));
    }
    types_.Add(found);
  }
  std::vector<std::uint32_t> render_oids(static_cast<std::size_t>(ncols));
  std::vector<std::string> names(static_cast<std::size_t>(ncols));
  for (int c = 0; c < ncols; ++c) {
    render_oids[c] = types_.RenderOid(PQftype(res, c));
    names[c] = PQfname(res, c);
  }
  std::vector<json> rows;
  rows.reserve(static_cast<std::size_t>(PQntuples(res)));
  for (int i = 0; i < PQntuples(res); ++i) {
    json row = json::object();
    for (int c = 0; c < ncols; ++c) {
      if (PQgetisnull(res, i, c)) {
        row[names[c]] = nullptr;
        continue;
      }
      const std::string rendered = pgoutput::RenderValue(
          render_oids[c], std::string_view(PQgetvalue(res, i, c), static_cast<std::size_t>(PQgetlength(res, i, c))));
      json value = json::parse(rendered, nullptr, false);
      if (value.is_discarded()) return common::ProtocolError("column " + names[c] + ": rendered value is not JSON");
      row[names[c]] = std::move(value);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

common::Result<std::map<std::string, json>> RowReader::ReadRows(std::uint32_t relation_oid,
                                                                const std::vector<std::string>& key_columns,
                                                                const std::vector<json>& keys) {
  std::map<std::string, json> out;
  if (keys.empty()) return out;
  auto shape = ShapeOf(relation_oid);
  if (!shape) return shape.Err();
  auto casts = KeyCasts(shape.Value(), key_columns, "x");
  if (!casts) return casts.Err();
  std::string key_list;
  for (const auto& k : key_columns) key_list += (key_list.empty() ? "t." : ", t.") + QuoteIdent(k);
  const std::string sql = "SELECT " + ColumnList(shape.Value().columns) + " FROM " + shape.Value().table +
                          " AS t WHERE (" + key_list + ") IN (SELECT " + casts.Value() +
                          " FROM unnest($1::jsonb[]) AS x)";
  std::vector<catalog::Param> texts;
  for (const auto& k : keys) texts.emplace_back(k.dump());
  auto res = catalog::Exec(conn_, sql, {catalog::ArrayLiteral(texts)});
  if (!res) return res.Err();
  auto rows = Render(res.Value().get());
  if (!rows) return rows.Err();
  for (auto& row : rows.Value()) {
    json key = json::object();
    for (const auto& k : key_columns) key[k] = row[k];
    out.emplace(mapper::RowKeyText(key), std::move(row));
  }
  return out;
}

common::Result<std::vector<json>> RowReader::ReadChunk(std::uint32_t relation_oid,
                                                       const std::vector<std::string>& key_columns,
                                                       const std::optional<json>& after_key, int limit) {
  auto shape = ShapeOf(relation_oid);
  if (!shape) return shape.Err();
  std::string key_list;
  for (const auto& k : key_columns) key_list += (key_list.empty() ? "t." : ", t.") + QuoteIdent(k);
  std::string sql = "SELECT " + ColumnList(shape.Value().columns) + " FROM " + shape.Value().table + " AS t";
  std::vector<catalog::Param> params = {std::to_string(limit)};
  if (after_key) {
    auto casts = KeyCasts(shape.Value(), key_columns, "$2::jsonb");
    if (!casts) return casts.Err();
    // A row comparison walks the key's unique index in order.
    sql += " WHERE (" + key_list + ") > (" + casts.Value() + ")";
    params.emplace_back(after_key->dump());
  }
  sql += " ORDER BY " + key_list + " LIMIT $1::bigint";
  auto res = catalog::Exec(conn_, sql, params);
  if (!res) return res.Err();
  return Render(res.Value().get());
}

}  // namespace syncbridge::ledger
