#include "stream/replication.hpp"

#include <poll.h>
#include <sys/select.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace syncbridge::stream {
namespace {

std::uint64_t GetBe64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
void PutBe64(char* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    p[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}
// Microseconds since 2000-01-01, the epoch of the replication protocol's sendTime.
std::int64_t NowPgEpochUs() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return us - 946684800LL * 1000000LL;
}

}  // namespace

common::Result<ReplicationStream> ReplicationStream::Connect(const std::string& conninfo) {
  // Keep the user's own session options (conninfo `options`, else PGOPTIONS,
  // e.g. logical_decoding_work_mem) and append ours, which must win.
  std::string options;
  if (!conninfo.empty()) {
    char* err = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &err);
    if (!parsed) {
      std::string why = err ? err : "out of memory";
      PQfreemem(err);
      return common::ConfigError("conninfo: " + why);
    }
    for (PQconninfoOption* o = parsed; o->keyword; ++o)
      if (std::strcmp(o->keyword, "options") == 0 && o->val) options = o->val;
    PQconninfoFree(parsed);
  }
  if (options.empty())
    if (const char* env = std::getenv("PGOPTIONS")) options = env;
  if (!options.empty()) options += ' ';
  options += "-c DateStyle=ISO -c TimeZone=UTC -c bytea_output=hex -c extra_float_digits=3 -c client_encoding=UTF8";
  const char* keys[] = {"dbname", "replication", "options", "fallback_application_name", nullptr};
  const char* vals[] = {conninfo.c_str(), "database", options.c_str(), "syncbridged", nullptr};
  ConnPtr conn(PQconnectdbParams(keys, vals, 1));
  if (!conn || PQstatus(conn.get()) != CONNECTION_OK)
    return common::TransientError(std::string("connect: ") + (conn ? PQerrorMessage(conn.get()) : "out of memory"));
  return ReplicationStream(std::move(conn));
}

common::Result<Lsn> ReplicationStream::IdentifySystem() {
  ResultPtr r(PQexec(conn_.get(), "IDENTIFY_SYSTEM"));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1 || PQnfields(r.get()) < 3)
    return common::TransientError(std::string("IDENTIFY_SYSTEM: ") + PQerrorMessage(conn_.get()));
  auto lsn = Lsn::Parse(PQgetvalue(r.get(), 0, 2));
  if (!lsn) return common::ProtocolError("IDENTIFY_SYSTEM: bad xlogpos");
  return *lsn;
}

common::Status ReplicationStream::StartWith(const std::string& slot, const std::string& publication, Lsn start,
                                            int proto) {
  char* slot_q = PQescapeIdentifier(conn_.get(), slot.c_str(), slot.size());
  char* pub_q = PQescapeLiteral(conn_.get(), publication.c_str(), publication.size());
  if (!slot_q || !pub_q) {
    PQfreemem(slot_q);
    PQfreemem(pub_q);
    return common::ConfigError("cannot quote slot or publication name");
  }
  std::string cmd = std::string("START_REPLICATION SLOT ") + slot_q + " LOGICAL " + start.ToString() +
                    " (proto_version '" + std::to_string(proto) + "'" + (proto >= 2 ? ", streaming 'on'" : "") +
                    ", publication_names " + pub_q + ", messages 'true')";
  PQfreemem(slot_q);
  PQfreemem(pub_q);
  ResultPtr r(PQexec(conn_.get(), cmd.c_str()));
  if (PQresultStatus(r.get()) != PGRES_COPY_BOTH) {
    std::string msg = std::string("START_REPLICATION: ") + PQerrorMessage(conn_.get());
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    std::string_view code = state ? state : "";
    // A slot still held by a walsender that is going away (55006), a lost
    // connection (08xxx, or no SQLSTATE at all), a server shutting down or out
    // of resources (57xxx, 53xxx): worth another attempt. A missing slot or
    // publication, or a bad option, is not.
    bool transient = PQstatus(conn_.get()) != CONNECTION_OK || code.empty() || code == "55006" ||
                     code.starts_with("08") || code.starts_with("57") || code.starts_with("53");
    return transient ? common::TransientError(std::move(msg)) : common::PermanentError(std::move(msg));
  }
  proto_version_ = proto;
  return {};
}

common::Status ReplicationStream::Start(const std::string& slot, const std::string& publication, Lsn start) {
  auto st = StartWith(slot, publication, start, 2);
  if (st) return st;
  // Servers before 14 reject proto_version 2 ("proto_version ... is too high" / unsupported).
  if (st.Err().message.find("proto_version") == std::string::npos) return st;
  return StartWith(slot, publication, start, 1);
}

common::Result<Frame> ReplicationStream::Next(std::chrono::milliseconds timeout, int extra_fd) {
  char* buf = nullptr;
  int n = PQgetCopyData(conn_.get(), &buf, 1);
  if (n == 0) {
    int sock = PQsocket(conn_.get());
    fd_set fds;
    FD_ZERO(&fds);
    FD_SET(sock, &fds);
    if (extra_fd >= 0) FD_SET(extra_fd, &fds);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    int rc = select(std::max(sock, extra_fd) + 1, &fds, nullptr, nullptr, &tv);
    if (rc < 0 && errno != EINTR) return common::TransientError("select failed");
    if (rc <= 0 || !FD_ISSET(sock, &fds)) return Frame{};
    if (!PQconsumeInput(conn_.get()))
      return common::TransientError(std::string("connection lost: ") + PQerrorMessage(conn_.get()));
    n = PQgetCopyData(conn_.get(), &buf, 1);
    if (n == 0) return Frame{};
  }
  if (n == -1) {
    // The COPY is over: a server that ended it with an error (a missing
    // publication, a dropped slot) says why in the result that follows.
    // One result only: after a server CopyDone libpq keeps answering COPY_IN.
    std::string why;
    if (PGresult* res = PQgetResult(conn_.get())) {
      if (PQresultStatus(res) == PGRES_FATAL_ERROR) why = PQresultErrorMessage(res);
      PQclear(res);
    }
    while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
    if (!why.empty()) return common::TransientError("server ended the replication stream: " + why);
    Frame f;
    f.kind = Frame::Kind::kEnd;
    return f;
  }
  if (n < 0) return common::TransientError(std::string("copy data: ") + PQerrorMessage(conn_.get()));
  std::unique_ptr<char, decltype(&PQfreemem)> owned(buf, &PQfreemem);
  Frame f;
  if (buf[0] == 'w') {
    if (n < 25) return common::ProtocolError("'w' frame shorter than 25 bytes");
    f.kind = Frame::Kind::kData;
    f.wal_start = Lsn(GetBe64(buf + 1));
    f.wal_end = Lsn(GetBe64(buf + 9));
    f.payload.assign(reinterpret_cast<unsigned char*>(buf) + 25, reinterpret_cast<unsigned char*>(buf) + n);
  } else if (buf[0] == 'k') {
    if (n < 18) return common::ProtocolError("keepalive shorter than 18 bytes");
    f.kind = Frame::Kind::kKeepalive;
    f.wal_end = Lsn(GetBe64(buf + 1));
    f.reply_requested = buf[17] != 0;
  } else {
    return common::ProtocolError(std::string("unknown copy frame type '") + buf[0] + "'");
  }
  return f;
}

common::Status ReplicationStream::SendStatus(Lsn write, Lsn flush, bool reply_requested) {
  char msg[34];
  msg[0] = 'r';
  PutBe64(msg + 1, write.Value());
  PutBe64(msg + 9, flush.Value());
  PutBe64(msg + 17, flush.Value());  // apply = flush: nothing is applied that is not flushed
  PutBe64(msg + 25, static_cast<std::uint64_t>(NowPgEpochUs()));
  msg[33] = reply_requested ? 1 : 0;
  if (PQputCopyData(conn_.get(), msg, sizeof msg) <= 0 || PQflush(conn_.get()) != 0)
    return common::TransientError(std::string("status update: ") + PQerrorMessage(conn_.get()));
  return {};
}

common::Status ReplicationStream::Finish(std::chrono::milliseconds timeout, int stop_fd) {
  if (PQputCopyEnd(conn_.get(), nullptr) <= 0) return common::TransientError("CopyDone failed");
  // Drain without blocking, so that a stuck server or a second signal cannot
  // hold the process: wait for the socket, the stop fd or the deadline.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto wait = [&]() -> common::Status {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return common::TransientError("end of stream: timed out waiting for the server");
    pollfd fds[2] = {{PQsocket(conn_.get()), POLLIN, 0}, {stop_fd, POLLIN, 0}};
    // A flush still pending also needs the socket writable.
    if (PQflush(conn_.get()) == 1) fds[0].events |= POLLOUT;
    int rc = ::poll(fds, stop_fd >= 0 ? 2 : 1, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR) return common::TransientError("end of stream: poll failed");
    if (stop_fd >= 0 && (fds[1].revents & POLLIN)) return common::TransientError("end of stream: interrupted");
    if (!PQconsumeInput(conn_.get()))
      return common::TransientError(std::string("end of stream: ") + PQerrorMessage(conn_.get()));
    return {};
  };
  for (;;) {
    char* buf = nullptr;
    int n = PQgetCopyData(conn_.get(), &buf, 1);
    if (buf) PQfreemem(buf);
    if (n > 0) continue;
    if (n == -1) break;  // the server's CopyDone
    if (n < -1) return common::TransientError(std::string("end of stream: ") + PQerrorMessage(conn_.get()));
    if (auto st = wait(); !st) return st;
  }
  for (;;) {
    while (PQisBusy(conn_.get()))
      if (auto st = wait(); !st) return st;
    ResultPtr r(PQgetResult(conn_.get()));
    if (!r) break;
    auto s = PQresultStatus(r.get());
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_COPY_OUT)
      return common::TransientError(std::string("end of stream: ") + PQerrorMessage(conn_.get()));
  }
  return {};
}

}  // namespace syncbridge::stream
