// Pure: decoded pgoutput messages → the JSON lines of `syncbridged decode`.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status.hpp"
#include "pgoutput/decoder.hpp"

namespace syncbridge::pgoutput {

// Lines of a transaction are emitted (in commit order) only when its Commit or
// Stream Commit arrives, because every line carries the transaction's end_lsn.
// Stream Abort drops exactly the aborted (sub)transaction's lines.
// Limitation: pending lines are held in memory (no spill file yet).
class Formatter {
 public:
  // emit(line, end_lsn) is called once per change line, then commit(end_lsn) once per transaction.
  using EmitFn = std::function<void(const std::string& line)>;
  using CommitFn = std::function<void(Lsn end_lsn)>;
  Formatter(EmitFn emit, CommitFn commit) : emit_(std::move(emit)), commit_(std::move(commit)) {}

  common::Status Feed(const Decoded& msg, const Decoder& decoder, Lsn wal_start);
  // No transaction open or streamed-but-uncommitted: a received position is safe to confirm.
  bool Idle() const { return !in_txn_ && !in_stream_ && streamed_.empty(); }

 private:
  struct Pending {
    Xid subxid;
    Lsn lsn;
    std::string tail;  // everything after "end_lsn":…, filled in at commit
  };
  struct Txn {
    Xid xid;
    std::string origin_json = "null";
    std::vector<Pending> lines;
  };
  common::Status AddChange(Xid top, Xid sub, Lsn lsn, const std::string& body);
  void Flush(Txn& txn, Lsn end_lsn, std::int64_t commit_time_us);
  Txn& TxnFor(Xid xid);

  EmitFn emit_;
  CommitFn commit_;
  bool in_txn_ = false;
  Txn current_;
  std::map<std::uint32_t, Txn> streamed_;
  Xid stream_xid_;
  bool in_stream_ = false;
};

// Postgres epoch (2000-01-01) microseconds → "YYYY-MM-DDTHH:MM:SS.ffffffZ".
std::string FormatPgTimestamp(std::int64_t us_since_2000);

}  // namespace syncbridge::pgoutput
