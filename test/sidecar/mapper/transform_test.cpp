#include <gtest/gtest.h>

#include "mapper/decimal.hpp"
#include "mapper/transform.hpp"

namespace syncbridge::mapper {
namespace {

using nlohmann::json;

json Push(const char* spec, const json& v) {
  auto t = Transform::Parse(spec);
  EXPECT_TRUE(t.Ok()) << spec;
  auto r = t.Value().Push(v);
  EXPECT_TRUE(r.Ok()) << spec << " " << v.dump() << ": " << (r.Ok() ? "" : r.Err().message);
  return r.Ok() ? r.Value() : json("<error>");
}

json Pull(const char* spec, const json& v) {
  auto r = Transform::Parse(spec).Value().Pull(v);
  EXPECT_TRUE(r.Ok()) << spec << " " << v.dump() << ": " << (r.Ok() ? "" : r.Err().message);
  return r.Ok() ? r.Value() : json("<error>");
}

TEST(Decimal, ExactArithmetic) {
  EXPECT_EQ(Multiply(*ParseDecimal("12.34"), *ParseDecimal("100")).ToString(), "1234");
  EXPECT_EQ(Multiply(*ParseDecimal("-0.5"), *ParseDecimal("0.5")).ToString(), "-0.25");
  EXPECT_EQ(Multiply(*ParseDecimal("123456789012345678901234567890.1"), *ParseDecimal("10")).ToString(),
            "1234567890123456789012345678901");
  EXPECT_EQ(Multiply(*ParseDecimal("1.5e3"), *ParseDecimal("2")).ToString(), "3000");
  EXPECT_EQ(Divide(*ParseDecimal("1234"), *ParseDecimal("100"), 30)->ToString(), "12.34");
  EXPECT_EQ(Divide(*ParseDecimal("1"), *ParseDecimal("3"), 5)->ToString(), "0.33333");
  EXPECT_EQ(Divide(*ParseDecimal("2"), *ParseDecimal("3"), 5)->ToString(), "0.66667");
  EXPECT_EQ(Divide(*ParseDecimal("-5"), *ParseDecimal("0.5"), 3)->ToString(), "-10");
  EXPECT_EQ(Divide(*ParseDecimal("0.000001"), *ParseDecimal("1000"), 2)->ToString(), "0");
  EXPECT_FALSE(Divide(*ParseDecimal("1"), *ParseDecimal("0.00"), 5));
  EXPECT_FALSE(ParseDecimal("NaN"));
  EXPECT_FALSE(ParseDecimal("1.2.3"));
  EXPECT_EQ(ParseDecimal("-0.000")->ToString(), "0");
}

TEST(Transform, PushForms) {
  EXPECT_EQ(Push("text", 412), json("412"));
  EXPECT_EQ(Push("text", true), json("true"));
  EXPECT_EQ(Push("json_text", json({{"b", 1}, {"a", {1, 2}}})), json(R"({"a":[1,2],"b":1})"));
  EXPECT_EQ(Push("lower", "ÉCOLE Straße"), json("école straße"));
  EXPECT_EQ(Push("upper", "école"), json("ÉCOLE"));
  EXPECT_EQ(Push("trim", "  a b  "), json("a b"));
  EXPECT_EQ(Push("trim", "   "), json(""));
  EXPECT_EQ(Push("date_only", "2024-05-01T23:30:00Z"), json("2024-05-01"));
  EXPECT_EQ(Push("date_only", "2024-05-01"), json("2024-05-01"));
  EXPECT_EQ(Push("prefix:INV-", 42), json("INV-42"));
  EXPECT_EQ(Push("suffix: kg", "3.5"), json("3.5 kg"));
  EXPECT_EQ(Push("scale:100", "12.34"), json("1234"));  // numeric stays an exact string
  EXPECT_EQ(Push("scale:100", 7), json(700));             // integers stay integers
  EXPECT_EQ(Push("scale:0.5", 3), json(1.5));
  EXPECT_EQ(Push("upper", nullptr), json(nullptr));
}

TEST(Transform, PullReversesPush) {
  for (const char* spec : {"text", "json_text", "prefix:INV-", "suffix:!", "scale:100", "scale:-2.5"}) {
    auto t = Transform::Parse(spec).Value();
    EXPECT_TRUE(t.Reversible()) << spec;
  }
  EXPECT_EQ(Pull("json_text", R"({"a":[1,2]})"), json({{"a", {1, 2}}}));
  EXPECT_EQ(Pull("prefix:INV-", "INV-42"), json("42"));
  EXPECT_EQ(Pull("suffix: kg", "3.5 kg"), json("3.5"));
  EXPECT_EQ(Pull("scale:100", 1234), json("12.34"));
  EXPECT_EQ(Pull("scale:100", 1234.0), json("12.34"));
  EXPECT_EQ(Pull("scale:-2.5", "-5"), json("2"));
}

TEST(Transform, PullRefusesWhatItCannotReverse) {
  EXPECT_FALSE(Transform::Parse("prefix:INV-").Value().Pull("X-42").Ok());
  EXPECT_FALSE(Transform::Parse("json_text").Value().Pull("{not json").Ok());
  EXPECT_FALSE(Transform::Parse("scale:10").Value().Pull("ten").Ok());
  EXPECT_FALSE(Transform::Parse("lower").Value().Reversible());
  EXPECT_FALSE(Transform::Parse("lower").Value().Pull("x").Ok());
  EXPECT_FALSE(Transform::Parse("scale:10").Value().Push("NaN").Ok());
}

TEST(Transform, UnknownSpecsAreRefused) {
  EXPECT_FALSE(Transform::Parse("reverse").Ok());
  EXPECT_FALSE(Transform::Parse("prefix:").Ok());
  EXPECT_FALSE(Transform::Parse("scale:0").Ok());
  EXPECT_FALSE(Transform::Parse("scale:abc").Ok());
}

}  // namespace
}  // namespace syncbridge::mapper
