// Strong types shared by every sidecar module: Lsn, Xid, RelId.
#pragma once

#include <compare>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace syncbridge::common {

// A WAL position. Printed and parsed as PostgreSQL does: "%X/%X" (high/low 32 bits).
class Lsn {
 public:
  constexpr Lsn() = default;
  constexpr explicit Lsn(std::uint64_t value) : value_(value) {}
  constexpr std::uint64_t Value() const { return value_; }
  constexpr bool IsValid() const { return value_ != 0; }
  constexpr auto operator<=>(const Lsn&) const = default;

  std::string ToString() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(value_ >> 32),
                  static_cast<unsigned>(value_ & 0xffffffffu));
    return buf;
  }

  // Accepts "X/X" with 1..8 hex digits each side; anything else is nullopt.
  static std::optional<Lsn> Parse(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    auto hex = [](std::string_view part) -> std::optional<std::uint64_t> {
      if (part.empty() || part.size() > 8) return std::nullopt;
      std::uint64_t v = 0;
      for (char c : part) {
        int d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return std::nullopt;
        v = v * 16 + static_cast<std::uint64_t>(d);
      }
      return v;
    };
    auto hi = hex(text.substr(0, slash));
    auto lo = hex(text.substr(slash + 1));
    if (!hi || !lo) return std::nullopt;
    return Lsn((*hi << 32) | *lo);
  }

 private:
  std::uint64_t value_ = 0;
};

struct Xid {
  std::uint32_t value = 0;
  constexpr auto operator<=>(const Xid&) const = default;
};

struct RelId {
  std::uint32_t value = 0;
  constexpr auto operator<=>(const RelId&) const = default;
};

}  // namespace syncbridge::common
