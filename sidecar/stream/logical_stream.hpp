// A slot client that behaves like pg_recvlogical: decoded pgoutput messages in
// WAL order, standby status updates on time, user types resolved before the
// changes that use them, and reconnects with back-off from the confirmed
// position. What may be confirmed is decided by progress::Tracker from what
// the consumer reports (TransactionEnd, MarkDurable); the stream never guesses.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "common/lsn.hpp"
#include "common/status.hpp"
#include "pgoutput/decoder.hpp"
#include "pgoutput/type_registry.hpp"
#include "progress/tracker.hpp"
#include "stream/backoff.hpp"
#include "stream/replication.hpp"
#include "stream/type_resolver.hpp"

namespace syncbridge::stream {

struct StreamOptions {
  std::string conninfo;
  std::string slot;
  std::string publication = "syncbridge";
  Lsn start;  // 0/0: the slot's confirmed_flush_lsn
  // false: flush is always reported as `start`, so the slot never moves.
  bool confirm = false;
  std::chrono::milliseconds status_interval{10000};
  // A session that stays up this long counts as healthy: back-off starts over.
  std::chrono::milliseconds healthy_after{30000};
};

struct StreamEvent {
  enum class Kind {
    kNone,     // timeout or stop_fd readable: nothing to do
    kMessage,  // one decoded pgoutput message
    kReset,    // reconnected: discard every open or streamed transaction
  };
  Kind kind = Kind::kNone;
  pgoutput::Decoded message;
  Lsn wal_start;  // the 'w' frame's start: the change's LSN
};

// Structured log sink: level, message, and the LSN / attempt the line is about.
struct LogFields {
  std::optional<Lsn> lsn;
  int attempt = 0;
};
using LogFn =
    std::function<void(const char* level, const std::string& message, const LogFields& fields)>;

class LogicalStream {
 public:
  LogicalStream(StreamOptions options, RetryPolicy retry, BackoffPolicy backoff, LogFn log);

  // First connection. Failing to reach the server (conninfo, host, password)
  // or a non-retryable error (no such slot or publication) is returned at once;
  // a retryable one after connecting (slot still active for a dying walsender)
  // is retried by Next like any later failure.
  common::Status Open();
  // Waits up to the next status update for one event. Retryable errors (lost
  // connection, server CopyDone, protocol error, failed type lookup) lead to a
  // back-off, a reconnect at the confirmed position and a kReset event; a
  // non-retryable one is returned. Returns kNone early when stop_fd (if >= 0)
  // becomes readable, also while waiting to reconnect.
  common::Result<StreamEvent> Next(int stop_fd);

  // The consumer's verdicts on the message Next just returned. A transaction's
  // end LSN is registered in commit order, and marked durable once it is safely
  // stored; only then may flush move past it.
  common::Status TransactionEnd(Lsn end_lsn);
  void MarkDurable(Lsn end_lsn) { tracker_.MarkDurable(end_lsn); }
  // The consumer could not handle the last message (e.g. a change for an
  // unknown relation): reconnect from the confirmed position.
  common::Status Restart(const common::Error& why);

  // Final status update, CopyDone, drain; the stream is closed afterwards.
  // The drain ends early when stop_fd (if >= 0) becomes readable.
  common::Status Close(int stop_fd = -1);

  // Between messages while the consumer is busy with a large transaction:
  // sends a status update if one is due, so that wal_sender_timeout does not
  // end a session that is merely slow (and flush keeps moving). A failure is
  // noticed by the next Next().
  void Heartbeat();
  // The tracker behind TransactionEnd/MarkDurable, for a consumer that
  // registers ends itself (the push engine).
  progress::Tracker& Progress() { return tracker_; }

  const pgoutput::Decoder& Decoder() const { return decoder_; }
  const pgoutput::TypeRegistry& Types() const { return types_; }
  // What flush the next status update reports.
  Lsn ReportedFlush();
  int Reconnects() const { return reconnects_; }

 private:
  common::Status Connect(Lsn from);
  common::Status Fail(const common::Error& error);
  common::Status SendStatus(bool reply_requested);
  common::Status ResolveTypes(const pgoutput::Relation& rel);
  bool ProtocolIdle() const { return !in_txn_ && !decoder_.InStream() && open_streams_.empty(); }
  void Track(const pgoutput::Decoded& msg);

  StreamOptions options_;
  RetryPolicy retry_;
  BackoffPolicy backoff_;
  LogFn log_;
  std::optional<ReplicationStream> conn_;
  TypeResolver resolver_;
  pgoutput::Decoder decoder_;
  pgoutput::TypeRegistry types_;
  progress::Tracker tracker_;
  // Protocol-level transaction state, so that a received position is only
  // recorded between transactions.
  bool in_txn_ = false;
  std::set<std::uint32_t> open_streams_;
  // The previous data frame's end, recorded once the consumer has handled it.
  std::optional<Lsn> deferred_received_;
  bool reset_pending_ = false;
  bool session_reached_ = false;  // the last Connect got past PQconnectdb
  std::chrono::steady_clock::time_point reconnect_at_{};
  std::chrono::steady_clock::time_point connected_at_{};
  std::chrono::steady_clock::time_point last_status_{};
  int reconnects_ = 0;
};

}  // namespace syncbridge::stream
