#include "http/retry.hpp"
#include "common/civil_date.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>

namespace syncbridge::http {
namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

Millis Until(std::chrono::system_clock::time_point then, std::chrono::system_clock::time_point now) {
  auto wait = std::chrono::duration_cast<Millis>(then - now);
  return std::max(wait, Millis(0));
}

std::chrono::system_clock::time_point FromCivil(int year, int month, int day, int h, int m, int s) {
  std::int64_t days = common::DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return std::chrono::system_clock::time_point(std::chrono::seconds(days * 86400 + (h * 60 + m) * 60 + s));
}

}  // namespace

bool RetryPolicy::RetryableStatus(int status) {
  switch (status) {
    case 0:
    case 408:
    case 429:
    case 500:
    case 502:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

bool RetryPolicy::ShouldRetry(int status, int attempts_made, Millis elapsed) const {
  return RetryableStatus(status) && attempts_made < max_attempts && elapsed < max_elapsed;
}

Millis Backoff::Delay(int retry) const {
  double ceiling = static_cast<double>(policy_.initial.count()) *
                   std::pow(policy_.multiplier, static_cast<double>(std::max(retry, 1) - 1));
  ceiling = std::min(ceiling, static_cast<double>(policy_.maximum.count()));
  double half = ceiling / 2;
  return Millis(static_cast<std::int64_t>(half + half * uniform01_()));
}

std::optional<Millis> ParseRetryAfter(std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::nullopt;
    return Millis(std::stoll(std::string(value)) * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (value.size() != 29 || value.substr(3, 2) != ", " || value.substr(25) != " GMT") return std::nullopt;
  int day, year, h, m, s;
  if (!Digits(value, 5, 2, day) || !Digits(value, 12, 4, year) || !Digits(value, 17, 2, h) ||
      !Digits(value, 20, 2, m) || !Digits(value, 23, 2, s))
    return std::nullopt;
  auto month = std::find(kMonths.begin(), kMonths.end(), value.substr(8, 3));
  if (month == kMonths.end()) return std::nullopt;
  return Until(FromCivil(year, static_cast<int>(month - kMonths.begin()) + 1, day, h, m, s), now);
}

std::optional<Millis> ParseResetInstant(std::string_view value, std::chrono::system_clock::time_point now) {
  int year, month, day, h, m, s;
  if (value.size() < 20 || !Digits(value, 0, 4, year) || value[4] != '-' || !Digits(value, 5, 2, month) ||
      value[7] != '-' || !Digits(value, 8, 2, day) || value[10] != 'T' || !Digits(value, 11, 2, h) ||
      value[13] != ':' || !Digits(value, 14, 2, m) || value[16] != ':' || !Digits(value, 17, 2, s) ||
      value.back() != 'Z' || month < 1 || month > 12)
    return std::nullopt;
  // Round fractional seconds up: waking early only earns another 429.
  bool fraction = value.size() > 20 && value[19] == '.';
  return Until(FromCivil(year, month, day, h, m, s + (fraction ? 1 : 0)), now);
}

Millis NextDelay(const Backoff& backoff, int retry, std::optional<Millis> server_asked) {
  Millis ours = backoff.Delay(retry);
  return server_asked ? std::max(*server_asked, ours / 4) : ours;
}

}  // namespace syncbridge::http
