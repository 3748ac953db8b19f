#include "app/decode.hpp"

#include <cstdio>
#include <optional>
#include <utility>

#include "common/signal_fd.hpp"
#include "pgoutput/formatter.hpp"
#include "pgoutput/render.hpp"
#include "spill/spill_buffer.hpp"
#include "stream/logical_stream.hpp"

namespace syncbridge::app {
namespace {

class Logger {
 public:
  explicit Logger(std::string slot) : slot_(std::move(slot)) {}
  // One JSON line on stderr with the fixed keys of STYLE.md "Logs and metrics".
  void operator()(const char* level, const std::string& msg, const stream::LogFields& fields = {}) const {
    std::string line = "{\"level\":\"";
    line += level;
    line += "\",\"slot\":";
    pgoutput::AppendJsonString(line, slot_);
    if (fields.lsn) line += ",\"lsn\":\"" + fields.lsn->ToString() + "\"";
    if (fields.attempt) line += ",\"attempt\":" + std::to_string(fields.attempt);
    line += ",\"msg\":";
    pgoutput::AppendJsonString(line, msg);
    line += "}\n";
    std::fputs(line.c_str(), stderr);
  }

 private:
  std::string slot_;
};

}  // namespace

int RunDecode(const DecodeOptions& options) {
  Logger log(options.slot);
  auto start = common::Lsn::Parse(options.start);
  if (!start) {
    log("error", "--start must be an LSN like 0/16B3748");
    return 2;
  }
  common::SignalFd signals;
  stream::StreamOptions so;
  so.conninfo = options.conninfo;
  so.slot = options.slot;
  so.publication = options.publication;
  so.start = *start;
  so.confirm = options.confirm;
  so.status_interval = std::chrono::seconds(options.status_interval_s);
  stream::LogicalStream ls(so, stream::RetryPolicy(options.reconnect_attempts),
                           stream::BackoffPolicy(std::chrono::milliseconds(options.reconnect_initial_ms),
                                                 std::chrono::milliseconds(options.reconnect_max_ms)),
                           [&log](const char* level, const std::string& msg, const stream::LogFields& f) {
                             log(level, msg, f);
                           });
  if (auto st = ls.Open(); !st) {
    log("error", st.Err().message);
    return 1;
  }

  bool write_failed = false;
  std::optional<common::Error> commit_error;
  pgoutput::Formatter formatter(
      [&](const std::string& line) {
        if (std::fputs(line.c_str(), stdout) < 0 || std::fputc('\n', stdout) < 0) write_failed = true;
      },
      [&](common::Lsn end) {
        // A transaction counts as durable only once its lines reached the kernel
        // (as pg_recvlogical -f - does); without --confirm the stream still uses
        // it as the position to resume from after a reconnect.
        if (std::fflush(stdout) != 0) write_failed = true;
        if (write_failed) return;
        if (auto st = ls.TransactionEnd(end); !st) commit_error = st.Err();
        else ls.MarkDurable(end);
      },
      spill::MakeSpillFactory({options.spill_bytes, options.spill_dir}), &ls.Types());

  int exit_code = 0;
  for (;;) {
    if (signals.Fired()) break;
    if (write_failed) {
      log("error", "writing to stdout failed");
      exit_code = 1;
      break;
    }
    auto ev = ls.Next(signals.Fd());
    if (!ev) {
      exit_code = 1;  // not retryable; the stream has logged why
      break;
    }
    if (ev.Value().kind == stream::StreamEvent::Kind::kReset) {
      formatter.Reset();
      continue;
    }
    if (ev.Value().kind != stream::StreamEvent::Kind::kMessage) continue;
    auto st = formatter.Feed(ev.Value().message, ls.Decoder(), ev.Value().wal_start);
    if (st && commit_error) st = *std::exchange(commit_error, std::nullopt);
    if (!st) {
      if (auto r = ls.Restart(st.Err()); !r) {
        exit_code = 1;
        break;
      }
      formatter.Reset();
    }
  }
  std::fflush(stdout);
  // Final status update, CopyDone, drain; a second SIGINT/SIGTERM cuts the
  // drain short (the final status update has been sent by then).
  if (auto st = ls.Close(signals.Fd()); !st) log("warning", st.Err().message);
  return exit_code;
}

}  // namespace syncbridge::app
