#include "app/check.hpp"

#include <cstdio>

#include "stream/replication.hpp"

namespace syncbridge::app {

int RunCheck(const std::string& conninfo, const std::string& slot, const std::string& publication) {
  stream::ConnPtr conn(PQconnectdb(conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    std::fprintf(stderr, "FAIL connect: %s", conn ? PQerrorMessage(conn.get()) : "out of memory\n");
    return 1;
  }
  auto query = [&](const char* sql, const std::string& arg) -> std::string {
    const char* params[] = {arg.c_str()};
    stream::ResultPtr r(PQexecParams(conn.get(), sql, arg.empty() ? 0 : 1, nullptr, arg.empty() ? nullptr : params,
                                     nullptr, nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) return "";
    return PQgetvalue(r.get(), 0, 0);
  };
  int failures = 0;
  auto report = [&](bool ok, const std::string& what, const std::string& why) {
    std::printf("%s %s%s%s\n", ok ? "ok  " : "FAIL", what.c_str(), ok ? "" : ": ", ok ? "" : why.c_str());
    if (!ok) ++failures;
  };
  std::string wal_level = query("SELECT current_setting('wal_level')", "");
  report(wal_level == "logical", "wal_level", "is '" + wal_level + "', must be 'logical' (restart needed)");
  std::string plugin = query("SELECT coalesce(plugin, '') || '/' || slot_type FROM pg_replication_slots WHERE slot_name = $1", slot);
  report(!plugin.empty(), "slot " + slot + " exists", "no such replication slot; create it with pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
  if (!plugin.empty()) report(plugin == "pgoutput/logical", "slot uses pgoutput", "slot is " + plugin);
  std::string pub = query("SELECT count(*) FROM pg_publication WHERE pubname = $1", publication);
  report(pub == "1", "publication " + publication + " exists", "no such publication");
  std::string repl = query("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user", "");
  report(repl == "t", "replication privilege", "role lacks REPLICATION; ALTER ROLE ... REPLICATION");
  return failures == 0 ? 0 : 1;
}

}  // namespace syncbridge::app
