#include <gtest/gtest.h>

#include "http/retry.hpp"

namespace syncbridge::http {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

system_clock::time_point At(std::int64_t unix_seconds) { return system_clock::time_point(seconds(unix_seconds)); }

TEST(RetryPolicy, RetriesOnlyWhatCanSucceedLater) {
  RetryPolicy policy;
  policy.max_attempts = 3;
  for (int status : {0, 408, 429, 500, 502, 503, 504}) EXPECT_TRUE(policy.ShouldRetry(status, 1, Millis(0))) << status;
  for (int status : {200, 201, 400, 401, 403, 404, 409, 412, 413, 424}) EXPECT_FALSE(policy.ShouldRetry(status, 1, Millis(0))) << status;
  EXPECT_FALSE(policy.ShouldRetry(503, 3, Millis(0)));
  EXPECT_FALSE(policy.ShouldRetry(503, 1, policy.max_elapsed));
}

TEST(Backoff, GrowsIsCappedAndJittered) {
  BackoffPolicy p{Millis(100), Millis(1000), 2.0};
  Backoff low(p, [] { return 0.0; });
  Backoff high(p, [] { return 0.999999; });
  EXPECT_EQ(low.Delay(1), Millis(50));
  EXPECT_EQ(low.Delay(2), Millis(100));
  EXPECT_EQ(low.Delay(3), Millis(200));
  EXPECT_EQ(low.Delay(30), Millis(500));  // capped at maximum, half of it fixed
  EXPECT_EQ(high.Delay(1), Millis(99));
  EXPECT_EQ(high.Delay(30), Millis(999));
}

TEST(RetryAfter, SecondsAndHttpDates) {
  auto now = At(1784800000);  // 2026-07-23T09:46:40Z
  EXPECT_EQ(ParseRetryAfter("120", now), Millis(120000));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), Millis(0));
  EXPECT_EQ(ParseRetryAfter("Thu, 23 Jul 2026 09:47:40 GMT", now), Millis(60000));
  EXPECT_EQ(ParseRetryAfter("Thu, 23 Jul 2026 09:00:00 GMT", now), Millis(0));  // past: now
  EXPECT_FALSE(ParseRetryAfter("soon", now));
  EXPECT_FALSE(ParseRetryAfter("-5", now));
  EXPECT_FALSE(ParseRetryAfter("", now));
  EXPECT_FALSE(ParseRetryAfter("Thu, 23 Foo 2026 09:47:40 GMT", now));
}

TEST(RetryAfter, AtlassianResetInstant) {
  auto now = At(1784800000);
  EXPECT_EQ(ParseResetInstant("2026-07-23T09:47:40Z", now), Millis(60000));
  EXPECT_EQ(ParseResetInstant("2026-07-23T09:47:40.250Z", now), Millis(61000));  // rounded up
  EXPECT_FALSE(ParseResetInstant("2026-07-23 09:47:40", now));
}

TEST(NextDelay, NeverBeforeTheServerSaid) {
  Backoff fast({Millis(10), Millis(100), 2.0}, [] { return 0.5; });
  EXPECT_EQ(NextDelay(fast, 1, Millis(3000)), Millis(3000));
  EXPECT_EQ(NextDelay(fast, 1, std::nullopt), fast.Delay(1));
}

}  // namespace
}  // namespace syncbridge::http
