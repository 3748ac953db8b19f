#include <gtest/gtest.h>

#include "progress/tracker.hpp"

namespace syncbridge::progress {
namespace {

TEST(Tracker, IdleConfirmsLatestReceived) {
  Tracker t(Lsn(100));
  EXPECT_EQ(t.Flush(), Lsn(100));
  t.Received(Lsn(500));  // keepalive with nothing pending
  EXPECT_EQ(t.Flush(), Lsn(500));
}

TEST(Tracker, OutOfOrderCompletionWaitsForEarlier) {
  struct Step {
    const char* action;
    std::uint64_t lsn;
    std::uint64_t want_flush;
  };
  // Table: register three transactions, complete them 3,1,2.
  const Step steps[] = {
      {"begin", 200, 100}, {"begin", 300, 100}, {"begin", 400, 100}, {"recv", 450, 100},
      {"done", 400, 100},  {"done", 200, 200},  {"done", 300, 450},
  };
  Tracker t(Lsn(100));
  for (const auto& s : steps) {
    std::string a = s.action;
    if (a == "begin") {
      ASSERT_TRUE(t.Begin(Lsn(s.lsn)));
    } else if (a == "done") {
      t.MarkDurable(Lsn(s.lsn));
    } else if (a == "recv") {
      t.Received(Lsn(s.lsn));
    }
    EXPECT_EQ(t.Flush(), Lsn(s.want_flush)) << a << " " << s.lsn;
  }
}

TEST(Tracker, NeverConfirmsMidTransaction) {
  Tracker t(Lsn(100));
  ASSERT_TRUE(t.Begin(Lsn(300)));
  t.Received(Lsn(250));  // a change inside the pending transaction
  EXPECT_EQ(t.Flush(), Lsn(100));
}

TEST(Tracker, ReplaysBelowFlushAreIgnored) {
  Tracker t(Lsn(1000));
  EXPECT_TRUE(t.Begin(Lsn(900)));  // server replayed an already-confirmed transaction
  EXPECT_TRUE(t.Idle());
  EXPECT_EQ(t.Flush(), Lsn(1000));
}

TEST(Tracker, NeverMovesBackwards) {
  Tracker t(Lsn(1000));
  t.Received(Lsn(10));
  EXPECT_EQ(t.Flush(), Lsn(1000));
  ASSERT_TRUE(t.Begin(Lsn(2000)));
  t.MarkDurable(Lsn(2000));
  EXPECT_EQ(t.Flush(), Lsn(2000));
  t.Received(Lsn(1500));  // an older keepalive arriving late
  EXPECT_EQ(t.Flush(), Lsn(2000));
}

TEST(Tracker, RejectsNonIncreasingEnds) {
  Tracker t;
  ASSERT_TRUE(t.Begin(Lsn(10)));
  EXPECT_FALSE(t.Begin(Lsn(10)));
  EXPECT_FALSE(t.Begin(Lsn(5)));
}

}  // namespace
}  // namespace syncbridge::progress
