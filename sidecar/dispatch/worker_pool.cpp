#include "dispatch/worker_pool.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

namespace syncbridge::dispatch {

WorkerPool::WorkerPool(int threads, http::ClientOptions options)
    : event_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this, options] { Run(options); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  if (event_fd_ >= 0) ::close(event_fd_);
}

void WorkerPool::Submit(Job job) {
  {
    std::lock_guard lock(mu_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

int WorkerPool::Pending() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(jobs_.size() + done_.size()) + running_;
}

int WorkerPool::DrainCompletions() {
  std::uint64_t count;
  // Reset the eventfd before taking the queue, so a completion that lands
  // in between leaves it readable.
  (void)::read(event_fd_, &count, sizeof count);
  std::deque<Completion> ready;
  {
    std::lock_guard lock(mu_);
    ready.swap(done_);
  }
  for (auto& completion : ready) completion();
  return static_cast<int>(ready.size());
}

void WorkerPool::Run(http::ClientOptions options) {
  http::Client client(std::move(options));
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    Completion completion = job(client);
    {
      std::lock_guard lock(mu_);
      --running_;
      done_.push_back(std::move(completion));
    }
    std::uint64_t one = 1;
    (void)::write(event_fd_, &one, sizeof one);
  }
}

}  // namespace syncbridge::dispatch
