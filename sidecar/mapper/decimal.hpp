// Pure: exact decimal arithmetic on the digit strings PostgreSQL's numeric
// prints, for the scale: transform (a double would corrupt money columns).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace syncbridge::mapper {

struct Decimal {
  bool negative = false;
  std::string digits = "0";  // the unscaled magnitude, no leading zeros
  int scale = 0;             // digits after the decimal point

  // Shortest exact text: no trailing fraction zeros, no "-0".
  std::string ToString() const;
};

// "-12.340", "7", "1.5e3" (JSON numbers may carry exponents). nullopt otherwise
// (NaN and infinities are not scalable values).
std::optional<Decimal> ParseDecimal(std::string_view text);

Decimal Multiply(const Decimal& a, const Decimal& b);

// a / b rounded half away from zero to at most max_scale fraction digits;
// nullopt when b is zero.
std::optional<Decimal> Divide(const Decimal& a, const Decimal& b, int max_scale);

}  // namespace syncbridge::mapper
