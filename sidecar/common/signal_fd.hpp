// SIGINT/SIGTERM read from a signalfd inside the owner's loop: no handler
// and no global flag. Blocks the signals for the calling thread on creation
// (create it before starting threads, so they inherit the mask).
#pragma once

#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>

namespace syncbridge::common {

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
  // Consumes one pending signal; true if there was one.
  bool Fired() const {
    signalfd_siginfo info;
    return fd_ >= 0 && ::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info);
  }

 private:
  int fd_ = -1;
};

}  // namespace syncbridge::common
