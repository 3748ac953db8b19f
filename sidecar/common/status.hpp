// Expected failures as values: Status and Result<T>. No exceptions cross module borders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace syncbridge::common {

enum class ErrorKind { kTransient, kThrottled, kPermanent, kProtocol, kConfig };

struct Error {
  ErrorKind kind = ErrorKind::kPermanent;
  std::string message;
  std::int64_t retry_after_ms = 0;  // only meaningful for kThrottled
};

inline Error ProtocolError(std::string message) { return {ErrorKind::kProtocol, std::move(message), 0}; }
inline Error ConfigError(std::string message) { return {ErrorKind::kConfig, std::move(message), 0}; }
inline Error PermanentError(std::string message) { return {ErrorKind::kPermanent, std::move(message), 0}; }
inline Error TransientError(std::string message) { return {ErrorKind::kTransient, std::move(message), 0}; }

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}    // NOLINT: implicit by design
  bool Ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return Ok(); }
  T& Value() { return std::get<T>(v_); }
  const T& Value() const { return std::get<T>(v_); }
  const Error& Err() const { return std::get<Error>(v_); }

 private:
  std::variant<T, Error> v_;
};

class Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  bool Ok() const { return !error_.has_value(); }
  explicit operator bool() const { return Ok(); }
  const Error& Err() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace syncbridge::common
