#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>

#include "dispatch/worker_pool.hpp"

namespace syncbridge::dispatch {
namespace {

TEST(WorkerPool, JobsRunConcurrentlyAndCompleteOnTheOwnersThread) {
  http::CurlGlobal curl;
  WorkerPool pool(4, {});
  std::atomic<int> concurrent{0}, peak{0};
  int completed = 0;
  const auto owner = std::this_thread::get_id();
  for (int i = 0; i < 8; ++i) {
    pool.Submit([&](http::Client&) -> WorkerPool::Completion {
      int now = ++concurrent;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      --concurrent;
      return [&completed, owner] {
        EXPECT_EQ(std::this_thread::get_id(), owner);
        ++completed;
      };
    });
  }
  while (completed < 8) {
    pollfd p{pool.EventFd(), POLLIN, 0};
    ASSERT_GE(::poll(&p, 1, 5000), 1);
    pool.DrainCompletions();
  }
  EXPECT_EQ(peak.load(), 4);
  EXPECT_EQ(pool.Pending(), 0);
}

}  // namespace
}  // namespace syncbridge::dispatch
