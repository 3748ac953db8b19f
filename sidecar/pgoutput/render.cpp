#include "pgoutput/render.hpp"
#include "common/civil_date.hpp"

#include <cstdio>
#include <optional>

namespace syncbridge::pgoutput {
namespace {

enum class Kind { kNumber, kString, kBool, kFloat, kJson, kTimestamptz, kTimestamp };

struct TypeInfo {
  std::uint32_t oid;
  std::uint32_t array_oid;
  Kind kind;
};

// Built-in type OIDs are fixed by PostgreSQL (pg_type.dat), so they can be compiled in.
constexpr TypeInfo kTypes[] = {
    {20, 1016, Kind::kNumber},  {21, 1005, Kind::kNumber},   {23, 1007, Kind::kNumber},
    {26, 1028, Kind::kNumber},  {1700, 1231, Kind::kString}, {16, 1000, Kind::kBool},
    {700, 1021, Kind::kFloat},  {701, 1022, Kind::kFloat},   {25, 1009, Kind::kString},
    {1043, 1015, Kind::kString}, {1042, 1014, Kind::kString}, {19, 1003, Kind::kString},
    {2950, 2951, Kind::kString}, {17, 1001, Kind::kString},   {1082, 1182, Kind::kString},
    {1083, 1183, Kind::kString}, {1114, 1115, Kind::kTimestamp}, {1184, 1185, Kind::kTimestamptz},
    {114, 199, Kind::kJson},     {3802, 3807, Kind::kJson},
};

std::optional<Kind> ScalarKind(std::uint32_t oid) {
  for (const auto& t : kTypes)
    if (t.oid == oid) return t.kind;
  return std::nullopt;
}
std::optional<Kind> ArrayElementKind(std::uint32_t oid) {
  for (const auto& t : kTypes)
    if (t.array_oid == oid) return t.kind;
  return std::nullopt;
}

// "YYYY-MM-DD HH:MM:SS[.f]+HH[:MM[:SS]]" → "YYYY-MM-DDTHH:MM:SS[.f]Z". Anything
// else (infinity, BC, years past 9999) is returned as the server's text.
std::string TimestamptzToUtc(std::string_view s) {
  int y, mo, d, h, mi, sec, n = 0;
  if (s.size() < 22 || std::sscanf(std::string(s).c_str(), "%4d-%2d-%2d %2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
      n != 19)
    return std::string(s);
  std::size_t pos = 19;
  std::string frac;
  if (s[pos] == '.') {
    std::size_t end = s.find_first_of("+-", pos);
    if (end == std::string_view::npos) return std::string(s);
    frac = std::string(s.substr(pos, end - pos));
    pos = end;
  }
  int sign = s[pos] == '-' ? -1 : 1;
  int oh = 0, om = 0, os = 0;
  std::string off(s.substr(pos + 1));
  if (std::sscanf(off.c_str(), "%2d:%2d:%2d", &oh, &om, &os) < 1) return std::string(s);
  if (s.find(" BC") != std::string_view::npos) return std::string(s);
  std::int64_t secs = common::DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + sec;
  secs -= sign * (oh * 3600 + om * 60 + os);  // local = UTC + offset, so UTC = local - offset
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  int uy;
  unsigned um, ud;
  common::CivilFromDays(days, uy, um, ud);
  if (uy < 1 || uy > 9999) return std::string(s);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", uy, um, ud, static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return std::string(buf) + frac + "Z";
}

void RenderScalar(std::string& out, Kind kind, std::string_view text) {
  switch (kind) {
    case Kind::kNumber:
    case Kind::kJson:
      out += text;
      return;
    case Kind::kBool:
      out += text == "t" ? "true" : "false";
      return;
    case Kind::kFloat:
      // JSON has no NaN/Infinity; those stay strings so no value is lost.
      if (text == "NaN" || text == "Infinity" || text == "-Infinity") AppendJsonString(out, text);
      else out += text;
      return;
    case Kind::kTimestamptz:
      AppendJsonString(out, TimestamptzToUtc(text));
      return;
    case Kind::kTimestamp: {
      std::string t(text);
      if (t.size() >= 19 && t[10] == ' ' && t.find(" BC") == std::string::npos) t[10] = 'T';
      AppendJsonString(out, t);
      return;
    }
    case Kind::kString:
      AppendJsonString(out, text);
      return;
  }
}

// Parses an array literal ({...}, nested, quoted elements, NULL) into JSON.
// Returns false on anything unexpected (e.g. explicit bounds "[0:1]={..}").
bool RenderArray(std::string& out, Kind kind, std::string_view s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != '{') return false;
  ++pos;
  out += '[';
  bool first = true;
  if (pos < s.size() && s[pos] == '}') {
    ++pos;
    out += ']';
    return true;
  }
  while (pos < s.size()) {
    if (!first) out += ',';
    first = false;
    if (s[pos] == '{') {
      if (!RenderArray(out, kind, s, pos)) return false;
    } else if (s[pos] == '"') {
      std::string elem;
      ++pos;
      while (pos < s.size() && s[pos] != '"') {
        if (s[pos] == '\\' && pos + 1 < s.size()) ++pos;
        elem += s[pos++];
      }
      if (pos >= s.size()) return false;
      ++pos;
      RenderScalar(out, kind, elem);
    } else {
      std::size_t end = s.find_first_of(",}", pos);
      if (end == std::string_view::npos) return false;
      std::string_view elem = s.substr(pos, end - pos);
      pos = end;
      if (elem == "NULL") out += "null";
      else RenderScalar(out, kind, elem);
    }
    if (pos >= s.size()) return false;
    if (s[pos] == '}') {
      ++pos;
      out += ']';
      return true;
    }
    if (s[pos] != ',') return false;
    ++pos;
  }
  return false;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::uint32_t BuiltinArrayOf(std::uint32_t elem_oid) {
  for (const auto& t : kTypes)
    if (t.oid == elem_oid) return t.array_oid;
  return 0;
}

std::string RenderValue(std::uint32_t type_oid, std::string_view text) {
  std::string out;
  if (auto k = ScalarKind(type_oid)) {
    RenderScalar(out, *k, text);
    return out;
  }
  if (auto k = ArrayElementKind(type_oid)) {
    std::size_t pos = 0;
    if (RenderArray(out, *k, text, pos) && pos == text.size()) return out;
    out.clear();
  }
  AppendJsonString(out, text);
  return out;
}

}  // namespace syncbridge::pgoutput
