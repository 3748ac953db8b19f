// An ordered, append-only buffer of opaque records tagged with a subtransaction
// id, replayed once at commit. The decoder side only sees this interface; the
// implementation (spill/) decides where the bytes live.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "common/status.hpp"

namespace syncbridge::common {

class RecordBuffer {
 public:
  virtual ~RecordBuffer() = default;
  // Appends one record belonging to subtransaction `tag` (the top-level xid for
  // the transaction's own changes).
  virtual Status Append(std::uint32_t tag, std::string_view record) = 0;
  // Forgets every record with this tag (a rolled-back subtransaction), including
  // those already appended; later records with other tags are kept.
  virtual void Discard(std::uint32_t tag) = 0;
  // Calls fn for every kept record in append order. Stops at the first error.
  virtual Status ForEach(const std::function<Status(std::string_view record)>& fn) = 0;
  // Number of kept records (after discards).
  virtual std::uint64_t Count() const = 0;
};

using RecordBufferFactory = std::function<std::unique_ptr<RecordBuffer>()>;

}  // namespace syncbridge::common
