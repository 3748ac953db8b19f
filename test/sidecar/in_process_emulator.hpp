// The emulator served in-process on a free loopback port, for sidecar tests
// that talk HTTP to it (members destroyed in reverse: server stops first).
#pragma once

#include <memory>
#include <string>

#include "dispatcher.hpp"
#include "http_server.hpp"

namespace syncbridge::testing {

class InProcessEmulator {
 public:
  InProcessEmulator()
      : state_(std::make_unique<emulator::EmulatorState>()),
        dispatcher_(std::make_unique<emulator::Dispatcher>(*state_)),
        server_(std::make_unique<emulator::HttpServer>(*dispatcher_, emulator::ServerOptions{})),
        base_url_("http://127.0.0.1:" + std::to_string(server_->Start())) {}
  ~InProcessEmulator() { server_->Stop(); }
  InProcessEmulator(const InProcessEmulator&) = delete;
  InProcessEmulator& operator=(const InProcessEmulator&) = delete;

  const std::string& BaseUrl() const { return base_url_; }

 private:
  std::unique_ptr<emulator::EmulatorState> state_;
  std::unique_ptr<emulator::Dispatcher> dispatcher_;
  std::unique_ptr<emulator::HttpServer> server_;
  std::string base_url_;
};

}  // namespace syncbridge::testing
