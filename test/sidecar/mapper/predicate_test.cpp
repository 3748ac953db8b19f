#include <gtest/gtest.h>

#include "mapper/predicate.hpp"

namespace syncbridge::mapper {
namespace {

using nlohmann::json;

Truth Eval(const json& predicate, const json& row) {
  auto p = Predicate::Parse(predicate);
  EXPECT_TRUE(p.Ok()) << (p.Ok() ? "" : p.Err().message);
  auto t = p.Value().Evaluate(row);
  EXPECT_TRUE(t.Ok()) << (t.Ok() ? "" : t.Err().message);
  return t.Ok() ? t.Value() : Truth::kUnknown;
}

const json kRegionUs = {{"col", "region"}, {"op", "="}, {"type", "text"}, {"value", "US"}};
const json kBigRevenue = {{"col", "revenue"}, {"op", ">="}, {"type", "numeric"}, {"value", "1000000"}};

TEST(Predicate, ComparisonsOnTypedValues) {
  EXPECT_EQ(Eval(kRegionUs, {{"region", "US"}}), Truth::kTrue);
  EXPECT_EQ(Eval(kRegionUs, {{"region", "EU"}}), Truth::kFalse);
  EXPECT_EQ(Eval(kBigRevenue, {{"revenue", "999999.99"}}), Truth::kFalse);
  EXPECT_EQ(Eval(kBigRevenue, {{"revenue", "1000000.00"}}), Truth::kTrue);
  json in = {{"col", "n"}, {"op", "in"}, {"type", "integer"}, {"values", {1, 2, 3}}};
  EXPECT_EQ(Eval(in, {{"n", 2}}), Truth::kTrue);
  EXPECT_EQ(Eval(in, {{"n", 4}}), Truth::kFalse);
  json before = {{"col", "d"}, {"op", "<"}, {"type", "date"}, {"value", "2000-01-01"}};
  EXPECT_EQ(Eval(before, {{"d", "1999-12-31"}}), Truth::kTrue);
}

TEST(Predicate, SqlNullSemantics) {
  EXPECT_EQ(Eval(kRegionUs, {{"region", nullptr}}), Truth::kUnknown);
  EXPECT_EQ(Eval({{"not", kRegionUs}}, {{"region", nullptr}}), Truth::kUnknown);
  EXPECT_EQ(Eval({{"col", "region"}, {"op", "is_null"}}, {{"region", nullptr}}), Truth::kTrue);
  EXPECT_EQ(Eval({{"not", {{"col", "region"}, {"op", "is_null"}}}}, {{"region", "US"}}), Truth::kTrue);
  // unknown OR true = true; unknown AND false = false; unknown AND true = unknown
  json row = {{"region", nullptr}, {"revenue", "5000000"}};
  EXPECT_EQ(Eval({{"or", {kRegionUs, kBigRevenue}}}, row), Truth::kTrue);
  EXPECT_EQ(Eval({{"and", {kRegionUs, kBigRevenue}}}, {{"region", nullptr}, {"revenue", "1"}}), Truth::kFalse);
  EXPECT_EQ(Eval({{"and", {kRegionUs, kBigRevenue}}}, row), Truth::kUnknown);
}

TEST(Predicate, MissingColumnIsReportedNotGuessed) {
  // The change did not carry "region" (unchanged TOAST): the answer turns on it.
  EXPECT_EQ(Eval(kRegionUs, {{"revenue", "1"}}), Truth::kMissing);
  EXPECT_EQ(Eval({{"and", {kRegionUs, kBigRevenue}}}, {{"revenue", "1"}}), Truth::kFalse);
  EXPECT_EQ(Eval({{"or", {kRegionUs, kBigRevenue}}}, {{"revenue", "1"}}), Truth::kMissing);
  EXPECT_EQ(Eval({{"or", {kRegionUs, kBigRevenue}}}, {{"revenue", "2000000"}}), Truth::kTrue);
}

TEST(Predicate, ValuesOfTheWrongKindAreErrors) {
  auto p = Predicate::Parse(kBigRevenue);
  ASSERT_TRUE(p.Ok());
  auto t = p.Value().Evaluate({{"revenue", 12}});  // numeric arrives as a string, never a number
  ASSERT_FALSE(t.Ok());
  EXPECT_NE(t.Err().message.find("revenue"), std::string::npos);
}

TEST(Predicate, MalformedDefinitionsAreRefused) {
  EXPECT_FALSE(Predicate::Parse(json::array()).Ok());
  EXPECT_FALSE(Predicate::Parse({{"and", json::array()}}).Ok());
  EXPECT_FALSE(Predicate::Parse({{"col", "a"}, {"op", "~"}, {"type", "text"}, {"value", "x"}}).Ok());
  EXPECT_FALSE(Predicate::Parse({{"col", "a"}, {"op", "="}, {"value", "x"}}).Ok());  // no type
  EXPECT_FALSE(Predicate::Parse({{"col", "a"}, {"op", "="}, {"type", "bytea"}, {"value", "x"}}).Ok());
  EXPECT_FALSE(Predicate::Parse({{"col", "a"}, {"op", "in"}, {"type", "text"}, {"values", json::array()}}).Ok());
}

TEST(Predicate, ListsItsColumns) {
  auto p = Predicate::Parse({{"or", {kRegionUs, {{"not", kBigRevenue}}, kRegionUs}}});
  ASSERT_TRUE(p.Ok());
  EXPECT_EQ(p.Value().Columns(), (std::vector<std::string>{"region", "revenue"}));
}

}  // namespace
}  // namespace syncbridge::mapper
