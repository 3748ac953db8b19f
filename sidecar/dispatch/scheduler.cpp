#include "dispatch/scheduler.hpp"

#include <algorithm>
#include <iterator>

namespace syncbridge::dispatch {

void Scheduler::Add(WorkId id, int target_id, const std::string& key) {
  ++changes_;
  auto& order = targets_[target_id].order;
  order.push_back(id);
  work_[id] = Work{target_id, key, {}, false, std::prev(order.end())};
  keys_[key].push_back(id);
}

bool Scheduler::IsHeadOfKey(WorkId id, const Work& w) const {
  auto it = keys_.find(w.key);
  return it != keys_.end() && !it->second.empty() && it->second.front() == id;
}

std::vector<Batch> Scheduler::Ready(Clock::time_point now) {
  std::vector<Batch> batches;
  for (auto& [target_id, target] : targets_) {
    if (target.in_flight >= max_in_flight_ || target.paused_until > now) continue;
    Batch batch{target_id, {}};
    std::set<std::string> keys_in_batch;
    for (WorkId id : target.order) {
      if (batch.work.size() >= max_batch_) break;
      Work& w = work_.at(id);
      if (w.sent || w.not_before > now || !IsHeadOfKey(id, w) || keys_in_batch.count(w.key)) continue;
      keys_in_batch.insert(w.key);
      batch.work.push_back(id);
    }
    if (batch.work.empty()) continue;
    for (WorkId id : batch.work) work_.at(id).sent = true;
    ++target.in_flight;
    ++changes_;
    batches.push_back(std::move(batch));
  }
  return batches;
}

void Scheduler::Done(WorkId id) {
  ++changes_;
  auto it = work_.find(id);
  if (it == work_.end()) return;
  auto& queue = keys_[it->second.key];
  queue.erase(std::remove(queue.begin(), queue.end(), id), queue.end());
  if (queue.empty()) keys_.erase(it->second.key);
  targets_[it->second.target_id].order.erase(it->second.position);
  work_.erase(it);
}

void Scheduler::Retry(WorkId id, Clock::time_point not_before) {
  ++changes_;
  auto it = work_.find(id);
  if (it == work_.end()) return;
  it->second.sent = false;
  it->second.not_before = not_before;
}

void Scheduler::PauseTarget(int target_id, Clock::time_point until) {
  ++changes_;
  auto& target = targets_[target_id];
  target.paused_until = std::max(target.paused_until, until);
}

void Scheduler::WakeTarget(int target_id) {
  ++changes_;
  auto it = targets_.find(target_id);
  if (it == targets_.end()) return;
  it->second.paused_until = {};
  for (WorkId id : it->second.order) {
    auto w = work_.find(id);
    if (w != work_.end() && !w->second.sent) w->second.not_before = {};
  }
}

void Scheduler::BatchFinished(int target_id) {
  ++changes_;
  auto& target = targets_[target_id];
  if (target.in_flight > 0) --target.in_flight;
}

std::optional<Clock::time_point> Scheduler::NextWake() const {
  // Per target, not per work item: the daemon asks after nearly every event,
  // with up to --max-outstanding items queued, and a scan of them all was
  // most of its CPU time (test/bench/push_bench.sh).
  std::optional<Clock::time_point> wake;
  for (const auto& [target_id, target] : targets_) {
    // Work of a target at its in-flight limit wakes when a batch comes back: not by time.
    if (target.in_flight >= max_in_flight_) continue;
    for (WorkId id : target.order) {
      const Work& w = work_.at(id);
      // Work behind another of its key wakes when that one is done: not by time.
      if (w.sent || !IsHeadOfKey(id, w)) continue;
      auto t = std::max(w.not_before, target.paused_until);
      if (!wake || t < *wake) wake = t;
      if (t == target.paused_until) break;  // nothing of this target wakes earlier
    }
  }
  return wake;
}

int Scheduler::InFlight(int target_id) const {
  auto it = targets_.find(target_id);
  return it == targets_.end() ? 0 : it->second.in_flight;
}

}  // namespace syncbridge::dispatch
