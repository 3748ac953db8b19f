// The HTTP/1.1 server: Boost.Beast sessions on a small thread pool. Each
// connection runs on its own strand; latency and timeout faults are Asio
// timers, so one thread can hold thousands of delayed requests at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "access_log.hpp"
#include "dispatcher.hpp"

namespace syncbridge::emulator {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port
  int threads = 2;
  std::string log_path;
};

class HttpServer {
 public:
  HttpServer(Dispatcher& dispatcher, ServerOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, starts the threads and returns the port actually bound. Throws
  // std::runtime_error when the address cannot be bound.
  uint16_t Start();
  // Stops accepting and serving, joins the threads. Idempotent.
  void Stop();
  // Blocks until SIGTERM or SIGINT, then stops.
  void WaitForSignal();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace syncbridge::emulator
