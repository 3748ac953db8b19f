#include "app/decode.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "pgoutput/formatter.hpp"
#include "pgoutput/render.hpp"
#include "progress/tracker.hpp"
#include "stream/replication.hpp"

namespace syncbridge::app {
namespace {

// SIGINT/SIGTERM are read from a signalfd inside the loop, so no handler and no global flag.
class SignalFd {
 public:
  SignalFd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  }
  ~SignalFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;
  int Fd() const { return fd_; }
  bool Fired() const {
    signalfd_siginfo info;
    return fd_ >= 0 && ::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info);
  }

 private:
  int fd_ = -1;
};

void Log(const char* level, const std::string& msg) {
  std::string line = "{\"level\":\"";
  line += level;
  line += "\",\"msg\":";
  pgoutput::AppendJsonString(line, msg);
  line += "}\n";
  std::fputs(line.c_str(), stderr);
}

}  // namespace

int RunDecode(const DecodeOptions& options) {
  auto start = common::Lsn::Parse(options.start);
  if (!start) {
    Log("error", "--start must be an LSN like 0/16B3748");
    return 2;
  }
  SignalFd signals;
  auto conn = stream::ReplicationStream::Connect(options.conninfo);
  if (!conn) {
    Log("error", conn.Err().message);
    return 1;
  }
  auto& rs = conn.Value();
  if (auto id = rs.IdentifySystem(); !id) {
    Log("error", id.Err().message);
    return 1;
  }
  if (auto st = rs.Start(options.slot, options.publication, *start); !st) {
    Log("error", st.Err().message);
    return 1;
  }

  // Without --confirm the slot never moves: flush is reported as the start position.
  progress::Tracker tracker(*start);
  pgoutput::Decoder decoder;
  bool write_failed = false;
  pgoutput::Formatter formatter(
      [&](const std::string& line) {
        if (std::fputs(line.c_str(), stdout) < 0 || std::fputc('\n', stdout) < 0) write_failed = true;
      },
      [&](common::Lsn end) {
        // A transaction counts as durable only once its lines reached the kernel.
        if (std::fflush(stdout) != 0) write_failed = true;
        if (options.confirm && !write_failed && tracker.Begin(end)) tracker.MarkDurable(end);
      });

  auto interval = std::chrono::seconds(options.status_interval_s);
  auto last_status = std::chrono::steady_clock::now();
  common::Lsn written = *start;
  auto send_status = [&](bool) {
    common::Lsn flush = options.confirm ? tracker.Flush() : *start;
    if (flush > written) written = flush;
    last_status = std::chrono::steady_clock::now();
    return rs.SendStatus(written, flush);
  };

  int exit_code = 0;
  for (;;) {
    if (signals.Fired()) break;
    if (write_failed) {
      Log("error", "writing to stdout failed");
      exit_code = 1;
      break;
    }
    auto now = std::chrono::steady_clock::now();
    if (now - last_status >= interval) {
      if (auto st = send_status(false); !st) {
        Log("error", st.Err().message);
        return 1;
      }
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(interval - (now - last_status));
    if (wait.count() < 0) wait = std::chrono::milliseconds(0);
    auto frame = rs.Next(wait, signals.Fd());
    if (!frame) {
      Log("error", frame.Err().message);
      return 1;
    }
    auto& f = frame.Value();
    if (f.kind == stream::Frame::Kind::kEnd) break;
    if (f.kind == stream::Frame::Kind::kData) {
      auto msg = decoder.Decode(f.payload, f.wal_start);
      if (!msg) {
        Log("error", msg.Err().message);
        return 1;
      }
      if (auto st = formatter.Feed(msg.Value(), decoder, f.wal_start); !st) {
        Log("error", st.Err().message);
        return 1;
      }
      // Only between transactions is a received position safe to confirm.
      if (formatter.Idle()) tracker.Received(f.wal_end);
    } else if (f.kind == stream::Frame::Kind::kKeepalive) {
      if (formatter.Idle()) tracker.Received(f.wal_end);
      if (f.reply_requested) {
        std::fflush(stdout);
        if (auto st = send_status(false); !st) {
          Log("error", st.Err().message);
          return 1;
        }
      }
    }
  }
  std::fflush(stdout);
  (void)send_status(false);  // final status update before CopyDone
  if (auto st = rs.Finish(); !st) Log("warning", st.Err().message);
  return exit_code;
}

}  // namespace syncbridge::app
