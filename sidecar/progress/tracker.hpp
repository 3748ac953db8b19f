// Pure flush-position bookkeeping: an ordered list of (end LSN, durable?) → flush.
#pragma once

#include <deque>

#include "common/lsn.hpp"

namespace syncbridge::progress {

using common::Lsn;

// The reader registers each transaction end in commit order; workers mark them
// durable in any order. Flush is the end LSN of the last transaction such that
// it and every earlier one are durable; with nothing pending it is the latest
// received position (keepalives included) so idle slots release WAL. Flush
// never moves backwards.
class Tracker {
 public:
  explicit Tracker(Lsn start = Lsn()) : flush_(start), received_(start) {}

  // A transaction ending at end_lsn was read. Ends at or below flush are replays
  // (the server persists confirmed_flush lazily) and are ignored. Returns false
  // for an out-of-order registration, which the caller treats as a protocol error.
  bool Begin(Lsn end_lsn);
  // The transaction ending at end_lsn is applied and recorded. Unknown ends are ignored.
  void MarkDurable(Lsn end_lsn);
  // Any frame or keepalive up to this position was received.
  void Received(Lsn pos);
  Lsn Flush();
  // The consumer lost what it held (it restarts from the slot): transactions
  // not yet durable are forgotten, to be registered again when re-sent.
  // What was received after flush is forgotten too: it must not be confirmed.
  void ForgetPending() {
    pending_.clear();
    received_ = flush_;
  }
  Lsn LatestReceived() const { return received_; }
  bool Idle() const { return pending_.empty(); }

 private:
  struct Entry {
    Lsn end;
    bool durable;
  };
  std::deque<Entry> pending_;
  Lsn flush_;
  Lsn received_;
};

}  // namespace syncbridge::progress
