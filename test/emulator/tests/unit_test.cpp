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

TEST(FaultPlan, JitterAddsUniformExtraLatency) {
  FaultSettings faults;
  faults.latency_ms = 10;
  faults.jitter_ms = 50;
  int64_t low = 1000, high = 0;
  for (int i = 0; i < 500; ++i) {
    int64_t ms = PlanRequest(faults, Service::kGraph).latency.count();
    low = std::min(low, ms);
    high = std::max(high, ms);
  }
  EXPECT_GE(low, 10);
  EXPECT_LE(high, 60);
  EXPECT_LT(low, 20);   // the draws spread over the range
  EXPECT_GT(high, 50);
  EXPECT_EQ(PlanRequest(faults, Service::kControlPlane).latency.count(), 0);
}

TEST(Seed, DemoSeedAppliesAndUnknownKeysAreRefused) {
  EmulatorState state;
  std::ifstream in(std::string(EMULATOR_SEED_DIR) + "/demo.json");
  auto seed = nlohmann::json::parse(in);
  std::string error;
  ASSERT_TRUE(ApplySeed(state, seed, &error)) << error;
  // The README demo's connection: tenant, client id and secret, site.
  ASSERT_EQ(state.world.apps.size(), 1u);
  EXPECT_EQ(state.world.apps[0].tenant, "contoso.onmicrosoft.com");
  EXPECT_EQ(state.world.apps[0].client_id, "11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(state.world.apps[0].client_secret, "demo-client-secret");
  ASSERT_EQ(state.world.sites.size(), 1u);
  EXPECT_EQ(state.world.sites[0]->hostname, "contoso.sharepoint.com");
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
