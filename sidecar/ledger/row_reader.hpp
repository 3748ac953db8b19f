// Current rows of a source table, rendered exactly as `syncbridged decode`
// renders values (docs/decode-format.md): for a change that lacks a value
// the router needs (unchanged TOAST, a shard rule on a column not sent) and
// for backfill in key order.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "pgoutput/type_registry.hpp"

namespace syncbridge::ledger {

// Rows as JSON objects: column → canonical value, every published column
// (generated columns are not published, so not read either).
class RowReader {
 public:
  // conn: a catalog::Connect session (its DateStyle/TimeZone/bytea_output/
  // extra_float_digits are what the rendering assumes).
  explicit RowReader(PGconn* conn) : conn_(conn) {}

  // The rows with these keys (JSON objects of the key columns' canonical
  // values), by mapper::RowKeyText of the key; a key whose row is gone is
  // absent. One round trip for the rows (plus one for the table's shape, and
  // one the first time a user type is seen).
  common::Result<std::map<std::string, nlohmann::json>> ReadRows(std::uint32_t relation_oid,
                                                                 const std::vector<std::string>& key_columns,
                                                                 const std::vector<nlohmann::json>& keys);

  // Up to `limit` rows after `after_key` (none: from the start) in key order,
  // for resumable backfill: the last row's key is the next call's after_key.
  common::Result<std::vector<nlohmann::json>> ReadChunk(std::uint32_t relation_oid,
                                                        const std::vector<std::string>& key_columns,
                                                        const std::optional<nlohmann::json>& after_key, int limit);

 private:
  struct Shape {
    std::string table;                       // quoted schema.table
    std::vector<std::string> columns;        // published columns, attnum order
    std::map<std::string, std::string> types;  // column → format_type()
  };
  common::Result<Shape> ShapeOf(std::uint32_t relation_oid);
  // The key columns' values from a jsonb parameter, cast to their types:
  // what both the IN list and the row comparison need.
  common::Result<std::string> KeyCasts(const Shape& shape, const std::vector<std::string>& key_columns,
                                       const std::string& source) const;
  common::Result<std::vector<nlohmann::json>> Render(const PGresult* res);

  PGconn* conn_;
  pgoutput::TypeRegistry types_;
};

// "name" with embedded quotes doubled.
std::string QuoteIdent(const std::string& name);

}  // namespace syncbridge::ledger
