// Pure: decoded pgoutput messages → the JSON lines of `syncbridged decode`.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/record_buffer.hpp"
#include "common/status.hpp"
#include "pgoutput/decoder.hpp"
#include "pgoutput/type_registry.hpp"

namespace syncbridge::pgoutput {

// Lines of a transaction are emitted (in commit order) only when its Commit or
// Stream Commit arrives, because every line carries the transaction's end_lsn.
// Stream Abort drops exactly the aborted (sub)transaction's lines. Each
// transaction's pending lines live in a RecordBuffer from the injected factory
// (spill/ keeps memory bounded by moving them to a temporary file), rendered
// when the change arrives so that later Relation messages cannot change them.
class Formatter {
 public:
  // emit(line) is called once per change line, then commit(end_lsn) once per transaction.
  using EmitFn = std::function<void(const std::string& line)>;
  using CommitFn = std::function<void(Lsn end_lsn)>;
  // types may be null (then user types render as text).
  Formatter(EmitFn emit, CommitFn commit, common::RecordBufferFactory buffers, const TypeRegistry* types = nullptr)
      : emit_(std::move(emit)), commit_(std::move(commit)), buffers_(std::move(buffers)), types_(types) {}

  common::Status Feed(const Decoded& msg, const Decoder& decoder, Lsn wal_start);
  // No transaction open or streamed-but-uncommitted: a received position is safe to confirm.
  bool Idle() const { return !in_txn_ && !in_stream_ && streamed_.empty(); }
  // Forgets every open and streamed transaction (after a reconnect the server
  // sends them again from the confirmed position).
  void Reset();

 private:
  struct Txn {
    Xid xid;
    std::string origin_json = "null";
    // Records: 8-byte change LSN, then everything after "end_lsn":…, which is
    // only known at commit.
    std::unique_ptr<common::RecordBuffer> changes;
  };
  common::Status AddChange(Xid sub, Lsn lsn, const std::string& body);
  common::Status Flush(Txn& txn, Lsn end_lsn, std::int64_t commit_time_us);
  Txn NewTxn(Xid xid) const { return Txn{xid, "null", buffers_()}; }

  EmitFn emit_;
  CommitFn commit_;
  common::RecordBufferFactory buffers_;
  const TypeRegistry* types_;
  bool in_txn_ = false;
  Txn current_;
  std::map<std::uint32_t, Txn> streamed_;
  Xid stream_xid_;
  bool in_stream_ = false;
};

// Postgres epoch (2000-01-01) microseconds → "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::string FormatPgTimestamp(std::int64_t us_since_2000);

}  // namespace syncbridge::pgoutput
