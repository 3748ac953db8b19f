// Connectors for the targets of the current catalog snapshot. A connector
// (and its token cache) lives as long as its connection's settings and
// secrets stay the same across reloads; batches in flight keep theirs alive
// through the shared_ptr.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "catalog/snapshot.hpp"
#include "connectors/sharepoint.hpp"
#include "engine/ports.hpp"

namespace syncbridge::daemon {

class SnapshotConnectors : public engine::ConnectorRegistry {
 public:
  void Update(std::shared_ptr<const catalog::Snapshot> snapshot);

  std::shared_ptr<connectors::Connector> ConnectorFor(int target_id, connectors::TargetRef* target,
                                                      std::string* error) override;
  // The connector of a connection (provisioning); null with the reason when unusable.
  std::shared_ptr<connectors::Connector> ForConnection(int connection_id, std::string* error);
  // The connection a target belongs to; 0 when unknown.
  int ConnectionOfTarget(int target_id) const;

 private:
  struct Entry {
    std::string fingerprint;  // settings and secrets the connector was built from
    std::shared_ptr<connectors::Connector> connector;
  };
  std::shared_ptr<connectors::Connector> Build(const catalog::Connection& connection, std::string* error);

  std::shared_ptr<const catalog::Snapshot> snapshot_;
  std::map<int, Entry> connectors_;  // by connection id
  std::map<int, std::pair<int, connectors::TargetRef>> targets_;  // target id → (connection id, ref)
};

}  // namespace syncbridge::daemon
