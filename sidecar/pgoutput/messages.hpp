// pgoutput protocol 1/2 messages as plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/lsn.hpp"

namespace syncbridge::pgoutput {

using common::Lsn;
using common::RelId;
using common::Xid;

// Tri-state column: NULL, unchanged TOAST (value not sent), or a value.
struct Column {
  enum class Kind { kNull, kUnchangedToast, kText, kBinary };
  Kind kind = Kind::kNull;
  std::string data;
};
using Tuple = std::vector<Column>;

struct Begin { Lsn final_lsn; std::int64_t commit_time_us = 0; Xid xid; };
struct Commit { std::uint8_t flags = 0; Lsn commit_lsn; Lsn end_lsn; std::int64_t commit_time_us = 0; };
struct Origin { Lsn commit_lsn; std::string name; };
struct RelationColumn { bool key = false; std::string name; std::uint32_t type_oid = 0; std::int32_t typmod = -1; };
struct Relation {
  std::optional<Xid> xid;
  RelId id;
  std::string schema;
  std::string name;
  char replica_identity = 'd';
  std::vector<RelationColumn> columns;
};
struct Type { std::optional<Xid> xid; std::uint32_t oid = 0; std::string schema; std::string name; };
struct Insert { std::optional<Xid> xid; RelId rel; Tuple new_tuple; };
struct Update {
  std::optional<Xid> xid;
  RelId rel;
  char old_kind = 0;  // 0 = no old tuple, 'K' = old key, 'O' = old row
  Tuple old_tuple;
  Tuple new_tuple;
};
struct Delete { std::optional<Xid> xid; RelId rel; char old_kind = 'K'; Tuple old_tuple; };
struct Truncate { std::optional<Xid> xid; bool cascade = false; bool restart_identity = false; std::vector<RelId> rels; };
struct Message { std::optional<Xid> xid; bool transactional = false; Lsn lsn; std::string prefix; std::string content; };
struct StreamStart { Xid xid; bool first_segment = false; };
struct StreamStop {};
struct StreamCommit { Xid xid; std::uint8_t flags = 0; Lsn commit_lsn; Lsn end_lsn; std::int64_t commit_time_us = 0; };
struct StreamAbort { Xid xid; Xid subxid; };

using Decoded = std::variant<Begin, Commit, Origin, Relation, Type, Insert, Update, Delete, Truncate,
                             Message, StreamStart, StreamStop, StreamCommit, StreamAbort>;

}  // namespace syncbridge::pgoutput
