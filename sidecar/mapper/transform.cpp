#include "mapper/transform.hpp"

#include <stdexcept>

#include "mapper/decimal.hpp"

namespace syncbridge::mapper {
namespace {

using common::PermanentError;
using common::Result;
using nlohmann::json;

constexpr int kPullDivisionScale = 30;

// UTF-8 → code points; a malformed sequence becomes U+FFFD, one byte at a time.
std::u32string DecodeUtf8(const std::string& s) {
  std::u32string out;
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 4;
    bool ok = extra < 4 && i + extra < s.size();
    char32_t cp = extra == 0 ? c : c & (0x7f >> (extra + 1));
    for (std::size_t k = 1; ok && k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      ok = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3f);
    }
    out += ok ? cp : U'\uFFFD';
    i += ok ? extra + 1 : 1;
  }
  return out;
}

std::string EncodeUtf8(const std::u32string& s) {
  std::string out;
  for (char32_t cp : s) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }
  return out;
}

std::locale Utf8Locale() {
  try {
    return std::locale("C.UTF-8");
  } catch (const std::runtime_error&) {
    return std::locale::classic();
  }
}

Result<Decimal> NumberOf(const json& value) {
  std::string text = value.is_string() ? value.get<std::string>() : value.is_number() ? value.dump() : "";
  auto d = ParseDecimal(text);
  if (!d) return PermanentError("scale: " + value.dump() + " is not a finite number");
  return *d;
}

// Keeps the JSON kind of the input: exact strings stay strings, numbers
// become integers when integral, else doubles.
json NumberLike(const json& input, const Decimal& d) {
  std::string text = d.ToString();
  if (input.is_string()) return text;
  if (text.find('.') == std::string::npos && text.size() < 19) return std::stoll(text);
  return std::stod(text);
}

}  // namespace

std::string TextForm(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

Transform::Transform(Kind kind, std::string argument)
    : kind_(kind), argument_(std::move(argument)),
      locale_(kind == Kind::kLower || kind == Kind::kUpper ? Utf8Locale() : std::locale::classic()) {}

Result<Transform> Transform::Parse(std::string_view spec) {
  static const std::pair<std::string_view, Kind> kPlain[] = {
      {"text", Kind::kText},   {"json_text", Kind::kJsonText}, {"lower", Kind::kLower},
      {"upper", Kind::kUpper}, {"trim", Kind::kTrim},          {"date_only", Kind::kDateOnly}};
  for (const auto& [name, kind] : kPlain)
    if (spec == name) return Transform(kind, "");
  auto colon = spec.find(':');
  std::string_view name = spec.substr(0, colon);
  std::string argument = colon == std::string_view::npos ? "" : std::string(spec.substr(colon + 1));
  if ((name == "prefix" || name == "suffix") && !argument.empty())
    return Transform(name == "prefix" ? Kind::kPrefix : Kind::kSuffix, argument);
  if (name == "scale" && !argument.empty()) {
    auto factor = ParseDecimal(argument);
    if (!factor || factor->digits == "0") return common::ConfigError("transform \"" + std::string(spec) + "\": scale needs a non-zero number");
    return Transform(Kind::kScale, argument);
  }
  return common::ConfigError("unknown transform \"" + std::string(spec) + "\"");
}

bool Transform::Reversible() const {
  switch (kind_) {
    case Kind::kLower:
    case Kind::kUpper:
    case Kind::kTrim:
    case Kind::kDateOnly:
      return false;
    default:
      return true;
  }
}

std::string Transform::ChangeCase(const std::string& utf8, bool upper) const {
  const auto& ctype = std::use_facet<std::ctype<wchar_t>>(locale_);
  std::u32string cps = DecodeUtf8(utf8);
  for (auto& cp : cps) {
    auto wc = static_cast<wchar_t>(cp);
    cp = static_cast<char32_t>(upper ? ctype.toupper(wc) : ctype.tolower(wc));
  }
  return EncodeUtf8(cps);
}

Result<json> Transform::Push(const json& value) const {
  if (value.is_null()) return value;
  switch (kind_) {
    case Kind::kText:
      return json(TextForm(value));
    case Kind::kJsonText:
      return json(value.dump());
    case Kind::kLower:
    case Kind::kUpper:
      return json(ChangeCase(TextForm(value), kind_ == Kind::kUpper));
    case Kind::kTrim: {
      // PostgreSQL's trim(): spaces only.
      std::string s = TextForm(value);
      auto first = s.find_first_not_of(' ');
      if (first == std::string::npos) return json("");
      return json(s.substr(first, s.find_last_not_of(' ') - first + 1));
    }
    case Kind::kDateOnly: {
      // date stays; timestamp and timestamptz (already UTC) keep the part before 'T'.
      std::string s = TextForm(value);
      auto t = s.find('T');
      if (t == std::string::npos) return json(s);
      std::string date = s.substr(0, t);
      if (s.size() > 3 && s.compare(s.size() - 3, 3, " BC") == 0) date += " BC";
      return json(date);
    }
    case Kind::kPrefix:
      return json(argument_ + TextForm(value));
    case Kind::kSuffix:
      return json(TextForm(value) + argument_);
    case Kind::kScale: {
      auto n = NumberOf(value);
      if (!n) return n.Err();
      return NumberLike(value, Multiply(n.Value(), *ParseDecimal(argument_)));
    }
  }
  return PermanentError("unhandled transform");
}

Result<json> Transform::Pull(const json& value) const {
  if (value.is_null()) return value;
  switch (kind_) {
    case Kind::kText:
      return value;
    case Kind::kJsonText: {
      if (!value.is_string()) return PermanentError("json_text: remote value " + value.dump() + " is not a string");
      json parsed = json::parse(value.get<std::string>(), nullptr, false);
      if (parsed.is_discarded()) return PermanentError("json_text: remote value is not valid JSON");
      return parsed;
    }
    case Kind::kPrefix:
    case Kind::kSuffix: {
      std::string s = TextForm(value);
      bool prefix = kind_ == Kind::kPrefix;
      bool has = s.size() >= argument_.size() &&
                 s.compare(prefix ? 0 : s.size() - argument_.size(), argument_.size(), argument_) == 0;
      if (!has)
        return PermanentError(std::string(prefix ? "prefix" : "suffix") + " \"" + argument_ +
                              "\" is missing from the remote value");
      return json(prefix ? s.substr(argument_.size()) : s.substr(0, s.size() - argument_.size()));
    }
    case Kind::kScale: {
      auto n = NumberOf(value);
      if (!n) return n.Err();
      // Exact text: apply_remote parses it with the column's input function.
      return json(Divide(n.Value(), *ParseDecimal(argument_), kPullDivisionScale)->ToString());
    }
    default:
      return PermanentError("transform cannot be reversed for pull");
  }
}

}  // namespace syncbridge::mapper
