// Pure: which operations go out next, per target. Keeps DESIGN.md's rules for
// the push path without doing any I/O:
//   - changes to one row key leave in commit order, one at a time (a $batch
//     runs its requests in any order, and a retried one must not overtake);
//   - a batch holds at most MaxBatch operations, each of a different key;
//   - at most `max_in_flight` batches per target;
//   - an operation told to wait (Retry-After, back-off) is not sent before
//     its time, and a throttled target pauses as a whole.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace syncbridge::dispatch {

using Clock = std::chrono::steady_clock;

// The scheduler's handle on one queued unit of work; the owner keeps the
// payload (operation, transaction, attempts) in a map by this id.
using WorkId = std::uint64_t;

struct Batch {
  int target_id = 0;
  std::vector<WorkId> work;
};

class Scheduler {
 public:
  Scheduler(std::size_t max_batch, int max_in_flight) : max_batch_(max_batch), max_in_flight_(max_in_flight) {}

  // Queues work for `key` (any string naming the row: sync id + row key) at
  // `target_id`. It leaves after every earlier work of the same key has
  // finished.
  void Add(WorkId id, int target_id, const std::string& key);

  // Batches that may leave now, at most one per target per call round, and
  // never beyond the in-flight limit.
  std::vector<Batch> Ready(Clock::time_point now);

  // A sent work item finished for good (applied, failed, or handed back as
  // new work): its key may send the next one.
  void Done(WorkId id);
  // A sent work item must go again, not before `not_before`; it keeps its
  // place at the head of its key.
  void Retry(WorkId id, Clock::time_point not_before);
  // The whole target must wait (e.g. a 429 on the batch itself).
  void PauseTarget(int target_id, Clock::time_point until);
  // The reason the target waited is gone (e.g. its list was just
  // provisioned): its queued work may leave at once.
  void WakeTarget(int target_id);
  // A batch of the target came back (call after Done/Retry of its items).
  void BatchFinished(int target_id);

  // Counts every change of state: NextWake() (a scan of all queued work)
  // can only change when this does.
  std::uint64_t Changes() const { return changes_; }
  // When Ready() may next have something (earliest wait), if anything waits.
  std::optional<Clock::time_point> NextWake() const;
  std::size_t Queued() const { return work_.size(); }
  int InFlight(int target_id) const;

 private:
  struct Work {
    int target_id = 0;
    std::string key;
    Clock::time_point not_before{};
    bool sent = false;
    std::list<WorkId>::iterator position;  // in its target's order: O(1) removal
  };
  struct Target {
    std::list<WorkId> order;  // arrival (commit) order
    int in_flight = 0;
    Clock::time_point paused_until{};
  };

  bool IsHeadOfKey(WorkId id, const Work& w) const;

  std::size_t max_batch_;
  int max_in_flight_;
  std::map<WorkId, Work> work_;
  std::map<std::string, std::deque<WorkId>> keys_;  // per key, in commit order
  std::map<int, Target> targets_;
  std::uint64_t changes_ = 0;
};

}  // namespace syncbridge::dispatch
