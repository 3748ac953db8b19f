// The /_emulator control plane: fixed paths and fields.
#include "emulator_fixture.hpp"

namespace syncbridge::emulator::testing {
namespace {

TEST_F(EmulatorTest, ResetEmptiesTheWorld) {
  SetUpGraph();
  SetUpConfluence();
  CreatePage("Kept?", "<p/>");
  Control("POST", "/_emulator/reset", nullptr);
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 401);  // tokens are gone too
  RequestOptions options;
  options.headers["Content-Type"] = "application/x-www-form-urlencoded";
  auto token = Send("POST", Url("/contoso/oauth2/v2.0/token"),
                    "client_id=app-1&client_secret=secret-1&grant_type=client_credentials&scope=x%2F.default", options);
  EXPECT_EQ(token.status, 400);
  EXPECT_EQ(Wiki("GET", "/api/v2/spaces").status, 401);
}

TEST_F(EmulatorTest, ControlPlaneValidatesBodies) {
  EXPECT_EQ(Send("POST", Url("/_emulator/apps"), R"({"tenant":"t"})").status, 400);
  EXPECT_EQ(Send("POST", Url("/_emulator/sites"), "not json").status, 400);
  EXPECT_EQ(Send("PUT", Url("/_emulator/faults"), R"({"rates":{"429":2}})").status, 400);
  EXPECT_EQ(Send("PUT", Url("/_emulator/faults"), R"({"rates":{"teapot":0.1}})").status, 400);
  EXPECT_EQ(Send("POST", Url("/_emulator/nope"), "{}").status, 404);
  Control("POST", "/_emulator/confluence/spaces", {{"key", "DEMO"}, {"name", "Demo"}});
  EXPECT_EQ(Send("POST", Url("/_emulator/confluence/spaces"), R"({"key":"DEMO","name":"Again"})").status, 409);
}

TEST_F(EmulatorTest, SitesGetRealLookingIdsAndAreIdempotent) {
  auto first = Control("POST", "/_emulator/sites", {{"hostname", "contoso.sharepoint.com"}, {"path", "/sites/a"}});
  auto again = Control("POST", "/_emulator/sites", {{"hostname", "contoso.sharepoint.com"}, {"path", "/sites/a"}});
  EXPECT_EQ(first["id"], again["id"]);
  std::string id = first["id"];
  EXPECT_EQ(id.size(), std::string("contoso.sharepoint.com,").size() + 36 + 1 + 36);
}

TEST_F(EmulatorTest, StatsCountByRouteAndStatus) {
  SetUpGraph();
  Graph("GET", "/sites/" + site_id_);
  Graph("GET", "/sites/" + site_id_);
  Graph("GET", "/sites/" + site_id_ + "/lists/nope");
  auto stats = Control("GET", "/_emulator/stats", nullptr);
  EXPECT_EQ(stats["requests"]["GET /v1.0/sites/{site}"]["200"], 2);
  EXPECT_EQ(stats["requests"]["GET /v1.0/sites/{site}/lists/{list}"]["404"], 1);
  EXPECT_EQ(stats["requests"]["POST /{tenant}/oauth2/v2.0/token"]["200"], 1);
  EXPECT_EQ(stats["ru_spent"], 3);
  EXPECT_TRUE(stats.contains("throttled"));
  EXPECT_GE(stats["max_concurrent"].get<int>(), 1);
}

TEST_F(EmulatorTest, LatencyDelaysApiCallsButNotTheControlPlane) {
  SetUpGraph();
  Control("PUT", "/_emulator/faults", {{"latency_ms", 200}});
  auto start = std::chrono::steady_clock::now();
  Control("GET", "/_emulator/stats", nullptr);
  auto control_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
  auto api_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(control_ms, 150);
  EXPECT_GE(api_ms, 200);
}

TEST_F(EmulatorTest, FaultsAndLimitsTakeEffectAtOnce) {
  SetUpGraph();
  Control("PUT", "/_emulator/faults", {{"rates", {{"503", 1.0}}}});
  auto unavailable = Graph("GET", "/sites/" + site_id_);
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_FALSE(unavailable.Header("retry-after").empty());
  Control("PUT", "/_emulator/faults", {{"rates", {{"429", 1.0}}}});
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 429);
  // The control plane itself is never faulted.
  Control("PUT", "/_emulator/faults", {{"rates", {{"429", 0.0}}}});
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
  auto stats = Control("GET", "/_emulator/stats", nullptr);
  EXPECT_EQ(stats["faults"]["503"], 1);
  EXPECT_EQ(stats["faults"]["429"], 1);
}

}  // namespace
}  // namespace syncbridge::emulator::testing
