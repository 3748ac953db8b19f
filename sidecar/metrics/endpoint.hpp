// The metrics listener: GET /metrics (Prometheus text) and GET /healthz
// (200 "ok" while the daemon is healthy, 503 with the reason otherwise), on
// its own thread so a slow scraper never stalls the stream.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/status.hpp"

namespace syncbridge::metrics {

class Endpoint {
 public:
  // health() returns an empty string when healthy, else the reason.
  Endpoint(std::function<std::string()> render, std::function<std::string()> health);
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // "127.0.0.1:9187"; port 0 picks a free one. Returns the bound port.
  common::Result<std::uint16_t> Start(const std::string& listen);
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace syncbridge::metrics
