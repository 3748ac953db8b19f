// libpq plumbing shared by catalog/ and ledger/: owned handles, a session
// with the settings the sidecar's SQL relies on, and results as values.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.hpp"

namespace syncbridge::catalog {

struct PgConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* res) const { PQclear(res); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// A normal (never replication) session with the settings that make text
// values render as `syncbridged decode` prints them (DateStyle=ISO,
// TimeZone=UTC, bytea_output=hex, extra_float_digits=3) and search_path =
// pg_catalog, so format_type() qualifies every user type. A connection
// failure is transient: the caller retries.
common::Result<PgConn> Connect(const std::string& conninfo, const std::string& application_name = "syncbridged");

// A parameter: text form, or SQL NULL.
using Param = std::optional<std::string>;

// Runs one statement; a failed one is a transient error when the connection
// broke and permanent otherwise, with the server's message.
common::Result<PgResult> Exec(PGconn* conn, std::string_view sql, const std::vector<Param>& params = {});
// The prepared statements of one session: each is prepared the first time
// it runs on a backend (a reconnect is a new backend, noticed by its pid),
// then runs in one round trip. Names are per module ("sb_ledger_commit"):
// two Statements on one session share them.
class Statements {
 public:
  common::Result<PgResult> Run(PGconn* conn, const std::string& name, std::string_view sql,
                               const std::vector<Param>& params);

 private:
  int backend_pid_ = 0;
  std::set<std::string> prepared_;
};

// The error of a failed command, as a Status.
common::Error ErrorOf(PGconn* conn, const PGresult* res, std::string_view what);

// Field accessors: NULL → nullopt / empty.
std::optional<std::string> Field(const PGresult* res, int row, int col);
std::string Text(const PGresult* res, int row, int col);
bool IsNull(const PGresult* res, int row, int col);

// bytea's hex output ("\x0a1b…") → raw bytes; nullopt when malformed.
std::optional<std::string> UnhexBytea(std::string_view text);
// Raw bytes → bytea hex input ("\x0a1b…").
std::string HexBytea(std::string_view bytes);

// A one-dimensional array literal of text elements ("{"a","b",NULL}"): every
// element quoted, so any text (jsonb, bytea hex, names) survives.
std::string ArrayLiteral(const std::vector<Param>& elements);

}  // namespace syncbridge::catalog
