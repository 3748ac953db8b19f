// One HTTP/1.1 client connection over libcurl: RAII handle, keep-alive reuse,
// case-insensitive response headers. Not thread-safe: one per worker.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.hpp"

namespace syncbridge::http {

// curl_global_init/cleanup for the life of the process; construct one in main()
// before any Client exists.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

struct Request {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lowercased; repeated headers joined by ", "
  std::string body;

  const std::string* Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? nullptr : &it->second;
  }
};

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds request_timeout{60000};
  std::string user_agent = "syncbridged/0.1";
  // Called after every request with its method and HTTP status (0: no
  // answer), on the thread that sent it: the daemon counts requests by status.
  std::function<void(const std::string& method, int status)> on_response;
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // A transport failure (refused, reset, timeout, TLS) is a transient error;
  // any HTTP status, including 4xx/5xx, is a Response.
  common::Result<Response> Send(const Request& request);

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
  ClientOptions options_;
};

std::string UrlEncode(const std::string& text);
std::string FormEncode(const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace syncbridge::http
