// syncbridge-emulator: a local Microsoft Graph (SharePoint lists) and
// Confluence Cloud for tests, benchmarks and the demo.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <thread>

#include "control_plane.hpp"
#include "dispatcher.hpp"
#include "faults.hpp"
#include "http_server.hpp"

namespace emulator = syncbridge::emulator;

namespace {

bool ParseListen(const std::string& listen, std::string* address, uint16_t* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *address = listen.substr(0, colon);
  try {
    int value = std::stoi(listen.substr(colon + 1));
    if (value < 0 || value > 65535) return false;
    *port = static_cast<uint16_t>(value);
  } catch (...) {
    return false;
  }
  return !address->empty();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syncbridge-emulator: local Microsoft Graph (SharePoint lists) and Confluence Cloud"};
  std::string listen;
  std::string seed_path;
  int latency_ms = 0;
  int jitter_ms = 0;
  std::string fault_spec;
  int64_t ru_per_minute = 0;
  std::string log_path;
  int threads = static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  app.add_option("--listen", listen, "address:port to listen on (port 0 picks a free port)")->required();
  app.add_option("--seed", seed_path, "JSON seed file applied at start (see docs/emulator.md)")->check(CLI::ExistingFile);
  app.add_option("--latency-ms", latency_ms, "added latency per API request")->check(CLI::NonNegativeNumber);
  app.add_option("--jitter-ms", jitter_ms, "uniform random extra latency up to N ms")->check(CLI::NonNegativeNumber);
  app.add_option("--faults", fault_spec, "fault rates, e.g. 429=0.1,503=0.02,reset=0.01,timeout=0.005");
  app.add_option("--ru-per-minute", ru_per_minute, "SharePoint resource units per app per minute (0: unlimited)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--log", log_path, "append one JSON line per request to FILE");
  app.add_option("--threads", threads, "server threads")->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 prints help (exit 0) or the error; every bad argument exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  emulator::ServerOptions options;
  if (!ParseListen(listen, &options.address, &options.port)) {
    std::cerr << "syncbridge-emulator: --listen needs ADDRESS:PORT, got '" << listen << "'\n";
    return 2;
  }
  options.threads = threads;
  options.log_path = log_path;

  emulator::EmulatorState state;
  state.faults.latency_ms = latency_ms;
  state.faults.jitter_ms = jitter_ms;
  state.limits.ru_per_minute = ru_per_minute;
  std::string error;
  if (!fault_spec.empty() && !emulator::ParseFaultSpec(fault_spec, &state.faults.rates, &error)) {
    std::cerr << "syncbridge-emulator: --faults: " << error << "\n";
    return 2;
  }
  if (!seed_path.empty()) {
    std::ifstream in(seed_path);
    auto seed = nlohmann::json::parse(in, nullptr, false);
    if (seed.is_discarded()) {
      std::cerr << "syncbridge-emulator: " << seed_path << " is not valid JSON\n";
      return 2;
    }
    std::lock_guard lock(state.mutex);
    if (!emulator::ApplySeed(state, seed, &error)) {
      std::cerr << "syncbridge-emulator: " << seed_path << ": " << error << "\n";
      return 2;
    }
  }

  try {
    emulator::Dispatcher dispatcher(state);
    emulator::HttpServer server(dispatcher, options);
    uint16_t port = server.Start();
    std::cout << "listening on http://" << options.address << ":" << port << std::endl;
    server.WaitForSignal();
  } catch (const std::exception& e) {
    std::cerr << "syncbridge-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
