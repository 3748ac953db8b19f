#include "stream/logical_stream.hpp"

#include <poll.h>

#include <algorithm>

namespace syncbridge::stream {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Until(Clock::time_point t) {
  auto d = std::chrono::duration_cast<std::chrono::milliseconds>(t - Clock::now());
  return std::max(d, std::chrono::milliseconds(0));
}

// Waits up to timeout; true when fd became readable.
bool WaitReadable(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  int rc = ::poll(fd >= 0 ? &p : nullptr, fd >= 0 ? 1 : 0, static_cast<int>(timeout.count()));
  return rc > 0;
}

}  // namespace

LogicalStream::LogicalStream(StreamOptions options, RetryPolicy retry, BackoffPolicy backoff,
                             LogFn log)
    : options_(std::move(options)),
      retry_(retry),
      backoff_(std::move(backoff)),
      log_(std::move(log)),
      resolver_(options_.conninfo),
      tracker_(options_.start) {}

common::Status LogicalStream::Connect(Lsn from) {
  auto c = ReplicationStream::Connect(options_.conninfo);
  session_reached_ = c.Ok();
  if (!c) return c.Err();
  if (auto id = c.Value().IdentifySystem(); !id) return id.Err();
  if (auto st = c.Value().Start(options_.slot, options_.publication, from); !st) return st;
  conn_.emplace(std::move(c.Value()));
  connected_at_ = last_status_ = Clock::now();
  log_("info",
       "streaming slot from " + from.ToString() + " with pgoutput protocol " +
           std::to_string(conn_->ProtoVersion()),
       {from, retry_.Failures()});
  return {};
}

common::Status LogicalStream::Open() {
  auto st = Connect(tracker_.Flush());
  if (st || !session_reached_ || !RetryPolicy::IsRetryable(st.Err())) return st;
  // The server answered but cannot stream yet, typically because the slot is
  // still held by the walsender of a consumer that just died: wait as for a
  // reconnect. A wrong conninfo, host or password fails at once instead.
  if (auto f = Fail(st.Err()); !f) return f;
  reset_pending_ = false;  // nothing was received, so there is nothing to discard
  return {};
}

common::Status LogicalStream::Fail(const common::Error& error) {
  Lsn at = tracker_.Flush();
  int attempt = retry_.Failures() + 1;
  if (!retry_.OnFailure(error)) {
    log_("error", error.message, {at, attempt});
    return error;
  }
  // The server re-sends everything after the confirmed position on the new
  // connection, with fresh Relation messages: nothing of this session's
  // partial state may survive.
  conn_.reset();
  decoder_.Reset();
  in_txn_ = false;
  open_streams_.clear();
  deferred_received_.reset();
  reset_pending_ = true;
  auto delay = backoff_.OnCompletion();
  if (error.kind == common::ErrorKind::kThrottled)
    delay = std::max(delay, std::chrono::milliseconds(error.retry_after_ms));
  reconnect_at_ = Clock::now() + delay;
  log_("warning", error.message + "; reconnecting in " + std::to_string(delay.count()) + " ms",
       {at, attempt});
  return {};
}

common::Status LogicalStream::Restart(const common::Error& why) { return Fail(why); }

Lsn LogicalStream::ReportedFlush() { return options_.confirm ? tracker_.Flush() : options_.start; }

common::Status LogicalStream::SendStatus(bool reply_requested) {
  // write: everything the consumer has finished with; flush: what may be
  // confirmed. Without --confirm write still shows progress in pg_stat_replication.
  Lsn written = tracker_.Flush();
  Lsn flush = ReportedFlush();
  last_status_ = Clock::now();
  return conn_->SendStatus(std::max(written, flush), flush, reply_requested);
}

common::Status LogicalStream::TransactionEnd(Lsn end_lsn) {
  if (!tracker_.Begin(end_lsn))
    return common::ProtocolError("transaction end " + end_lsn.ToString() +
                                 " is not after the previous one");
  return {};
}

common::Status LogicalStream::ResolveTypes(const pgoutput::Relation& rel) {
  auto missing = types_.Unresolved(rel);
  if (missing.empty()) return {};
  auto rows = resolver_.Fetch(missing);
  if (!rows) return rows.Err();
  types_.Add(rows.Value());
  return {};
}

void LogicalStream::Track(const pgoutput::Decoded& msg) {
  if (std::holds_alternative<pgoutput::Begin>(msg))
    in_txn_ = true;
  else if (std::holds_alternative<pgoutput::Commit>(msg))
    in_txn_ = false;
  else if (auto* s = std::get_if<pgoutput::StreamStart>(&msg))
    open_streams_.insert(s->xid.value);
  else if (auto* c = std::get_if<pgoutput::StreamCommit>(&msg))
    open_streams_.erase(c->xid.value);
  else if (auto* a = std::get_if<pgoutput::StreamAbort>(&msg); a && a->xid == a->subxid)
    open_streams_.erase(a->xid.value);
}

common::Result<StreamEvent> LogicalStream::Next(int stop_fd) {
  // The consumer has handled the previous message (and registered its
  // transaction end, if any): its frame's end may now count as received.
  if (deferred_received_) {
    tracker_.Received(*deferred_received_);
    deferred_received_.reset();
  }
  auto failed = [&](const common::Error& e) -> common::Result<StreamEvent> {
    if (auto st = Fail(e); !st) return st.Err();
    return StreamEvent{};
  };

  if (!conn_) {
    if (Clock::now() < reconnect_at_) {
      if (WaitReadable(stop_fd, std::min(Until(reconnect_at_), options_.status_interval)))
        return StreamEvent{};
      if (Clock::now() < reconnect_at_) return StreamEvent{};
    }
    ++reconnects_;
    if (auto st = Connect(tracker_.Flush()); !st) return failed(st.Err());
    if (reset_pending_) {
      reset_pending_ = false;
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::kReset;
      return ev;
    }
  }

  auto now = Clock::now();
  if (retry_.Failures() > 0 && now - connected_at_ >= options_.healthy_after) {
    retry_.OnSuccess();
    backoff_.Reset();
  }
  if (now - last_status_ >= options_.status_interval) {
    if (auto st = SendStatus(false); !st) return failed(st.Err());
  }
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(options_.status_interval -
                                                                    (Clock::now() - last_status_));
  auto frame = conn_->Next(std::max(wait, std::chrono::milliseconds(0)), stop_fd);
  if (!frame) return failed(frame.Err());
  auto& f = frame.Value();
  switch (f.kind) {
    case Frame::Kind::kNone:
      return StreamEvent{};
    case Frame::Kind::kEnd:
      return failed(common::TransientError("server ended the replication stream"));
    case Frame::Kind::kKeepalive:
      if (ProtocolIdle()) tracker_.Received(f.wal_end);
      // Answer at once: wal_sender_timeout counts from the request.
      if (f.reply_requested) {
        if (auto st = SendStatus(false); !st) return failed(st.Err());
      }
      return StreamEvent{};
    case Frame::Kind::kData:
      break;
  }
  auto msg = decoder_.Decode(f.payload, f.wal_start);
  if (!msg) return failed(msg.Err());
  if (auto* rel = std::get_if<pgoutput::Relation>(&msg.Value())) {
    if (auto st = ResolveTypes(*rel); !st) return failed(st.Err());
  } else if (auto* type = std::get_if<pgoutput::Type>(&msg.Value())) {
    types_.NoteType(*type);
  }
  Track(msg.Value());
  if (ProtocolIdle()) deferred_received_ = f.wal_end;
  StreamEvent ev;
  ev.kind = StreamEvent::Kind::kMessage;
  ev.message = std::move(msg.Value());
  ev.wal_start = f.wal_start;
  return ev;
}

void LogicalStream::Heartbeat() {
  if (conn_ && Clock::now() - last_status_ >= options_.status_interval) (void)SendStatus(false);
}

common::Status LogicalStream::Close(int stop_fd) {
  if (deferred_received_) {
    tracker_.Received(*deferred_received_);
    deferred_received_.reset();
  }
  if (!conn_) return {};
  auto st = SendStatus(false);
  // The server answers CopyDone at once; a status interval is ample.
  auto fin =
      conn_->Finish(std::max(options_.status_interval, std::chrono::milliseconds(5000)), stop_fd);
  conn_.reset();
  if (!st) return st;
  return fin;
}

}  // namespace syncbridge::stream
