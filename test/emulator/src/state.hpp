// The emulator's whole in-memory world. One mutex guards it: every handler
// runs to completion under the lock in microseconds, while latency and
// socket I/O happen outside it, so contention stays low.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "clock.hpp"
#include "settings.hpp"
#include "stats.hpp"

namespace syncbridge::emulator {

// ---- Microsoft identity -------------------------------------------------

struct AppRegistration {
  std::string tenant;
  std::string client_id;
  std::string client_secret;
};

struct GraphAccessToken {
  std::string tenant;
  std::string client_id;
  TimePoint expires_at;
  std::string audience;  // the resource of the ".default" scope, lowercased
};

// ---- SharePoint ---------------------------------------------------------

struct ColumnDefinition {
  std::string id;
  std::string name;          // internal name: the key in fieldValueSets
  std::string display_name;
  std::string type;          // the facet name: text, number, boolean, ...
  nlohmann::json facet = nlohmann::json::object();
  bool hidden = false;
  bool indexed = false;
  bool read_only = false;
  bool required = false;
  bool enforce_unique = false;
};

struct ListItem {
  int64_t id = 0;
  std::string guid;          // the GUID inside the eTag
  int64_t version = 1;       // the N inside the eTag
  TimePoint created;
  TimePoint modified;
  std::string created_by_app;
  std::string modified_by_app;
  nlohmann::json fields = nlohmann::json::object();  // user-writable values only
  bool deleted = false;      // kept as a tombstone so delta can report it
  uint64_t change_sequence = 0;
};

struct SharePointList {
  std::string id;            // GUID
  std::string name;          // URL name
  std::string display_name;
  std::string description;
  std::string template_name = "genericList";
  TimePoint created;
  TimePoint modified;
  std::vector<ColumnDefinition> columns;
  std::map<int64_t, ListItem> items;  // includes tombstones
  int64_t next_item_id = 1;
  uint64_t change_sequence = 0;       // bumped on every item write

  const ColumnDefinition* FindColumn(const std::string& name) const {
    for (const auto& column : columns)
      if (column.name == name) return &column;
    return nullptr;
  }
};

struct SharePointSite {
  std::string id;  // "hostname,siteCollectionGuid,webGuid"
  std::string hostname;
  std::string path;  // server-relative, e.g. "/sites/demo"
  std::string name;
  TimePoint created;
  std::vector<std::unique_ptr<SharePointList>> lists;
};

// Per-app resource-unit bucket (see graph_throttle.hpp).
struct ResourceUnitBucket {
  double balance = 0;
  TimePoint refilled_at;
  bool initialised = false;
};

// ---- Atlassian ----------------------------------------------------------

struct ConfluenceUser {
  std::string email;
  std::string api_token;
  std::string account_id;
  std::string display_name;
};

struct OAuthClient {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;  // the only refresh token that still works
  std::string cloud_id;
  std::string account_id;
};

struct ConfluenceAccessToken {
  std::string client_id;
  std::string cloud_id;
  std::string account_id;
  TimePoint expires_at;
};

struct ConfluenceSpace {
  std::string id;  // numeric string
  std::string key;
  std::string name;
  TimePoint created;
  // Every space is created with a home page; pages created without a
  // parentId go under it, as on the real service.
  std::string homepage_id;
};

struct ContentProperty {
  std::string id;
  std::string key;
  nlohmann::json value;
  int64_t version = 1;
  TimePoint modified;
  std::string author_id;
};

struct ConfluencePage {
  std::string id;  // numeric string
  std::string space_id;
  std::string parent_id;
  std::string status = "current";  // current | trashed
  std::string title;
  std::string body_storage;
  std::string author_id;      // creator
  std::string owner_id;
  TimePoint created;
  int64_t version = 1;
  TimePoint modified;         // version.createdAt
  std::string version_author_id;
  std::string version_message;
  bool minor_edit = false;
  std::vector<ContentProperty> properties;
};

// Token bucket of one Confluence caller.
struct BurstBucket {
  double tokens = 0;
  TimePoint refilled_at;
  bool initialised = false;
};

// ---- Everything ---------------------------------------------------------

struct WorldState {
  std::vector<AppRegistration> apps;
  std::map<std::string, GraphAccessToken> graph_tokens;
  std::vector<std::unique_ptr<SharePointSite>> sites;
  std::map<std::string, ResourceUnitBucket> ru_buckets;  // by tenant/client_id

  std::vector<ConfluenceUser> confluence_users;
  std::vector<OAuthClient> oauth_clients;
  std::map<std::string, ConfluenceAccessToken> confluence_tokens;
  std::vector<ConfluenceSpace> spaces;
  std::map<int64_t, ConfluencePage> pages;  // by numeric id, so iteration is by id
  std::map<std::string, BurstBucket> burst_buckets;
  int64_t next_confluence_id = 65537;  // pages, spaces and properties share one sequence
};

class EmulatorState {
 public:
  std::mutex mutex;
  WorldState world;
  FaultSettings faults;
  LimitSettings limits;
  ServiceSettings settings;
  Stats stats;

  // Empties the world; knobs (faults, limits, settings) are kept.
  void Reset() { world = WorldState{}; stats.Clear(); }
};

}  // namespace syncbridge::emulator
