// Looks up user-defined type OIDs in pg_type over a normal (non-replication)
// connection. The walsender only names user types (Type messages); whether a
// type is an enum, a domain over int4 or an array of either must come from the
// catalog.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "pgoutput/type_registry.hpp"
#include "stream/replication.hpp"

namespace syncbridge::stream {

class TypeResolver {
 public:
  explicit TypeResolver(std::string conninfo) : conninfo_(std::move(conninfo)) {}
  // Rows for `oids` and, transitively, for the user types they are built on
  // (domain base types, array element types). The connection is opened on
  // first use and reopened after a failure (returned as a transient error).
  common::Result<std::vector<pgoutput::TypeRow>> Fetch(const std::vector<std::uint32_t>& oids);

 private:
  std::string conninfo_;
  ConnPtr conn_;
};

}  // namespace syncbridge::stream
