#include <gtest/gtest.h>

#include "mapper/value_order.hpp"

namespace syncbridge::mapper {
namespace {

using nlohmann::json;

int Cmp(Family f, const json& a, const json& b) {
  auto c = CompareValues(f, a, b);
  EXPECT_TRUE(c.has_value()) << a.dump() << " vs " << b.dump();
  return c.value_or(99);
}

TEST(ValueOrder, DecimalsCompareByValueNotText) {
  EXPECT_EQ(CompareDecimal("10", "9"), 1);
  EXPECT_EQ(CompareDecimal("1.50", "1.5"), 0);
  EXPECT_EQ(CompareDecimal("-0.0", "0"), 0);
  EXPECT_EQ(CompareDecimal("-2", "-10"), 1);
  EXPECT_EQ(CompareDecimal("123456789012345678901234567890.1", "123456789012345678901234567890.09"), 1);
  EXPECT_EQ(CompareDecimal("007.1", "7.10"), 0);
  // PostgreSQL: NaN is equal to itself and above Infinity.
  EXPECT_EQ(CompareDecimal("NaN", "Infinity"), 1);
  EXPECT_EQ(CompareDecimal("NaN", "NaN"), 0);
  EXPECT_EQ(CompareDecimal("-Infinity", "-99999"), -1);
  EXPECT_FALSE(CompareDecimal("1e5", "1"));
  EXPECT_FALSE(CompareDecimal("", "1"));
  EXPECT_FALSE(CompareDecimal("1.2.3", "1"));
}

TEST(ValueOrder, IntegersFloatsBooleans) {
  EXPECT_EQ(Cmp(Family::kInteger, 9223372036854775807LL, 9223372036854775806LL), 1);
  EXPECT_EQ(Cmp(Family::kInteger, -5, 3), -1);
  EXPECT_FALSE(CompareValues(Family::kInteger, "5", 5));
  EXPECT_EQ(Cmp(Family::kFloat, 1.5, 2), -1);
  EXPECT_EQ(Cmp(Family::kFloat, "NaN", "Infinity"), 1);
  EXPECT_EQ(Cmp(Family::kFloat, "NaN", "NaN"), 0);
  EXPECT_EQ(Cmp(Family::kFloat, "-Infinity", -1e308), -1);
  EXPECT_EQ(Cmp(Family::kBoolean, true, false), 1);
  EXPECT_FALSE(CompareValues(Family::kBoolean, "true", true));
}

TEST(ValueOrder, TextComparesByCodePoint) {
  EXPECT_EQ(Cmp(Family::kText, "B", "a"), -1);  // C collation: upper case first
  EXPECT_EQ(Cmp(Family::kText, "é", "z"), 1);
  EXPECT_EQ(Cmp(Family::kText, "abc", "abc"), 0);
  EXPECT_FALSE(CompareValues(Family::kText, 1, "1"));
}

TEST(ValueOrder, DatesAndTimestamps) {
  EXPECT_EQ(Cmp(Family::kDate, "2024-05-01", "2024-04-30"), 1);
  EXPECT_EQ(Cmp(Family::kDate, "10000-01-01", "9999-12-31"), 1);
  EXPECT_EQ(Cmp(Family::kDate, "0044-03-15 BC", "0001-01-01"), -1);
  EXPECT_EQ(Cmp(Family::kDate, "0002-01-01 BC", "0001-01-01 BC"), -1);
  EXPECT_EQ(Cmp(Family::kDate, "infinity", "294276-12-31"), 1);
  EXPECT_EQ(Cmp(Family::kDate, "-infinity", "0001-01-01 BC"), -1);
  EXPECT_EQ(Cmp(Family::kTimestamptz, "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000000Z"), 0);
  EXPECT_EQ(Cmp(Family::kTimestamptz, "2024-05-01T12:00:00.5Z", "2024-05-01T12:00:00.499999Z"), 1);
  EXPECT_EQ(Cmp(Family::kTimestamp, "2024-05-01T00:00:00", "2024-04-30T23:59:59.999999"), 1);
  EXPECT_FALSE(CompareValues(Family::kTimestamptz, "2024-05-01T12:00:00", "2024-05-01T12:00:00Z"));
  EXPECT_FALSE(CompareValues(Family::kDate, "2024-13-01", "2024-01-01"));
  EXPECT_FALSE(CompareValues(Family::kDate, "2024-01-01x", "2024-01-01"));
}

TEST(ValueOrder, FamiliesByName) {
  EXPECT_EQ(ParseFamily("timestamptz"), Family::kTimestamptz);
  EXPECT_EQ(ParseFamily("enum"), Family::kEnum);
  EXPECT_FALSE(ParseFamily("bytea"));
}

}  // namespace
}  // namespace syncbridge::mapper
