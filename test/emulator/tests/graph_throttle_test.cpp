// SharePoint RU throttling ("Avoid getting throttled or blocked in
// SharePoint Online"): costs, 429 + Retry-After, throttled calls still
// count, RateLimit-* headers above 80% of the budget.
#include "emulator_fixture.hpp"

namespace syncbridge::emulator::testing {
namespace {

TEST_F(EmulatorTest, BudgetExhaustionGives429WithRetryAfter) {
  SetUpGraph();
  Control("PUT", "/_emulator/limits", {{"ru_per_minute", 10}});
  // A single-site read costs 1 RU: ten pass, the eleventh is throttled.
  for (int i = 0; i < 10; ++i) ASSERT_EQ(Graph("GET", "/sites/" + site_id_).status, 200) << i;
  auto throttled = Graph("GET", "/sites/" + site_id_);
  EXPECT_EQ(throttled.status, 429);
  EXPECT_FALSE(throttled.Header("retry-after").empty());
  EXPECT_GE(std::stoi(throttled.Header("retry-after")), 1);
  EXPECT_TRUE(throttled.Json().contains("error"));
  auto stats = Control("GET", "/_emulator/stats", nullptr);
  EXPECT_EQ(stats["throttled"], 1);
  EXPECT_EQ(stats["ru_spent"], 11);  // the throttled call was charged too
}

TEST_F(EmulatorTest, RateLimitHeadersAppearOnlyAbove80Percent) {
  SetUpGraph();
  Control("PUT", "/_emulator/limits", {{"ru_per_minute", 100}});
  std::string list = CreateList("Books", nlohmann::json::array());  // 2 RU
  // Listings cost 2 RU; headers appear once 80 of the 100 RU are used.
  for (int i = 0; i < 35; ++i) {  // 72 RU used
    auto response = Graph("GET", ItemsPath(list));
    ASSERT_EQ(response.status, 200);
    EXPECT_TRUE(response.Header("ratelimit-limit").empty()) << i;
  }
  // 82 RU used, then 84: a margin for the refill (1.7 RU/s) on a busy machine.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Graph("GET", ItemsPath(list)).status, 200);
  auto near = Graph("GET", ItemsPath(list));
  EXPECT_EQ(near.status, 200);
  EXPECT_EQ(near.Header("ratelimit-limit"), "100");
  EXPECT_FALSE(near.Header("ratelimit-remaining").empty());
  EXPECT_FALSE(near.Header("ratelimit-reset").empty());
}

TEST_F(EmulatorTest, ThrottledRetriesDigDeeperAndWaitLonger) {
  SetUpGraph();
  // 6 RU a minute refill at 0.1 RU/s: six reads pass, then each early
  // retry is charged and pushes Retry-After further out.
  Control("PUT", "/_emulator/limits", {{"ru_per_minute", 6}});
  for (int i = 0; i < 6; ++i) ASSERT_EQ(Graph("GET", "/sites/" + site_id_).status, 200) << i;
  auto first = Graph("GET", "/sites/" + site_id_);
  auto second = Graph("GET", "/sites/" + site_id_);
  ASSERT_EQ(first.status, 429);
  ASSERT_EQ(second.status, 429);
  EXPECT_GT(std::stoi(second.Header("retry-after")), std::stoi(first.Header("retry-after")));
  EXPECT_EQ(first.Json()["error"]["code"], "activityLimitReached");
  EXPECT_EQ(Control("GET", "/_emulator/stats", nullptr)["ru_spent"], 8);
}

TEST_F(EmulatorTest, BudgetRefusalsMayBe503WithRetryAfter) {
  SetUpGraph();
  Control("PUT", "/_emulator/settings", {{"throttle_503_fraction", 1.0}});
  Control("PUT", "/_emulator/limits", {{"ru_per_minute", 1}});
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
  auto busy = Graph("GET", "/sites/" + site_id_);
  EXPECT_EQ(busy.status, 503);
  EXPECT_GE(std::stoi(busy.Header("retry-after")), 1);
  EXPECT_EQ(busy.Json()["error"]["code"], "serverBusy");
  EXPECT_EQ(Control("GET", "/_emulator/stats", nullptr)["throttled"], 1);
}

TEST_F(EmulatorTest, BudgetsArePerApp) {
  SetUpGraph();
  Control("POST", "/_emulator/apps", {{"tenant", "contoso"}, {"client_id", "app-2"}, {"client_secret", "s2"}});
  Control("PUT", "/_emulator/limits", {{"ru_per_minute", 2}});
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 429);
  std::string other = GraphToken("contoso", "app-2", "s2");
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_, nullptr, {{"Authorization", "Bearer " + other}}).status, 200);
}

}  // namespace
}  // namespace syncbridge::emulator::testing
