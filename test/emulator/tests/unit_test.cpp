// Pure pieces: CQL parsing and matching, fault specs, URL helpers.
#include <gtest/gtest.h>

#include <fstream>

#include "control_plane.hpp"
#include "cql.hpp"
#include "faults.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

TEST(Cql, ParsesTheSubsetSyncbridgeUses) {
  std::string error;
  auto query = ParseCql(R"(type=page AND space="DEMO" AND lastmodified >= "2025-01-31 14:05" ORDER BY lastmodified ASC)", &error);
  ASSERT_TRUE(query) << error;
  ASSERT_EQ(query->clauses.size(), 3u);
  EXPECT_EQ(query->clauses[2].op, ">=");
  EXPECT_EQ(query->order_field, "lastmodified");
  EXPECT_FALSE(query->order_descending);
}

TEST(Cql, RefusesWhatItDoesNotSupport) {
  std::string error;
  EXPECT_FALSE(ParseCql("type=page OR space=X", &error));
  EXPECT_FALSE(ParseCql("text ~ \"hello\"", &error));
  EXPECT_FALSE(ParseCql("lastmodified >= \"yesterday\"", &error));
  EXPECT_FALSE(ParseCql("label = foo", &error));
}

TEST(Cql, LastModifiedHasMinuteResolution) {
  std::string error;
  auto query = ParseCql(R"(lastmodified >= "2025-01-31 14:05")", &error);
  ASSERT_TRUE(query);
  CqlContent content{"page", "DEMO", "t", "1", {}, *ParseIso("2025-01-31T14:05:59Z")};
  EXPECT_TRUE(CqlMatches(*query, content));
  content.modified = *ParseIso("2025-01-31T14:04:59Z");
  EXPECT_FALSE(CqlMatches(*query, content));
  auto strictly_after = ParseCql(R"(lastmodified > "2025-01-31 14:05")", &error);
  content.modified = *ParseIso("2025-01-31T14:05:30Z");
  EXPECT_FALSE(CqlMatches(*strictly_after, content));  // same minute is not after
}

TEST(FaultSpec, ParsesRatesAndRejectsNonsense) {
  FaultRates rates;
  std::string error;
  ASSERT_TRUE(ParseFaultSpec("429=0.1,503=0.02,reset=0.01,timeout=0.005", &rates, &error)) << error;
  EXPECT_DOUBLE_EQ(rates.throttle_429, 0.1);
  EXPECT_DOUBLE_EQ(rates.unavailable_503, 0.02);
  EXPECT_DOUBLE_EQ(rates.reset, 0.01);
  EXPECT_DOUBLE_EQ(rates.timeout, 0.005);
  EXPECT_FALSE(ParseFaultSpec("429=2", &rates, &error));
  EXPECT_FALSE(ParseFaultSpec("418=0.1", &rates, &error));
  EXPECT_FALSE(ParseFaultSpec("429", &rates, &error));
}

TEST(FaultPlan, RatesOfOneAndZeroAreDeterministic) {
  FaultSettings faults;
  faults.rates.reset = 1.0;
  EXPECT_EQ(PlanRequest(faults, Service::kGraph).fault, FaultKind::kReset);
  EXPECT_EQ(PlanRequest(faults, Service::kControlPlane).fault, FaultKind::kNone);
  faults.rates.reset = 0.0;
  EXPECT_EQ(PlanRequest(faults, Service::kGraph).fault, FaultKind::kNone);
}

TEST(Seed, DemoSeedAppliesAndUnknownKeysAreRefused) {
  EmulatorState state;
  std::ifstream in(std::string(EMULATOR_SEED_DIR) + "/demo.json");
  auto seed = nlohmann::json::parse(in);
  std::string error;
  ASSERT_TRUE(ApplySeed(state, seed, &error)) << error;
  EXPECT_EQ(state.world.apps.size(), 1u);
  ASSERT_EQ(state.world.sites.size(), 1u);
  EXPECT_EQ(state.world.sites[0]->path, "/sites/demo");
  EXPECT_EQ(state.world.spaces.size(), 1u);
  EXPECT_EQ(state.world.confluence_users.size(), 1u);
  EXPECT_EQ(state.world.oauth_clients.size(), 1u);
  EXPECT_FALSE(ApplySeed(state, {{"aps", nlohmann::json::array()}}, &error));
  EXPECT_NE(error.find("aps"), std::string::npos);
  EXPECT_FALSE(ApplySeed(state, {{"apps", {{{"tenant", "t"}}}}}, &error));
}

TEST(Url, Base64RoundTripAndQueryParsing) {
  EXPECT_EQ(Base64Encode("Paged=TRUE&p_ID=200"), "UGFnZWQ9VFJVRSZwX0lEPTIwMA==");
  EXPECT_EQ(*Base64Decode("UGFnZWQ9VFJVRSZwX0lEPTIwMA"), "Paged=TRUE&p_ID=200");
  auto query = ParseQuery("a=1&b=x%20y&c=p+q");
  EXPECT_EQ(query["b"], "x y");
  EXPECT_EQ(query["c"], "p q");
}

}  // namespace
}  // namespace syncbridge::emulator
