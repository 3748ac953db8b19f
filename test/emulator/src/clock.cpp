#include "clock.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>
#include <random>

namespace syncbridge::emulator {
namespace {

std::mt19937_64& Generator() {
  // One generator per thread: no shared mutable state, no locking.
  thread_local std::mt19937_64 generator{std::random_device{}()};
  return generator;
}

std::string FormatIso(TimePoint t, bool millis) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
  std::time_t tt = Clock::to_time_t(seconds);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[96];
  if (millis) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

}  // namespace

std::string FormatIsoSeconds(TimePoint t) { return FormatIso(t, false); }
std::string FormatIsoMillis(TimePoint t) { return FormatIso(t, true); }

std::optional<TimePoint> ParseIso(std::string_view text) {
  std::string s(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%n", &year, &month, &day, &consumed) != 3 || consumed != 10)
    return std::nullopt;
  size_t pos = 10;
  double fraction = 0;
  int offset_minutes = 0;
  if (pos < s.size()) {
    if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
    ++pos;
    int n = 0;
    if (std::sscanf(s.c_str() + pos, "%2d:%2d%n", &hour, &minute, &n) != 2 || n != 5) return std::nullopt;
    pos += 5;
    if (pos < s.size() && s[pos] == ':') {
      if (std::sscanf(s.c_str() + pos, ":%2d%n", &second, &n) != 1 || n != 3) return std::nullopt;
      pos += 3;
      if (pos < s.size() && s[pos] == '.') {
        size_t start = pos;
        ++pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
        fraction = std::stod("0" + s.substr(start, pos - start));
      }
    }
    if (pos < s.size()) {
      if (s[pos] == 'Z' && pos + 1 == s.size()) {
        pos += 1;
      } else if ((s[pos] == '+' || s[pos] == '-') && s.size() - pos == 6) {
        int oh = 0, om = 0;
        if (std::sscanf(s.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
        offset_minutes = (s[pos] == '-' ? -1 : 1) * (oh * 60 + om);
        pos = s.size();
      } else {
        return std::nullopt;
      }
    }
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return std::nullopt;
  auto result = UtcTimePoint(year, month, day, hour, minute, second) - std::chrono::minutes(offset_minutes) +
                std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(fraction));
  return result;
}

std::string NewGuid() {
  std::uniform_int_distribution<int> nibble(0, 15);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string guid = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : guid) {
    if (c == 'x') c = kHex[nibble(Generator())];
    if (c == 'y') c = kHex[8 + nibble(Generator()) % 4];
  }
  return guid;
}

std::string NewOpaqueToken(size_t bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::uniform_int_distribution<int> pick(0, 63);
  std::string token;
  for (size_t i = 0; i < bytes * 4 / 3 + 1; ++i) token.push_back(kAlphabet[pick(Generator())]);
  return token;
}

double RandomUnit() { return std::uniform_real_distribution<double>(0.0, 1.0)(Generator()); }

TimePoint UtcTimePoint(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return Clock::from_time_t(timegm(&tm));
}

}  // namespace syncbridge::emulator
