// Runtime knobs: set from the command line, the seed and the control plane,
// read by the request path. Plain values copied under the state lock.
#pragma once

#include <cstdint>

namespace syncbridge::emulator {

struct FaultRates {
  double throttle_429 = 0;      // answer 429 with Retry-After before handling
  double unavailable_503 = 0;   // answer 503 with Retry-After before handling
  double reset = 0;             // close the connection without an answer
  double timeout = 0;           // hold the request without ever answering
};

struct FaultSettings {
  int latency_ms = 0;
  int jitter_ms = 0;
  FaultRates rates;
};

struct LimitSettings {
  // SharePoint resource units per app per minute; 0 means unlimited.
  int64_t ru_per_minute = 0;
  // Confluence requests per second per caller; 0 means unlimited.
  int64_t confluence_burst_per_second = 0;
};

struct ServiceSettings {
  // Lifetime of Microsoft access tokens (the real service says 3599).
  int64_t graph_token_expires_in = 3599;
  // Lifetime of Atlassian access tokens (the real service says 3600).
  int64_t confluence_token_expires_in = 3600;
  // A Graph delta token older than this answers 410 Gone.
  double delta_token_horizon_seconds = 30.0 * 24 * 3600;
  // Confluence rewrites storage markup on save (e.g. class="wrapped").
  bool confluence_normalize_storage = true;
  // CQL search sees a page write only this long after it happened, like
  // Confluence's search index, which lags by seconds to minutes.
  int cql_index_lag_ms = 0;
  // Share of RU-budget refusals answered 503 (serverBusy) instead of 429:
  // SharePoint throttles with either, both with Retry-After.
  double throttle_503_fraction = 0;
  // How long a "timeout" fault holds a request before dropping it.
  int timeout_hold_ms = 60000;
};

}  // namespace syncbridge::emulator
