// Retry policy (whether) and backoff policy (how long), with injected randomness.
#include "stream/backoff.hpp"

#include <gtest/gtest.h>

namespace syncbridge::stream {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, TruncatedExponentialLowestJitter) {
  BackoffPolicy b(milliseconds(100), milliseconds(1000), 2.0, [] { return 0.0; });
  std::vector<long> got;
  for (int i = 0; i < 7; ++i) got.push_back(static_cast<long>(b.OnCompletion().count()));
  // [d/2, d] with d = 100, 200, 400, 800, then truncated at 1000.
  EXPECT_EQ(got, (std::vector<long>{50, 100, 200, 400, 500, 500, 500}));
}

TEST(Backoff, TruncatedExponentialHighestJitter) {
  BackoffPolicy b(milliseconds(100), milliseconds(1000), 2.0, [] { return 0.999999; });
  std::vector<long> got;
  for (int i = 0; i < 6; ++i) got.push_back(static_cast<long>(b.OnCompletion().count()));
  EXPECT_EQ(got, (std::vector<long>{99, 199, 399, 799, 999, 999}));
}

TEST(Backoff, JitterSpreadsAndResetStartsOver) {
  double r = 0.0;
  BackoffPolicy b(milliseconds(1000), milliseconds(60000), 2.0, [&] {
    r += 0.25;
    return r - 0.25;
  });
  EXPECT_EQ(b.OnCompletion().count(), 500);   // r = 0
  EXPECT_EQ(b.OnCompletion().count(), 1250);  // r = .25 of [1000, 2000]
  b.Reset();
  EXPECT_EQ(b.OnCompletion().count(), 750);  // r = .5 of [500, 1000]
}

TEST(Backoff, DefaultRandomStaysInRange) {
  BackoffPolicy b(milliseconds(100), milliseconds(400));
  for (int i = 0; i < 50; ++i) {
    auto d = b.OnCompletion().count();
    EXPECT_GE(d, 50);
    EXPECT_LE(d, 400);
  }
}

TEST(Retry, RetryableKinds) {
  EXPECT_TRUE(RetryPolicy::IsRetryable(common::TransientError("connection lost")));
  EXPECT_TRUE(RetryPolicy::IsRetryable(common::ProtocolError("bad frame")));
  EXPECT_FALSE(RetryPolicy::IsRetryable(common::PermanentError("slot does not exist")));
  EXPECT_FALSE(RetryPolicy::IsRetryable(common::ConfigError("bad conninfo")));
}

TEST(Retry, LimitedAttemptsAndReset) {
  RetryPolicy p(3);
  auto e = common::TransientError("x");
  EXPECT_TRUE(p.OnFailure(e));
  EXPECT_TRUE(p.OnFailure(e));
  EXPECT_TRUE(p.OnFailure(e));
  EXPECT_FALSE(p.OnFailure(e));
  p.OnSuccess();
  EXPECT_TRUE(p.OnFailure(e));
  EXPECT_FALSE(p.OnFailure(common::PermanentError("no")));
}

TEST(Retry, UnlimitedByDefault) {
  RetryPolicy p;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(p.OnFailure(common::TransientError("x")));
}

}  // namespace
}  // namespace syncbridge::stream
