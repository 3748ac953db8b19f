// The one interface every remote system implements (DESIGN.md, "Targets"):
// apply a batch of operations, find an item by row key, provision. Vendor
// JSON stays behind it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.hpp"
#include "http/client.hpp"

namespace syncbridge::connectors {

// Where one target's items live, as resolved from the catalog.
struct TargetRef {
  int target_id = 0;
  nlohmann::json spec;  // the target's normalised declaration (syncbridge.target.spec)
};

struct Operation {
  enum class Kind { kCreate, kUpdate, kDelete };
  Kind kind = Kind::kCreate;
  std::string row_key;    // RowKeyText(): stored in the hidden key field on create
  std::string remote_id;  // update, delete
  nlohmann::json fields = nlohmann::json::object();  // remote field → canonical value
};

struct OperationResult {
  enum class Outcome {
    kApplied,  // done; remote_id/remote_version are the item's now
    kGone,     // update of an item that no longer exists remotely
    kRetry,    // throttled or transient: send again, not before retry_after
    kFailed,   // the remote refused this item for good: an item_error
  };
  Outcome outcome = Outcome::kApplied;
  std::string remote_id;
  std::string remote_version;
  int http_status = 0;
  std::string error_code;
  std::string message;
  std::optional<std::chrono::milliseconds> retry_after;
};

struct RemoteItem {
  std::string remote_id;
  std::string remote_version;
};

// A table column as provisioning sees it.
struct ColumnSpec {
  std::string remote_field;
  std::string pg_type;  // format_type(): "integer", "numeric(10,2)", "timestamp with time zone", …
  std::vector<std::string> enum_labels;  // for enum types: choices
  bool is_array = false;
};

class Connector {
 public:
  virtual ~Connector() = default;
  // Results in the order of `ops`. An error Status means no operation is
  // known to have been applied (e.g. the whole batch was refused or lost)
  // and every one of them may be sent again.
  virtual common::Result<std::vector<OperationResult>> Apply(http::Client& client, const TargetRef& target,
                                                             const std::vector<Operation>& ops) = 0;
  // The live item carrying this row key, if any (after a crash between a
  // create and its ledger write).
  virtual common::Result<std::optional<RemoteItem>> FindByKey(http::Client& client, const TargetRef& target,
                                                              const std::string& row_key) = 0;
  // Creates the target when missing and adds missing fields; never drops one.
  virtual common::Status Provision(http::Client& client, const TargetRef& target,
                                   const std::vector<ColumnSpec>& columns) = 0;
  // The remote id of a provisioned target (a SharePoint list id), recorded
  // in syncbridge.target.remote_id; empty when the kind has none.
  virtual common::Result<std::string> RemoteIdOf(http::Client& client, const TargetRef& target) {
    (void)client;
    (void)target;
    return std::string();
  }
  // Most operations one Apply call takes.
  virtual std::size_t MaxBatch() const = 0;
};

}  // namespace syncbridge::connectors
