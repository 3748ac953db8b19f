#include "catalog/pg.hpp"

#include <cstring>

namespace syncbridge::catalog {
namespace {

// Session settings the rendering of values and the catalog queries assume
// (docs/decode-format.md, "Value typing").
constexpr const char* kSessionOptions =
    "-c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex -c extra_float_digits=3 "
    "-c search_path=pg_catalog -c IntervalStyle=postgres";

bool Succeeded(const PGresult* res) {
  const auto status = PQresultStatus(res);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::vector<const char*> Pointers(const std::vector<Param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  return values;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

common::Result<PgConn> Connect(const std::string& conninfo, const std::string& application_name) {
  // Later keywords override what the expanded conninfo says: a conninfo
  // written for the replication stream still gives a normal session here,
  // and the rendering options cannot be switched off by it.
  const char* keys[] = {"dbname", "replication", "fallback_application_name", "options", nullptr};
  const char* vals[] = {conninfo.c_str(), "false", application_name.c_str(), kSessionOptions, nullptr};
  PgConn conn(PQconnectdbParams(keys, vals, 1));
  if (!conn) return common::TransientError("connection: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn.get());
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    return common::TransientError("connection: " + why);
  }
  return conn;
}

common::Error ErrorOf(PGconn* conn, const PGresult* res, std::string_view what) {
  std::string message = res ? PQresultErrorMessage(res) : "";
  if (message.empty()) message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  std::string text = std::string(what) + ": " + message;
  // A broken connection, a serialization failure or a deadlock may succeed
  // when tried again; anything else is a fault of the statement or the data.
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const bool retryable = PQstatus(conn) != CONNECTION_OK || !state ||
                          std::strncmp(state, "08", 2) == 0 || std::strcmp(state, "40001") == 0 ||
                          std::strcmp(state, "40P01") == 0 || std::strncmp(state, "57P", 3) == 0 ||
                          std::strncmp(state, "53", 2) == 0;
  return retryable ? common::TransientError(std::move(text)) : common::PermanentError(std::move(text));
}

common::Result<PgResult> Exec(PGconn* conn, std::string_view sql, const std::vector<Param>& params) {
  const std::string text(sql);
  const auto values = Pointers(params);
  PgResult res(PQexecParams(conn, text.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                            nullptr, 0));
  if (!res || !Succeeded(res.get())) return ErrorOf(conn, res.get(), "query");
  return res;
}

common::Result<PgResult> Statements::Run(PGconn* conn, const std::string& name, std::string_view sql,
                                         const std::vector<Param>& params) {
  const int pid = PQbackendPID(conn);
  if (pid != backend_pid_) {
    backend_pid_ = pid;
    prepared_.clear();
  }
  const auto values = Pointers(params);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!prepared_.count(name)) {
      const std::string text(sql);
      PgResult prepared(PQprepare(conn, name.c_str(), text.c_str(), static_cast<int>(values.size()), nullptr));
      // 42P05: another Statements on this session prepared it already (the
      // names belong to one module each, so it is the same statement).
      const char* prepare_state = prepared ? PQresultErrorField(prepared.get(), PG_DIAG_SQLSTATE) : nullptr;
      const bool exists = prepare_state && std::strcmp(prepare_state, "42P05") == 0;
      if (!exists && (!prepared || !Succeeded(prepared.get())))
        return ErrorOf(conn, prepared.get(), "prepare " + name);
      prepared_.insert(name);
    }
    PgResult res(PQexecPrepared(conn, name.c_str(), static_cast<int>(values.size()), values.data(), nullptr,
                                nullptr, 0));
    if (res && Succeeded(res.get())) return res;
    const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
    // 26000: the statement is gone (DEALLOCATE ALL, DISCARD ALL by a pooler).
    if (attempt > 0 || !state || std::strcmp(state, "26000") != 0) return ErrorOf(conn, res.get(), name);
    prepared_.erase(name);
  }
  return common::PermanentError(name + ": unreachable");
}

std::optional<std::string> Field(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return std::nullopt;
  return std::string(PQgetvalue(res, row, col), static_cast<std::size_t>(PQgetlength(res, row, col)));
}

std::string Text(const PGresult* res, int row, int col) {
  return std::string(PQgetvalue(res, row, col), static_cast<std::size_t>(PQgetlength(res, row, col)));
}

bool IsNull(const PGresult* res, int row, int col) { return PQgetisnull(res, row, col) != 0; }

std::optional<std::string> UnhexBytea(std::string_view text) {
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve((text.size() - 2) / 2);
  for (std::size_t i = 2; i < text.size(); i += 2) {
    const int hi = HexDigit(text[i]);
    const int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string HexBytea(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string ArrayLiteral(const std::vector<Param>& elements) {
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i) out += ',';
    if (!elements[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *elements[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace syncbridge::catalog
