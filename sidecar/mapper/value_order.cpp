#include "mapper/value_order.hpp"
#include "common/civil_date.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

namespace syncbridge::mapper {
namespace {

using nlohmann::json;

struct NumericText {
  enum class Kind { kNegInf, kFinite, kPosInf, kNaN } kind = Kind::kFinite;
  bool negative = false;
  std::string_view integer;   // no leading zeros
  std::string_view fraction;  // no trailing zeros
};

std::optional<NumericText> ParseNumericText(std::string_view s) {
  NumericText d;
  if (s == "NaN") d.kind = NumericText::Kind::kNaN;
  if (s == "Infinity") d.kind = NumericText::Kind::kPosInf;
  if (s == "-Infinity") d.kind = NumericText::Kind::kNegInf;
  if (d.kind != NumericText::Kind::kFinite) return d;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    d.negative = s[0] == '-';
    s.remove_prefix(1);
  }
  auto dot = s.find('.');
  std::string_view integer = s.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (integer.empty() && fraction.empty()) return std::nullopt;
  for (char c : integer)
    if (c < '0' || c > '9') return std::nullopt;
  for (char c : fraction)
    if (c < '0' || c > '9') return std::nullopt;
  while (!integer.empty() && integer.front() == '0') integer.remove_prefix(1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  d.integer = integer;
  d.fraction = fraction;
  if (integer.empty() && fraction.empty()) d.negative = false;  // -0 is 0
  return d;
}

int CompareMagnitude(const NumericText& a, const NumericText& b) {
  if (a.integer.size() != b.integer.size()) return a.integer.size() < b.integer.size() ? -1 : 1;
  if (int c = a.integer.compare(b.integer)) return c < 0 ? -1 : 1;
  if (int c = a.fraction.compare(b.fraction)) return c < 0 ? -1 : 1;
  return 0;
}

// float4/float8 as decode prints them: a JSON number, or "NaN"/"Infinity"/"-Infinity".
std::optional<double> FloatValue(const json& v) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  if (s == "NaN") return std::nan("");
  if (s == "Infinity") return HUGE_VAL;
  if (s == "-Infinity") return -HUGE_VAL;
  return std::nullopt;
}

// A point in time as (day number, microsecond of day), so that the whole
// PostgreSQL range (4713 BC to 294276 AD) compares without overflow.
struct Instant {
  int infinity = 0;  // -1, 0, +1
  std::int64_t days = 0;
  std::int64_t micros = 0;
  auto operator<=>(const Instant&) const = default;
};

bool TakeDigits(std::string_view& s, std::size_t min, std::size_t max, std::int64_t& out) {
  std::size_t n = 0;
  out = 0;
  while (n < s.size() && n < max && s[n] >= '0' && s[n] <= '9') out = out * 10 + (s[n++] - '0');
  if (n < min) return false;
  s.remove_prefix(n);
  return true;
}

bool TakeChar(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

// "YYYY-MM-DD[THH:MM:SS[.ffffff]][Z][ BC]", "infinity" or "-infinity".
// want_time: the family carries a time of day; want_zone: it ends in Z.
std::optional<Instant> ParseInstant(const json& v, bool want_time, bool want_zone) {
  if (!v.is_string()) return std::nullopt;
  std::string_view s = v.get_ref<const std::string&>();
  if (s == "infinity") return Instant{1};
  if (s == "-infinity") return Instant{-1};
  bool bc = false;
  if (s.size() > 3 && s.substr(s.size() - 3) == " BC") {
    bc = true;
    s.remove_suffix(3);
  }
  std::int64_t year, month, day;
  if (!TakeDigits(s, 4, 6, year) || !TakeChar(s, '-') || !TakeDigits(s, 2, 2, month) || !TakeChar(s, '-') ||
      !TakeDigits(s, 2, 2, day) || month < 1 || month > 12 || day < 1 || day > 31)
    return std::nullopt;
  // Year 1 BC is astronomical year 0.
  if (bc) year = 1 - year;
  Instant out{0, common::DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)), 0};
  if (!want_time) return s.empty() ? std::optional(out) : std::nullopt;
  std::int64_t h, m, sec;
  if (!TakeChar(s, 'T') || !TakeDigits(s, 2, 2, h) || !TakeChar(s, ':') || !TakeDigits(s, 2, 2, m) ||
      !TakeChar(s, ':') || !TakeDigits(s, 2, 2, sec))
    return std::nullopt;
  std::int64_t frac = 0;
  if (TakeChar(s, '.')) {
    std::size_t before = s.size();
    if (!TakeDigits(s, 1, 6, frac)) return std::nullopt;
    for (std::size_t digits = before - s.size(); digits < 6; ++digits) frac *= 10;
  }
  if (want_zone && !TakeChar(s, 'Z')) return std::nullopt;
  if (!s.empty()) return std::nullopt;
  out.micros = ((h * 60 + m) * 60 + sec) * 1000000 + frac;
  return out;
}

std::optional<int> CompareInstants(const json& a, const json& b, bool want_time, bool want_zone) {
  auto x = ParseInstant(a, want_time, want_zone);
  auto y = ParseInstant(b, want_time, want_zone);
  if (!x || !y) return std::nullopt;
  auto c = *x <=> *y;
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::optional<int> CompareStrings(const json& a, const json& b) {
  if (!a.is_string() || !b.is_string()) return std::nullopt;
  // UTF-8 byte order is code point order: the C collation.
  int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
  return (c > 0) - (c < 0);
}

}  // namespace

std::optional<Family> ParseFamily(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, Family>, 10> kNames{{
      {"integer", Family::kInteger},   {"numeric", Family::kNumeric},
      {"float", Family::kFloat},       {"boolean", Family::kBoolean},
      {"text", Family::kText},         {"date", Family::kDate},
      {"timestamp", Family::kTimestamp}, {"timestamptz", Family::kTimestamptz},
      {"uuid", Family::kUuid},         {"enum", Family::kEnum},
  }};
  for (const auto& [n, f] : kNames)
    if (n == name) return f;
  return std::nullopt;
}

std::optional<int> CompareDecimal(std::string_view a, std::string_view b) {
  auto x = ParseNumericText(a);
  auto y = ParseNumericText(b);
  if (!x || !y) return std::nullopt;
  if (x->kind != NumericText::Kind::kFinite || y->kind != NumericText::Kind::kFinite) {
    int c = static_cast<int>(x->kind) - static_cast<int>(y->kind);
    if (c != 0) return (c > 0) - (c < 0);
    if (x->kind != NumericText::Kind::kFinite) return 0;
  }
  if (x->negative != y->negative) return x->negative ? -1 : 1;
  int magnitude = CompareMagnitude(*x, *y);
  return x->negative ? -magnitude : magnitude;
}

std::optional<int> CompareValues(Family family, const json& a, const json& b) {
  switch (family) {
    case Family::kInteger: {
      if (!a.is_number_integer() || !b.is_number_integer()) return std::nullopt;
      auto x = a.get<std::int64_t>(), y = b.get<std::int64_t>();
      return (x > y) - (x < y);
    }
    case Family::kNumeric:
      if (!a.is_string() || !b.is_string()) return std::nullopt;
      return CompareDecimal(a.get_ref<const std::string&>(), b.get_ref<const std::string&>());
    case Family::kFloat: {
      auto x = FloatValue(a);
      auto y = FloatValue(b);
      if (!x || !y) return std::nullopt;
      // PostgreSQL: NaN equals NaN and sorts above every other value.
      bool xn = std::isnan(*x), yn = std::isnan(*y);
      if (xn || yn) return static_cast<int>(xn) - static_cast<int>(yn);
      return (*x > *y) - (*x < *y);
    }
    case Family::kBoolean:
      if (!a.is_boolean() || !b.is_boolean()) return std::nullopt;
      return static_cast<int>(a.get<bool>()) - static_cast<int>(b.get<bool>());
    case Family::kDate:
      return CompareInstants(a, b, false, false);
    case Family::kTimestamp:
      return CompareInstants(a, b, true, false);
    case Family::kTimestamptz:
      return CompareInstants(a, b, true, true);
    case Family::kText:
    case Family::kUuid:
    case Family::kEnum:
      return CompareStrings(a, b);
  }
  return std::nullopt;
}

}  // namespace syncbridge::mapper
