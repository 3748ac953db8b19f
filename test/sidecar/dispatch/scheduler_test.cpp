#include <gtest/gtest.h>

#include "dispatch/scheduler.hpp"

namespace syncbridge::dispatch {
namespace {

using std::chrono::seconds;

const Clock::time_point kT0 = Clock::time_point() + std::chrono::hours(1);

std::vector<WorkId> All(const std::vector<Batch>& batches) {
  std::vector<WorkId> out;
  for (const auto& b : batches) out.insert(out.end(), b.work.begin(), b.work.end());
  return out;
}

TEST(Scheduler, BatchesAreCappedAndKeepCommitOrder) {
  Scheduler s(20, 4);
  for (WorkId id = 1; id <= 45; ++id) s.Add(id, 1, "k" + std::to_string(id));
  auto first = s.Ready(kT0);
  ASSERT_EQ(first.size(), 1u);  // one batch per target per round
  EXPECT_EQ(first[0].work.size(), 20u);
  EXPECT_EQ(first[0].work.front(), 1u);
  EXPECT_EQ(first[0].work.back(), 20u);
  auto second = s.Ready(kT0);
  EXPECT_EQ(second[0].work.front(), 21u);
  auto third = s.Ready(kT0);
  EXPECT_EQ(third[0].work.size(), 5u);
  EXPECT_EQ(s.InFlight(1), 3);
  EXPECT_TRUE(s.Ready(kT0).empty());  // nothing left unsent
}

TEST(Scheduler, OneKeyIsNeverInFlightTwice) {
  Scheduler s(20, 4);
  s.Add(1, 1, "a");
  s.Add(2, 1, "a");
  s.Add(3, 1, "b");
  s.Add(4, 2, "a");  // the same row moving to another target waits too
  auto batches = s.Ready(kT0);
  EXPECT_EQ(All(batches), (std::vector<WorkId>{1, 3}));
  s.Done(1);
  s.BatchFinished(1);
  EXPECT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{2}));
  s.Done(2);
  s.BatchFinished(1);
  EXPECT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{4}));
}

TEST(Scheduler, InFlightLimitPerTarget) {
  Scheduler s(1, 2);
  for (WorkId id = 1; id <= 5; ++id) s.Add(id, 1, std::to_string(id));
  s.Add(6, 2, "x");
  auto round1 = s.Ready(kT0);
  EXPECT_EQ(All(round1), (std::vector<WorkId>{1, 6}));
  EXPECT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{2}));
  EXPECT_TRUE(s.Ready(kT0).empty());  // target 1 has two batches out
  s.Done(1);
  s.BatchFinished(1);
  EXPECT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{3}));
}

TEST(Scheduler, RetriesWaitAndKeepTheirPlace) {
  Scheduler s(20, 4);
  s.Add(1, 1, "a");
  s.Add(2, 1, "a");
  s.Add(3, 1, "b");
  ASSERT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{1, 3}));
  s.Retry(1, kT0 + seconds(30));  // throttled item: Retry-After 30
  s.Done(3);
  s.BatchFinished(1);
  EXPECT_TRUE(s.Ready(kT0 + seconds(29)).empty());  // 2 may not overtake 1
  EXPECT_EQ(s.NextWake(), kT0 + seconds(30));
  EXPECT_EQ(All(s.Ready(kT0 + seconds(30))), (std::vector<WorkId>{1}));
}

TEST(Scheduler, PausedTargetsSendNothingUntilTheirTime) {
  Scheduler s(20, 4);
  s.Add(1, 1, "a");
  s.Add(2, 2, "b");
  s.PauseTarget(1, kT0 + seconds(10));
  EXPECT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{2}));
  EXPECT_EQ(s.NextWake(), kT0 + seconds(10));
  EXPECT_EQ(All(s.Ready(kT0 + seconds(10))), (std::vector<WorkId>{1}));
  EXPECT_FALSE(s.NextWake().has_value());
}

TEST(Scheduler, AFullTargetWakesOnCompletionNotByTime) {
  // Queued work of a target at its in-flight limit must not ask for an
  // immediate wake: the loop would spin until a batch comes back.
  Scheduler s(1, 1);
  s.Add(1, 1, "a");
  s.Add(2, 1, "b");
  const auto before = s.Changes();
  ASSERT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{1}));
  EXPECT_GT(s.Changes(), before);
  EXPECT_FALSE(s.NextWake().has_value());
  s.Done(1);
  s.BatchFinished(1);
  ASSERT_TRUE(s.NextWake().has_value());
  EXPECT_LE(*s.NextWake(), kT0);
  s.WakeTarget(1);
  EXPECT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{2}));
}

TEST(Scheduler, NextWakeIsTheEarliestOfATargetsWorkNotItsFirst) {
  Scheduler s(1, 4);
  s.Add(1, 1, "a");
  s.Add(2, 1, "b");
  s.Add(3, 2, "c");
  ASSERT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{1, 3}));
  s.Retry(1, kT0 + seconds(30));  // first in its target's order, but waits
  s.BatchFinished(1);
  s.Retry(3, kT0 + seconds(20));
  s.PauseTarget(2, kT0 + seconds(5));
  s.BatchFinished(2);
  ASSERT_TRUE(s.NextWake().has_value());
  EXPECT_LE(*s.NextWake(), kT0);  // 2 may go now
  EXPECT_EQ(All(s.Ready(kT0)), (std::vector<WorkId>{2}));
  EXPECT_EQ(s.NextWake(), kT0 + seconds(20));  // 3, after its target's pause
}

TEST(Scheduler, ManyItemsStayCheap) {
  Scheduler s(20, 8);
  const WorkId n = 100000;
  for (WorkId id = 1; id <= n; ++id) s.Add(id, 1, std::to_string(id));
  WorkId done = 0;
  while (s.Queued() > 0) {
    for (const auto& b : s.Ready(kT0)) {
      for (WorkId id : b.work) s.Done(id), ++done;
      s.BatchFinished(b.target_id);
    }
  }
  EXPECT_EQ(done, n);
}

}  // namespace
}  // namespace syncbridge::dispatch
