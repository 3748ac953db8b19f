// Pure pgoutput decoder: bytes of one 'w' payload → one message, or a protocol error.
#pragma once

#include <cstdint>
#include <map>
#include <span>

#include "common/status.hpp"
#include "pgoutput/messages.hpp"

namespace syncbridge::pgoutput {

// Stateful only in what the protocol makes stateful: whether we are inside a
// Stream Start/Stop block (then changes carry an xid prefix) and the relation
// cache, replaced on every Relation message.
class Decoder {
 public:
  // wal_start is the frame's LSN; it is only used to make error messages useful.
  common::Result<Decoded> Decode(std::span<const std::uint8_t> payload, Lsn wal_start = Lsn());

  const Relation* FindRelation(RelId id) const {
    auto it = relations_.find(id.value);
    return it == relations_.end() ? nullptr : &it->second;
  }
  bool InStream() const { return in_stream_; }
  // A new connection starts with an empty relation cache and outside any stream block.
  void Reset() {
    in_stream_ = false;
    relations_.clear();
  }

 private:
  bool in_stream_ = false;
  std::map<std::uint32_t, Relation> relations_;
};

}  // namespace syncbridge::pgoutput
