// SharePoint lists through Microsoft Graph v1.0: items written in JSON
// batches of up to 20, the row key kept in a hidden indexed column, lists and
// columns provisioned from the table.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "connectors/connector.hpp"
#include "connectors/graph_token.hpp"
#include "connectors/graph_values.hpp"

namespace syncbridge::connectors {

// The hidden, indexed column that carries each item's row key.
inline constexpr const char* kKeyField = "SyncBridgeKey";

struct SharePointSettings {
  std::string graph_base_url = "https://graph.microsoft.com/v1.0";
  std::string default_site;  // the connection's "site": hostname:/path or a site id
};

class SharePointConnector : public Connector {
 public:
  SharePointConnector(SharePointSettings settings, std::shared_ptr<GraphTokenSource> tokens);

  common::Result<std::vector<OperationResult>> Apply(http::Client& client, const TargetRef& target,
                                                     const std::vector<Operation>& ops) override;
  common::Result<std::optional<RemoteItem>> FindByKey(http::Client& client, const TargetRef& target,
                                                      const std::string& row_key) override;
  common::Status Provision(http::Client& client, const TargetRef& target,
                           const std::vector<ColumnSpec>& columns) override;
  std::size_t MaxBatch() const override { return 20; }
  common::Result<std::string> RemoteIdOf(http::Client& client, const TargetRef& target) override {
    return ListId(client, target);
  }

  // The resolved Graph list id of a target (for the catalog's target.remote_id).
  common::Result<std::string> ListId(http::Client& client, const TargetRef& target);

 private:
  struct ListInfo {
    std::string site_id;
    std::string list_id;
    std::map<std::string, GraphColumn> columns;  // by internal name
  };

  // An authenticated Graph call (path below the version root), retried once
  // with a new token after a 401.
  common::Result<http::Response> Call(http::Client& client, const std::string& method, const std::string& path,
                                      const nlohmann::json& body = nullptr);
  common::Result<std::string> SiteId(http::Client& client, const std::string& site);
  common::Result<ListInfo> List(http::Client& client, const TargetRef& target, bool refresh = false);
  // nullopt when the list does not exist (404); never cached.
  common::Result<std::optional<ListInfo>> FindList(http::Client& client, const TargetRef& target);
  common::Status LoadColumns(http::Client& client, ListInfo& list);
  common::Result<nlohmann::json> EncodeFields(http::Client& client, const TargetRef& target, ListInfo& list,
                                              const nlohmann::json& fields);
  std::string ItemsPath(const ListInfo& list) const;

  SharePointSettings settings_;
  std::shared_ptr<GraphTokenSource> tokens_;
  std::mutex mu_;  // guards the caches below; never held across HTTP
  std::map<std::string, std::string> site_ids_;
  std::map<int, ListInfo> lists_;  // by target id
};

// Graph's error body → (code, message); empty strings when it has none.
std::pair<std::string, std::string> GraphErrorOf(const std::string& body);

}  // namespace syncbridge::connectors
