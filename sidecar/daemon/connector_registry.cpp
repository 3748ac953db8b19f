#include "daemon/connector_registry.hpp"

#include "connectors/graph_token.hpp"

namespace syncbridge::daemon {

namespace {

std::string Setting(const catalog::Connection& c, const char* name, const std::string& fallback = {}) {
  auto it = c.settings.find(name);
  return it != c.settings.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string Fingerprint(const catalog::Connection& c) {
  std::string f = c.kind + '\n' + c.settings.dump() + '\n' + c.error;
  for (const auto& [name, value] : c.secrets) f += '\n' + name + '=' + value;
  return f;
}

}  // namespace

void SnapshotConnectors::Update(std::shared_ptr<const catalog::Snapshot> snapshot) {
  snapshot_ = std::move(snapshot);
  targets_.clear();
  for (const auto& sync : snapshot_->Syncs())
    for (const auto& target : sync.targets) targets_[target.ref.target_id] = {sync.connection_id, target.ref};
  std::map<int, Entry> kept;
  for (const auto& connection : snapshot_->Connections()) {
    auto it = connectors_.find(connection.connection_id);
    if (it != connectors_.end() && it->second.fingerprint == Fingerprint(connection))
      kept.emplace(connection.connection_id, std::move(it->second));
  }
  connectors_ = std::move(kept);
}

int SnapshotConnectors::ConnectionOfTarget(int target_id) const {
  auto it = targets_.find(target_id);
  return it == targets_.end() ? 0 : it->second.first;
}

std::shared_ptr<connectors::Connector> SnapshotConnectors::ConnectorFor(int target_id, connectors::TargetRef* target,
                                                                        std::string* error) {
  auto it = targets_.find(target_id);
  if (it == targets_.end()) {
    *error = "target " + std::to_string(target_id) + " is no longer defined";
    return nullptr;
  }
  *target = it->second.second;
  return ForConnection(it->second.first, error);
}

std::shared_ptr<connectors::Connector> SnapshotConnectors::ForConnection(int connection_id, std::string* error) {
  const catalog::Connection* connection = snapshot_ ? snapshot_->ConnectionById(connection_id) : nullptr;
  if (!connection) {
    *error = "connection " + std::to_string(connection_id) + " is no longer defined";
    return nullptr;
  }
  if (!connection->Usable()) {
    *error = connection->error;
    return nullptr;
  }
  auto it = connectors_.find(connection_id);
  if (it != connectors_.end()) return it->second.connector;
  auto built = Build(*connection, error);
  if (built) connectors_[connection_id] = {Fingerprint(*connection), built};
  return built;
}

std::shared_ptr<connectors::Connector> SnapshotConnectors::Build(const catalog::Connection& connection,
                                                                 std::string* error) {
  if (connection.kind != "sharepoint") {
    *error = "connection \"" + connection.name + "\": " + connection.kind +
             " targets are not served by this syncbridged version (SharePoint only)";
    return nullptr;
  }
  auto secret = connection.secrets.find("client_secret");
  if (secret == connection.secrets.end()) {
    *error = "connection \"" + connection.name +
             "\" has no client_secret: SELECT syncbridge.set_secret('" + connection.name +
             "', 'client_secret', '...')";
    return nullptr;
  }
  connectors::ClientCredentials credentials;
  credentials.login_base_url = Setting(connection, "login_base_url", credentials.login_base_url);
  credentials.tenant = Setting(connection, "tenant_id");
  credentials.client_id = Setting(connection, "client_id");
  credentials.client_secret = secret->second;
  connectors::SharePointSettings settings;
  settings.graph_base_url = Setting(connection, "graph_base_url", settings.graph_base_url);
  settings.default_site = Setting(connection, "site");
  credentials.scope = connectors::DefaultScopeFor(settings.graph_base_url);
  return std::make_shared<connectors::SharePointConnector>(
      settings, std::make_shared<connectors::GraphTokenSource>(std::move(credentials)));
}

}  // namespace syncbridge::daemon
