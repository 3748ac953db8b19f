#include "metrics/endpoint.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

namespace syncbridge::metrics {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class Endpoint::Impl {
 public:
  Impl(std::function<std::string()> render, std::function<std::string()> health)
      : render_(std::move(render)), health_(std::move(health)), acceptor_(io_) {}

  ~Impl() { Stop(); }

  common::Result<std::uint16_t> Start(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos) return common::ConfigError("--metrics-listen must be HOST:PORT, not " + listen);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(listen.substr(0, colon), ec);
    if (ec) return common::ConfigError("--metrics-listen: bad address in " + listen);
    int port = std::atoi(listen.substr(colon + 1).c_str());
    if (port < 0 || port > 65535) return common::ConfigError("--metrics-listen: bad port in " + listen);
    tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return common::ConfigError("--metrics-listen " + listen + ": " + ec.message());
    Accept();
    thread_ = std::thread([this] { io_.run(); });
    return acceptor_.local_endpoint().port();
  }

  void Stop() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      Serve(std::make_shared<tcp::socket>(std::move(socket)));
      Accept();
    });
  }

  void Serve(std::shared_ptr<tcp::socket> socket) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto request = std::make_shared<http::request<http::string_body>>();
    http::async_read(*socket, *buffer, *request,
                     [this, socket, buffer, request](boost::system::error_code ec, std::size_t) {
                       if (ec) return;
                       auto response = std::make_shared<http::response<http::string_body>>(Answer(*request));
                       http::async_write(*socket, *response,
                                         [socket, response](boost::system::error_code, std::size_t) {
                                           boost::system::error_code ignored;
                                           socket->shutdown(tcp::socket::shutdown_both, ignored);
                                         });
                     });
  }

  http::response<http::string_body> Answer(const http::request<http::string_body>& request) {
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(false);
    std::string target(request.target());
    if (request.method() != http::verb::get) {
      response.result(http::status::method_not_allowed);
      response.body() = "GET only\n";
    } else if (target == "/metrics") {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response.body() = render_();
    } else if (target == "/healthz") {
      std::string reason = health_();
      response.result(reason.empty() ? http::status::ok : http::status::service_unavailable);
      response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.body() = reason.empty() ? "ok\n" : reason + "\n";
    } else {
      response.result(http::status::not_found);
      response.body() = "try /metrics or /healthz\n";
    }
    response.prepare_payload();
    return response;
  }

  std::function<std::string()> render_;
  std::function<std::string()> health_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

Endpoint::Endpoint(std::function<std::string()> render, std::function<std::string()> health)
    : impl_(std::make_unique<Impl>(std::move(render), std::move(health))) {}
Endpoint::~Endpoint() = default;
common::Result<std::uint16_t> Endpoint::Start(const std::string& listen) { return impl_->Start(listen); }
void Endpoint::Stop() { impl_->Stop(); }

}  // namespace syncbridge::metrics
