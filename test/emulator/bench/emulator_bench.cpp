// Load client for docs/performance.md. Starts the emulator in-process (or
// targets --url), then measures (1) requests/s of small authenticated Graph
// reads over keep-alive connections with no latency and (2) the wall time of
// N concurrent requests under injected latency. Not a ctest test.
// Boost 1.74 Asio uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <CLI/CLI.hpp>

#include <atomic>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

#include "dispatcher.hpp"
#include "http_server.hpp"

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
namespace emulator = syncbridge::emulator;

namespace {

struct Target {
  std::string host = "127.0.0.1";
  std::string port;
};

// Synchronous one-off request, for setup.
http::response<http::string_body> Call(const Target& target, http::verb verb, const std::string& path,
                                       const std::string& body, const std::string& content_type,
                                       const std::string& authorization = "") {
  net::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::resolver(io).resolve(target.host, target.port));
  http::request<http::string_body> request{verb, path, 11};
  request.set(http::field::host, target.host + ":" + target.port);
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  if (!authorization.empty()) request.set(http::field::authorization, authorization);
  request.body() = body;
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return response;
}

// One keep-alive connection issuing the same request back to back until
// the deadline (or `remaining` requests when that is set).
class Worker : public std::enable_shared_from_this<Worker> {
 public:
  Worker(net::io_context& io, const Target& target, std::string path, std::string authorization,
         std::chrono::steady_clock::time_point deadline, std::atomic<int64_t>& completed, int max_requests)
      : stream_(io), target_(target), deadline_(deadline), completed_(completed), max_requests_(max_requests) {
    request_ = {http::verb::get, path, 11};
    request_.set(http::field::host, target.host + ":" + target.port);
    request_.set(http::field::authorization, authorization);
    request_.keep_alive(true);
  }
  void Start(const tcp::resolver::results_type& endpoints) {
    stream_.async_connect(endpoints, [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
      if (!ec) self->Send();
    });
  }

 private:
  void Send() {
    if ((max_requests_ > 0 && sent_ >= max_requests_) ||
        (max_requests_ == 0 && std::chrono::steady_clock::now() >= deadline_))
      return;
    ++sent_;
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (!ec) self->Receive();
    });
  }
  void Receive() {
    response_ = {};
    http::async_read(stream_, buffer_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      if (self->response_.result_int() == 200) ++self->completed_;
      self->Send();
    });
  }

  beast::tcp_stream stream_;
  Target target_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<int64_t>& completed_;
  int max_requests_;
  int sent_ = 0;
  http::request<http::empty_body> request_;
  beast::flat_buffer buffer_;
  http::response<http::string_body> response_;
};

// The baseline: a bare Beast server on the same number of threads that
// answers every request with a fixed JSON body of the same size as the
// emulator's answer, without routing, authentication, accounting or state.
// The ratio emulator/baseline is what the emulator's own work costs.
class BaselineServer {
 public:
  BaselineServer(int threads, std::string body) : io_(threads), acceptor_(io_), body_(std::move(body)) {
    tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    Accept();
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~BaselineServer() {
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(tcp::socket socket, const std::string& body) : stream_(std::move(socket)), body_(body) {}
    void Read() {
      request_ = {};
      http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (!ec) self->Write();
      });
    }

   private:
    void Write() {
      response_ = {http::status::ok, 11};
      response_.set(http::field::server, "baseline");
      response_.set(http::field::content_type, "application/json");
      response_.body() = body_;
      response_.keep_alive(request_.keep_alive());
      response_.prepare_payload();
      http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (!ec) self->Read();
      });
    }
    beast::tcp_stream stream_;
    const std::string& body_;
    beast::flat_buffer buffer_;
    http::request<http::string_body> request_;
    http::response<http::string_body> response_;
  };

  void Accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      socket.set_option(tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(socket), body_)->Read();
      Accept();
    });
  }

  net::io_context io_;
  tcp::acceptor acceptor_;
  std::string body_;
  std::vector<std::thread> threads_;
};

// Runs `connections` workers; returns completed 200s and elapsed seconds.
std::pair<int64_t, double> Run(const Target& target, const std::string& path, const std::string& authorization,
                               int connections, double seconds, int max_requests) {
  net::io_context io;
  auto endpoints = tcp::resolver(io).resolve(target.host, target.port);
  std::atomic<int64_t> completed{0};
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
  for (int i = 0; i < connections; ++i)
    std::make_shared<Worker>(io, target, path, authorization, deadline, completed, max_requests)->Start(endpoints);
  io.run();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {completed.load(), elapsed};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syncbridge-emulator load client"};
  std::string url;
  double seconds = 5;
  int connections = 32;
  int concurrent = 64;
  int latency_ms = 50;
  int server_threads = 2;
  app.add_option("--url", url, "target an already running emulator (http://127.0.0.1:PORT); default: in-process");
  app.add_option("--seconds", seconds, "duration of the throughput run");
  app.add_option("--connections", connections, "keep-alive connections for the throughput run");
  app.add_option("--concurrent", concurrent, "concurrent requests for the latency run");
  app.add_option("--latency-ms", latency_ms, "injected latency for the latency run");
  app.add_option("--server-threads", server_threads, "threads of the in-process emulator");
  CLI11_PARSE(app, argc, argv);

  std::unique_ptr<emulator::EmulatorState> state;
  std::unique_ptr<emulator::Dispatcher> dispatcher;
  std::unique_ptr<emulator::HttpServer> server;
  Target target;
  if (url.empty()) {
    state = std::make_unique<emulator::EmulatorState>();
    dispatcher = std::make_unique<emulator::Dispatcher>(*state);
    emulator::ServerOptions options;
    options.threads = server_threads;
    server = std::make_unique<emulator::HttpServer>(*dispatcher, options);
    target.port = std::to_string(server->Start());
  } else {
    target.port = url.substr(url.rfind(':') + 1);
  }

  const std::string json = "application/json";
  Call(target, http::verb::post, "/_emulator/apps", R"({"tenant":"bench","client_id":"bench","client_secret":"s"})", json);
  auto site = nlohmann::json::parse(
      Call(target, http::verb::post, "/_emulator/sites", R"({"hostname":"bench.sharepoint.com","path":"/sites/bench"})", json)
          .body());
  auto token = nlohmann::json::parse(
      Call(target, http::verb::post, "/bench/oauth2/v2.0/token",
           "client_id=bench&client_secret=s&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
           "application/x-www-form-urlencoded")
          .body());
  std::string authorization = "Bearer " + token["access_token"].get<std::string>();
  std::string path = "/v1.0/sites/" + site["id"].get<std::string>();
  Call(target, http::verb::put, "/_emulator/faults", R"({"latency_ms":0,"jitter_ms":0,"rates":{}})", json);
  Call(target, http::verb::put, "/_emulator/limits", R"({"ru_per_minute":0})", json);

  // The baseline answers with a body as large as the emulator's answer.
  std::string sample = Call(target, http::verb::get, path, "", "", authorization).body();
  // Baseline and emulator take turns in short slices, so that both see the
  // same background load on a shared machine and the ratio stays meaningful.
  int64_t done = 0, baseline_done = 0;
  double elapsed = 0, baseline_elapsed = 0;
  {
    BaselineServer baseline(server_threads, sample);
    Target baseline_target{"127.0.0.1", std::to_string(baseline.port())};
    const int slices = std::max(1, static_cast<int>(seconds / 0.5));
    for (int i = 0; i < slices; ++i) {
      auto [b_done, b_elapsed] = Run(baseline_target, path, authorization, connections, seconds / slices, 0);
      baseline_done += b_done;
      baseline_elapsed += b_elapsed;
      auto [e_done, e_elapsed] = Run(target, path, authorization, connections, seconds / slices, 0);
      done += e_done;
      elapsed += e_elapsed;
    }
  }
  double baseline_rate = static_cast<double>(baseline_done) / baseline_elapsed;
  double rate = static_cast<double>(done) / elapsed;
  std::cout << "throughput: " << done << " requests in " << elapsed << " s over " << connections
            << " connections = " << static_cast<int64_t>(rate) << " requests/s\n";
  std::cout << "baseline (bare Beast, " << server_threads << " threads, fixed " << sample.size()
            << "-byte answer): " << static_cast<int64_t>(baseline_rate) << " requests/s; emulator/baseline = "
            << static_cast<double>(static_cast<int64_t>(rate / baseline_rate * 100)) / 100 << "\n";

  Call(target, http::verb::put, "/_emulator/faults",
       nlohmann::json{{"latency_ms", latency_ms}, {"jitter_ms", 0}}.dump(), json);
  auto [answered, wall] = Run(target, path, authorization, concurrent, 0, 1);
  std::cout << "latency: " << answered << " concurrent requests at " << latency_ms << " ms finished in "
            << static_cast<int64_t>(wall * 1000) << " ms (serial would be " << concurrent * latency_ms << " ms)\n";
  Call(target, http::verb::put, "/_emulator/faults", R"({"latency_ms":0})", json);
  if (server) server->Stop();
  return answered == concurrent ? 0 : 1;
}
