// HTTP workers: each thread owns one http::Client (so keep-alive connections
// are reused) and runs jobs handed to it. Results come back to the owner's
// loop through a completion queue whose eventfd the loop polls beside the
// replication socket, so the loop never blocks on HTTP.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "http/client.hpp"

namespace syncbridge::dispatch {

class WorkerPool {
 public:
  // A job runs on a worker; the completion it returns runs on the owner's
  // thread in DrainCompletions().
  using Completion = std::function<void()>;
  using Job = std::function<Completion(http::Client&)>;

  WorkerPool(int threads, http::ClientOptions options);
  ~WorkerPool();  // finishes running jobs, drops queued ones, joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(Job job);
  // Readable when completions are waiting.
  int EventFd() const { return event_fd_; }
  // Runs every waiting completion on the calling thread; returns how many.
  int DrainCompletions();
  // Jobs queued, running, or finished with their completion not yet drained.
  int Pending() const;

 private:
  void Run(http::ClientOptions options);

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  std::deque<Completion> done_;
  int running_ = 0;
  bool stopping_ = false;
  int event_fd_ = -1;
  std::vector<std::thread> threads_;
};

}  // namespace syncbridge::dispatch
