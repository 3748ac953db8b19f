#include "mapper/decimal.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace syncbridge::mapper {
namespace {

void StripLeadingZeros(std::string& digits) {
  auto first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
}

// Compares unsigned digit strings without leading zeros.
int CompareDigits(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  int c = a.compare(b);
  return (c > 0) - (c < 0);
}

std::string SubtractDigits(const std::string& a, const std::string& b) {  // a >= b
  std::string out(a.size(), '0');
  int borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    int x = a[a.size() - 1 - i] - '0' - borrow;
    int y = i < b.size() ? b[b.size() - 1 - i] - '0' : 0;
    borrow = x < y;
    out[a.size() - 1 - i] = static_cast<char>('0' + x - y + 10 * borrow);
  }
  StripLeadingZeros(out);
  return out;
}

std::string AddOne(std::string digits) {
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (*it != '9') {
      ++*it;
      return digits;
    }
    *it = '0';
  }
  digits.insert(digits.begin(), '1');
  return digits;
}

}  // namespace

std::string Decimal::ToString() const {
  std::string d = digits;
  int s = scale;
  while (s > 0 && d.size() > 1 && d.back() == '0') {
    d.pop_back();
    --s;
  }
  if (s > 0 && d == "0") s = 0;
  if (s > 0 && static_cast<int>(d.size()) <= s) d.insert(0, static_cast<std::size_t>(s) - d.size() + 1, '0');
  std::string out = (negative && d != "0") ? "-" : "";
  if (s > 0) {
    out += d.substr(0, d.size() - static_cast<std::size_t>(s));
    out += '.';
    out += d.substr(d.size() - static_cast<std::size_t>(s));
  } else {
    out += d;
    out.append(static_cast<std::size_t>(-s), '0');
  }
  return out;
}

std::optional<Decimal> ParseDecimal(std::string_view text) {
  Decimal d;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    d.negative = text[0] == '-';
    text.remove_prefix(1);
  }
  int exponent = 0;
  if (auto e = text.find_first_of("eE"); e != std::string_view::npos) {
    std::string exp_text(text.substr(e + 1));
    if (exp_text.empty() || exp_text.size() > 6) return std::nullopt;
    char* end = nullptr;
    long v = std::strtol(exp_text.c_str(), &end, 10);
    if (*end != '\0') return std::nullopt;
    exponent = static_cast<int>(v);
    text = text.substr(0, e);
  }
  auto dot = text.find('.');
  std::string integer(text.substr(0, dot));
  std::string fraction = dot == std::string_view::npos ? "" : std::string(text.substr(dot + 1));
  if (integer.empty() && fraction.empty()) return std::nullopt;
  auto all_digits = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(integer) || !all_digits(fraction)) return std::nullopt;
  d.digits = integer + fraction;
  StripLeadingZeros(d.digits);
  d.scale = static_cast<int>(fraction.size()) - exponent;
  return d;
}

Decimal Multiply(const Decimal& a, const Decimal& b) {
  std::vector<int> acc(a.digits.size() + b.digits.size(), 0);
  for (std::size_t i = 0; i < a.digits.size(); ++i)
    for (std::size_t j = 0; j < b.digits.size(); ++j)
      acc[i + j + 1] += (a.digits[i] - '0') * (b.digits[j] - '0');
  for (std::size_t k = acc.size() - 1; k > 0; --k) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  Decimal out;
  out.digits.clear();
  for (int v : acc) out.digits += static_cast<char>('0' + v);
  StripLeadingZeros(out.digits);
  out.negative = a.negative != b.negative && out.digits != "0";
  out.scale = a.scale + b.scale;
  return out;
}

std::optional<Decimal> Divide(const Decimal& a, const Decimal& b, int max_scale) {
  if (b.digits == "0") return std::nullopt;
  // a/b = (A·10^-sa)/(B·10^-sb). The integer quotient A·10^shift / B with
  // shift = max_scale + 1 - sa + sb carries max_scale + 1 fraction digits;
  // the last one decides the rounding. Dropping A's low digits for a negative
  // shift is exact: floor(floor(x/m)/n) = floor(x/(m·n)).
  std::string dividend = a.digits;
  int shift = max_scale + 1 - a.scale + b.scale;
  if (shift >= 0) {
    dividend.append(static_cast<std::size_t>(shift), '0');
  } else {
    dividend = dividend.size() > static_cast<std::size_t>(-shift)
                   ? dividend.substr(0, dividend.size() - static_cast<std::size_t>(-shift))
                   : "0";
  }
  std::string quotient, remainder = "0";
  for (char c : dividend) {
    remainder = remainder == "0" ? std::string(1, c) : remainder + c;
    StripLeadingZeros(remainder);
    int q = 0;
    while (CompareDigits(remainder, b.digits) >= 0) {
      remainder = SubtractDigits(remainder, b.digits);
      ++q;
    }
    quotient += static_cast<char>('0' + q);
  }
  StripLeadingZeros(quotient);
  // Round half away from zero on the extra digit.
  bool round_up = quotient.back() >= '5';
  quotient.pop_back();
  if (quotient.empty()) quotient.push_back('0');
  if (round_up) quotient = AddOne(quotient);
  Decimal out;
  out.digits = quotient;
  StripLeadingZeros(out.digits);
  out.scale = max_scale;
  out.negative = a.negative != b.negative && out.digits != "0";
  return out;
}

}  // namespace syncbridge::mapper
