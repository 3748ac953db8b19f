#include "http_server.hpp"

// Boost 1.74 Asio uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "url.hpp"

namespace syncbridge::emulator {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// Confluence accepts bodies up to 5 MB (and answers 413 above); leave room
// for the JSON around them.
constexpr uint64_t kBodyLimitBytes = 32 * 1024 * 1024;
constexpr auto kIdleTimeout = std::chrono::seconds(300);

HttpRequest ToHttpRequest(const http::request<http::string_body>& message) {
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  auto question = request.target.find('?');
  request.path = PercentDecode(std::string_view(request.target).substr(0, question), false);
  if (question != std::string::npos) request.query = ParseQuery(std::string_view(request.target).substr(question + 1));
  for (const auto& field : message) request.headers.Set(std::string(field.name_string()), std::string(field.value()));
  request.body = message.body();
  return request;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Dispatcher& dispatcher, AccessLog& log)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), dispatcher_(dispatcher), log_(log) {}

  void Start() {
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::Read, shared_from_this()));
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(kBodyLimitBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec) {
      if (ec == http::error::body_limit) {
        Write(JsonResponse(413, {{"error", "request body too large"}}), false);
        return;
      }
      Close();
      return;
    }
    stream_.expires_never();
    message_ = parser_->release();
    request_ = ToHttpRequest(message_);
    started_ = std::chrono::steady_clock::now();
    dispatcher_.state().stats.EnterRequest();
    in_flight_ = true;
    plan_ = dispatcher_.Plan(request_);

    if (plan_.fault == FaultKind::kReset) {
      // An abortive close sends RST, like a proxy dropping the connection.
      dispatcher_.CountDropped(plan_);
      Log(0);
      beast::error_code ignored;
      stream_.socket().set_option(net::socket_base::linger(true, 0), ignored);
      Close();
      return;
    }
    if (plan_.fault == FaultKind::kTimeout) {
      dispatcher_.CountDropped(plan_);
      Log(0);
      timer_.expires_after(plan_.hold);
      timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Close(); });
      return;
    }
    if (plan_.latency.count() == 0) {
      Respond();
      return;
    }
    timer_.expires_after(plan_.latency);
    timer_.async_wait([self = shared_from_this()](beast::error_code wait_error) {
      if (!wait_error) self->Respond();
    });
  }

  void Respond() {
    std::string host = request_.headers.Get("Host").value_or("127.0.0.1");
    HttpResponse response = plan_.fault == FaultKind::kNone ? dispatcher_.Handle(request_, "http://" + host)
                                                            : dispatcher_.Fault(request_, plan_);
    Log(response.status);
    Write(std::move(response), message_.keep_alive());
  }

  void Write(HttpResponse response, bool keep_alive) {
    auto message = std::make_shared<http::response<http::string_body>>();
    message->version(11);
    message->result(static_cast<unsigned>(response.status));
    message->set(http::field::server, "syncbridge-emulator");
    for (auto& [name, value] : response.headers) message->insert(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive);
    message->prepare_payload();
    http::async_write(stream_, *message,
                      [self = shared_from_this(), message](beast::error_code ec, std::size_t) {
                        self->OnWrite(ec, message->need_eof());
                      });
  }

  void OnWrite(beast::error_code ec, bool need_eof) {
    Leave();
    if (ec) {
      Close();
      return;
    }
    if (need_eof) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    Read();
  }

  void Log(int status) {
    if (!log_.enabled()) return;
    double elapsed =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    std::vector<std::string> batch_lists;
    if (request_.method == "POST" && request_.path == "/v1.0/$batch") batch_lists = BatchLists(request_.body);
    log_.Record(request_.method, request_.path, status, elapsed,
                plan_.fault == FaultKind::kNone ? "" : FaultName(plan_.fault), batch_lists);
  }

  void Leave() {
    if (in_flight_) {
      in_flight_ = false;
      dispatcher_.state().stats.LeaveRequest();
    }
  }

  void Close() {
    Leave();
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> message_;
  HttpRequest request_;
  RequestPlan plan_;
  std::chrono::steady_clock::time_point started_;
  bool in_flight_ = false;
  Dispatcher& dispatcher_;
  AccessLog& log_;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Dispatcher& dispatcher, ServerOptions options)
      : dispatcher_(dispatcher),
        options_(std::move(options)),
        io_(std::max(1, options_.threads)),
        acceptor_(net::make_strand(io_)),
        log_(options_.log_path),
        signals_(signal_io_, SIGTERM, SIGINT) {}

  uint16_t Start() {
    beast::error_code ec;
    auto address = net::ip::make_address(options_.address, ec);
    if (ec) throw std::runtime_error("invalid listen address " + options_.address);
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + options_.address + ":" + std::to_string(options_.port) +
                                     ": " + ec.message());
    Accept();
    for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { io_.run(); });
    return acceptor_.local_endpoint().port();
  }

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    net::post(acceptor_.get_executor(), [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    for (auto& thread : threads_)
      if (thread.joinable()) thread.join();
    threads_.clear();
  }

  void WaitForSignal() {
    signals_.async_wait([](beast::error_code, int) {});
    signal_io_.run();
    Stop();
  }

 private:
  void Accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), dispatcher_, log_)->Start();
      }
      Accept();
    });
  }

  Dispatcher& dispatcher_;
  ServerOptions options_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  AccessLog log_;
  // Installed at construction, so a SIGTERM sent as soon as the
  // "listening" line appears is already caught.
  net::io_context signal_io_;
  net::signal_set signals_;
  std::vector<std::thread> threads_;
  bool stopped_ = false;
};

HttpServer::HttpServer(Dispatcher& dispatcher, ServerOptions options)
    : impl_(std::make_unique<Impl>(dispatcher, std::move(options))) {}

HttpServer::~HttpServer() { impl_->Stop(); }

uint16_t HttpServer::Start() { return impl_->Start(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::WaitForSignal() { impl_->WaitForSignal(); }

}  // namespace syncbridge::emulator
