#include "app/check.hpp"

#include <sodium.h>

#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "catalog/pg.hpp"
#include "catalog/snapshot.hpp"
#include "connectors/graph_token.hpp"
#include "crypto/sealed_box.hpp"
#include "http/client.hpp"
#include "stream/replication.hpp"

namespace syncbridge::app {
namespace {

// One line per check, in the order they run; counts the failures.
class Reporter {
 public:
  void Ok(const std::string& what) { std::printf("ok   %s\n", what.c_str()); }
  void Fail(const std::string& what, const std::string& why) {
    std::printf("FAIL %s: %s\n", what.c_str(), why.c_str());
    ++failures_;
  }
  // Not checked: never a failure, but always said, with what would enable it.
  void Skip(const std::string& what, const std::string& why) { std::printf("skip %s: %s\n", what.c_str(), why.c_str()); }
  void Check(bool ok, const std::string& what, const std::string& why) { ok ? Ok(what) : Fail(what, why); }
  int Failures() const { return failures_; }

 private:
  int failures_ = 0;
};

// What the server must provide for a slot client.
void CheckServer(PGconn* conn, const CheckOptions& options, Reporter& report) {
  auto query = [&](const char* sql, const std::string& arg) -> std::string {
    const char* params[] = {arg.c_str()};
    stream::ResultPtr r(PQexecParams(conn, sql, arg.empty() ? 0 : 1, nullptr, arg.empty() ? nullptr : params, nullptr,
                                     nullptr, 0));
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) return "";
    return PQgetvalue(r.get(), 0, 0);
  };
  const std::string& slot = options.slot;
  std::string wal_level = query("SELECT current_setting('wal_level')", "");
  report.Check(wal_level == "logical", "wal_level", "is '" + wal_level + "', must be 'logical' (restart needed)");
  std::string plugin =
      query("SELECT coalesce(plugin, '') || '/' || slot_type FROM pg_replication_slots WHERE slot_name = $1", slot);
  report.Check(!plugin.empty(), "slot " + slot + " exists",
               "no such replication slot; create it with pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
  if (!plugin.empty()) report.Check(plugin == "pgoutput/logical", "slot uses pgoutput", "slot is " + plugin);
  std::string pub = query("SELECT count(*) FROM pg_publication WHERE pubname = $1", options.publication);
  report.Check(pub == "1", "publication " + options.publication + " exists", "no such publication");
  std::string repl = query("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user", "");
  report.Check(repl == "t", "replication privilege", "role lacks REPLICATION; ALTER ROLE ... REPLICATION");
}

// The secrets a connection needs, as syncbridge._required_secrets() says
// (that function is internal to the extension and not granted to the
// sidecar's role, so its three cases are repeated here).
std::vector<std::string> RequiredSecrets(const catalog::Connection& c) {
  if (c.kind == "sharepoint") return {"client_secret"};
  if (c.kind == "confluence" && c.settings.value("auth", "") == "api_token") return {"api_token"};
  if (c.kind == "confluence") return {"client_secret", "refresh_token"};
  return {};
}

std::string Setting(const catalog::Connection& c, const char* name, const char* fallback = "") {
  auto it = c.settings.find(name);
  return it != c.settings.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string Secret(const catalog::Connection& c, const std::string& name) {
  auto it = c.secrets.find(name);
  return it == c.secrets.end() ? "" : it->second;
}

// Asks the connection's token endpoint for an app-only token, as the daemon
// will. Empty when it answered with a token; otherwise why not.
std::string CheckGraphToken(http::Client& client, const catalog::Connection& c) {
  connectors::ClientCredentials credentials;
  credentials.login_base_url = Setting(c, "login_base_url", "https://login.microsoftonline.com");
  credentials.tenant = Setting(c, "tenant_id");
  credentials.client_id = Setting(c, "client_id");
  credentials.client_secret = Secret(c, "client_secret");
  credentials.scope = connectors::DefaultScopeFor(Setting(c, "graph_base_url", "https://graph.microsoft.com/v1.0"));
  connectors::GraphTokenSource tokens(std::move(credentials));
  auto token = tokens.Token(client);
  if (token) return "";
  // Identity refusals and HTTP errors carry the endpoint's answer (AADSTS
  // text); a transport failure is the HTTP client's message, which names
  // the request: say plainly that nothing answered.
  const std::string& message = token.Err().message;
  if (token.Err().kind == common::ErrorKind::kTransient && message.rfind("token request", 0) != 0)
    return "token endpoint did not answer: " + message;
  return message;
}

std::string Base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.find('\0'));
  return out;
}

// API-token Confluence: the smallest authenticated v2 call on the site.
// Empty when it answered 200; otherwise why not.
std::string CheckConfluenceApiToken(http::Client& client, const catalog::Connection& c) {
  std::string base = Setting(c, "api_base_url");
  if (base.empty()) base = "https://" + Setting(c, "site");
  http::Request request{"GET",
                        base + "/wiki/api/v2/spaces?limit=1",
                        {{"Accept", "application/json"},
                         {"Authorization", "Basic " + Base64(Setting(c, "email") + ":" + Secret(c, "api_token"))}},
                        ""};
  auto sent = client.Send(request);
  if (!sent) return "Confluence did not answer: " + sent.Err().message;
  const http::Response& response = sent.Value();
  if (response.status == 200) return "";
  std::string why = "GET " + request.url + " answered HTTP " + std::to_string(response.status);
  // v2 errors: {"errors":[{"status","code","title"}]}; other shapes: the status alone.
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array() && !body["errors"].empty() &&
      body["errors"][0].is_object()) {
    const auto& first = body["errors"][0];
    why += ": " + first.value("code", "") + " " + first.value("title", "");
  }
  return why;
}

// With the key file: the key is the registered one, it opens every secret,
// and every connection's endpoint accepts what the secrets say.
void CheckKeyAndConnections(const CheckOptions& options, Reporter& report) {
  auto keys = crypto::LoadKeyFile(options.key_file);
  if (!keys) {
    report.Fail("key file " + options.key_file, keys.Err().message);
    return;
  }
  report.Ok("key file " + options.key_file);
  auto conn = catalog::Connect(options.conninfo, "syncbridged check");
  if (!conn) {
    report.Fail("catalog", conn.Err().message);
    return;
  }
  PGconn* pg = conn.Value().get();
  auto installed = catalog::Exec(pg, "SELECT count(*) FROM pg_extension WHERE extname = 'syncbridge'");
  if (!installed || catalog::Text(installed.Value().get(), 0, 0) != "1") {
    report.Fail("extension syncbridge installed",
                installed ? "not in this database; CREATE EXTENSION syncbridge" : installed.Err().message);
    return;
  }
  report.Ok("extension syncbridge installed");

  const std::string literal = keys.Value().PublicKeyLiteral();
  auto registered = catalog::Exec(pg,
                                  "SELECT left(encode(sha256($1::bytea), 'hex'), 16), "
                                  "(SELECT fingerprint FROM syncbridge.sidecar_key WHERE active), "
                                  "EXISTS (SELECT FROM syncbridge.sidecar_key WHERE active AND public_key = $1::bytea)",
                                  {literal});
  if (!registered) {
    report.Fail("catalog", registered.Err().message);
    return;
  }
  const PGresult* r = registered.Value().get();
  const std::string ours = catalog::Text(r, 0, 0);
  const std::string active = catalog::Text(r, 0, 1);
  report.Check(catalog::Text(r, 0, 2) == "t", "sidecar key " + ours + " is the registered one",
               (active.empty() ? std::string("no sidecar key is registered")
                               : "the registered sidecar key is " + active) +
                   "; SELECT syncbridge.register_sidecar_key('" + literal + "') (secrets must then be set again)");

  auto snapshot = catalog::Snapshot::Load(pg, keys.Value());
  if (!snapshot) {
    report.Fail("catalog", snapshot.Err().message);
    return;
  }
  auto stored = catalog::Exec(pg, "SELECT connection_id, name FROM syncbridge.secret");
  if (!stored) {
    report.Fail("catalog", stored.Err().message);
    return;
  }
  std::set<std::pair<int, std::string>> present;
  for (int i = 0; i < PQntuples(stored.Value().get()); ++i)
    present.emplace(std::stoi(catalog::Text(stored.Value().get(), i, 0)), catalog::Text(stored.Value().get(), i, 1));

  const auto& connections = snapshot.Value()->Connections();
  if (connections.empty()) {
    report.Skip("connections", "none declared yet (syncbridge.create_connection)");
    return;
  }
  http::CurlGlobal curl;
  http::ClientOptions http_options;
  http_options.connect_timeout = std::chrono::milliseconds(5000);
  http_options.request_timeout = std::chrono::milliseconds(20000);
  http::Client client(http_options);
  for (const auto& c : connections) {
    const std::string what = "connection " + c.name;
    std::string why = c.error;
    for (const auto& name : RequiredSecrets(c)) {
      if (present.count({c.connection_id, name})) continue;
      if (!why.empty()) why += "; ";
      why += "secret '" + name + "' is missing: SELECT syncbridge.set_secret('" + c.name + "', '" + name + "', '...')";
    }
    report.Check(why.empty(), what + ": secrets open", why);
    const bool oauth = c.kind == "confluence" && Setting(c, "auth") != "api_token";
    const std::string remote = c.kind == "sharepoint" ? what + ": token endpoint answers"
                                                      : what + ": Confluence answers";
    if (oauth) {
      report.Skip(what, "not checked: Confluence OAuth arrives with issue 7");
    } else if (!why.empty()) {
      report.Skip(remote, "needs the secrets above");
    } else if (c.kind == "sharepoint") {
      std::string failed = CheckGraphToken(client, c);
      report.Check(failed.empty(), remote, failed);
    } else {
      std::string failed = CheckConfluenceApiToken(client, c);
      report.Check(failed.empty(), remote, failed);
    }
  }
}

}  // namespace

int RunCheck(const CheckOptions& options) {
  stream::ConnPtr conn(PQconnectdb(options.conninfo.c_str()));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
    std::fprintf(stderr, "FAIL connect: %s", conn ? PQerrorMessage(conn.get()) : "out of memory\n");
    return 1;
  }
  Reporter report;
  CheckServer(conn.get(), options, report);
  conn.reset();
  if (options.key_file.empty())
    report.Skip("secrets and token endpoints", "no key file; pass --key-file FILE (or SYNCBRIDGE_KEY_FILE) to check them");
  else
    CheckKeyAndConnections(options, report);
  std::fflush(stdout);
  return report.Failures() == 0 ? 0 : 1;
}

}  // namespace syncbridge::app
