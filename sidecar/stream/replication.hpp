// Logical replication connection (libpq, replication=database), frames and feedback.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/lsn.hpp"
#include "common/status.hpp"

namespace syncbridge::stream {

using common::Lsn;

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct Frame {
  enum class Kind { kNone, kData, kKeepalive, kEnd } kind = Kind::kNone;
  Lsn wal_start;
  Lsn wal_end;
  bool reply_requested = false;
  std::vector<std::uint8_t> payload;  // pgoutput message for kData
};

class ReplicationStream {
 public:
  // Opens a replication=database connection; the session GUCs fix the text
  // form of values (docs/decode-format.md).
  static common::Result<ReplicationStream> Connect(const std::string& conninfo);

  common::Result<Lsn> IdentifySystem();
  // START_REPLICATION with proto_version 2 + streaming; falls back to 1.
  common::Status Start(const std::string& slot, const std::string& publication, Lsn start);
  int ProtoVersion() const { return proto_version_; }
  // Waits up to timeout (or until extra_fd is readable) for one frame.
  common::Result<Frame> Next(std::chrono::milliseconds timeout, int extra_fd);
  // 'r' standby status update: write, flush, apply, sendTime, replyRequested.
  common::Status SendStatus(Lsn write, Lsn flush, bool reply_requested = false);
  // CopyDone, drain until the server's CopyDone, check the final result; gives
  // up after timeout or as soon as stop_fd (if >= 0) becomes readable.
  common::Status Finish(std::chrono::milliseconds timeout, int stop_fd);

 private:
  explicit ReplicationStream(ConnPtr conn) : conn_(std::move(conn)) {}
  common::Status StartWith(const std::string& slot, const std::string& publication, Lsn start, int proto);
  ConnPtr conn_;
  int proto_version_ = 2;
};

}  // namespace syncbridge::stream
