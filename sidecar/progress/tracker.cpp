#include "progress/tracker.hpp"

namespace syncbridge::progress {

bool Tracker::Begin(Lsn end_lsn) {
  if (end_lsn <= flush_) return true;  // replay of something already confirmed
  if (!pending_.empty() && end_lsn <= pending_.back().end) return false;
  pending_.push_back({end_lsn, false});
  return true;
}

void Tracker::MarkDurable(Lsn end_lsn) {
  for (auto& e : pending_) {
    if (e.end == end_lsn) {
      e.durable = true;
      return;
    }
  }
}

void Tracker::Received(Lsn pos) {
  if (pos > received_) received_ = pos;
}

Lsn Tracker::Flush() {
  while (!pending_.empty() && pending_.front().durable) {
    // Commit end LSNs only grow, so the front is always >= flush_; keep the max anyway.
    if (pending_.front().end > flush_) flush_ = pending_.front().end;
    pending_.pop_front();
  }
  // Nothing in flight: everything received so far is safe to confirm. Never
  // while a transaction is pending, because the received position may lie
  // inside it and confirming there would skip its remaining changes on restart.
  if (pending_.empty() && received_ > flush_) flush_ = received_;
  return flush_;
}

}  // namespace syncbridge::progress
