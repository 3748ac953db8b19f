// Confluence Cloud: Atlassian OAuth 2.0 (3LO) with rotating refresh tokens,
// API-token Basic auth, both base paths, v2 spaces/pages/properties, v1 CQL
// search and the burst rate limit (Confluence REST v2 OpenAPI, v1 search,
// Atlassian OAuth and rate-limiting docs).
#include <thread>

#include "emulator_fixture.hpp"
#include "url.hpp"

namespace syncbridge::emulator::testing {
namespace {

class ConfluenceTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    SetUpConfluence();
  }
  nlohmann::json UpdateBody(const std::string& id, const std::string& title, int version) {
    return {{"id", id},
            {"status", "current"},
            {"title", title},
            {"body", {{"representation", "storage"}, {"value", "<p>v" + std::to_string(version) + "</p>"}}},
            {"version", {{"number", version}}}};
  }
  ClientResponse Refresh(const std::string& refresh_token) {
    return Send("POST", Url("/oauth/token"),
                nlohmann::json{{"grant_type", "refresh_token"},
                               {"client_id", "client-1"},
                               {"client_secret", "client-secret-1"},
                               {"refresh_token", refresh_token}}
                    .dump());
  }
  void RegisterOAuthClient() {
    Control("POST", "/_emulator/confluence/oauth-clients",
            {{"client_id", "client-1"}, {"client_secret", "client-secret-1"}, {"refresh_token", "refresh-0"},
             {"cloud_id", "cloud-1"}});
  }
};

TEST_F(ConfluenceTest, SpacesByKeyGiveNumericId) {
  auto response = Wiki("GET", "/api/v2/spaces?keys=DEMO");
  ASSERT_EQ(response.status, 200) << response.body;
  auto results = response.Json()["results"];
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["key"], "DEMO");
  EXPECT_EQ(results[0]["id"], space_id_);
  EXPECT_EQ(space_id_.find_first_not_of("0123456789"), std::string::npos);
  EXPECT_TRUE(Wiki("GET", "/api/v2/spaces?keys=NOPE").Json()["results"].empty());
}

TEST_F(ConfluenceTest, BasicAuthNeedsRegisteredUserAndToken) {
  basic_auth_ = "Basic " + Base64Encode("ann@example.com:wrong");
  EXPECT_EQ(Wiki("GET", "/api/v2/spaces").status, 401);
  basic_auth_.clear();
  EXPECT_EQ(Wiki("GET", "/api/v2/spaces").status, 401);
}

TEST_F(ConfluenceTest, CreateGetUpdateWithVersionRule) {
  std::string id = CreatePage("Row 1", "<p>hello &nbsp;<ac:structured-macro ac:name=\"details\"/></p>");
  ASSERT_FALSE(id.empty());
  auto page = Wiki("GET", "/api/v2/pages/" + id + "?body-format=storage").Json();
  EXPECT_EQ(page["title"], "Row 1");
  EXPECT_EQ(page["spaceId"], space_id_);
  EXPECT_EQ(page["version"]["number"], 1);
  EXPECT_EQ(page["body"]["storage"]["representation"], "storage");
  EXPECT_EQ(page["body"]["storage"]["value"], "<p>hello &nbsp;<ac:structured-macro ac:name=\"details\"/></p>");
  EXPECT_FALSE(Wiki("GET", "/api/v2/pages/" + id).Json()["body"].contains("storage"));

  auto updated = Wiki("PUT", "/api/v2/pages/" + id, UpdateBody(id, "Row 1", 2));
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["version"]["number"], 2);
  auto stale = Wiki("PUT", "/api/v2/pages/" + id, UpdateBody(id, "Row 1", 2));
  EXPECT_EQ(stale.status, 409);
  auto error = stale.Json()["errors"][0];
  EXPECT_EQ(error["status"], 409);
  EXPECT_EQ(error["code"], "CONFLICT");
  EXPECT_NE(error["title"].get<std::string>().find("Current version is: 2"), std::string::npos);
  EXPECT_EQ(Wiki("PUT", "/api/v2/pages/" + id, UpdateBody(id, "Row 1", 5)).status, 409);
  EXPECT_EQ(Wiki("GET", "/api/v2/pages/999999").status, 404);
}

TEST_F(ConfluenceTest, BodiesOfTheWrongShapeGet400) {
  EXPECT_EQ(Wiki("POST", "/api/v2/pages", {{"spaceId", space_id_}, {"title", 5}}).status, 400);
  EXPECT_EQ(Wiki("POST", "/api/v2/pages", {{"spaceId", space_id_}, {"title", "t"}, {"status", 7}}).status, 400);
  std::string id = CreatePage("Shape", "<p/>");
  EXPECT_EQ(Wiki("PUT", "/api/v2/pages/" + id, {{"id", id}, {"status", "current"}, {"title", "Shape"},
                                                {"body", {{"representation", "storage"}, {"value", "<p/>"}}},
                                                {"version", {{"number", 2}, {"message", 3}}}})
                .status,
            400);
  EXPECT_EQ(Wiki("GET", "/api/v2/pages/" + id).Json()["version"]["number"], 1);
}

TEST_F(ConfluenceTest, DuplicateTitleInSpaceIs400) {
  CreatePage("Same", "<p/>");
  auto duplicate = Wiki("POST", "/api/v2/pages",
                        {{"spaceId", space_id_}, {"status", "current"}, {"title", "Same"},
                         {"body", {{"representation", "storage"}, {"value", "<p/>"}}}});
  EXPECT_EQ(duplicate.status, 400);
  ASSERT_TRUE(duplicate.Json()["errors"].is_array());
  EXPECT_NE(duplicate.Json()["errors"][0]["title"].get<std::string>().find(
                "A page already exists with the title Same in the space with key DEMO"),
            std::string::npos);
}

TEST_F(ConfluenceTest, StorageIsNormalisedOnSaveUnlessDisabled) {
  std::string id = CreatePage("T", "<table><tbody><tr><td>x</td></tr></tbody></table>");
  auto value = Wiki("GET", "/api/v2/pages/" + id + "?body-format=storage").Json()["body"]["storage"]["value"];
  EXPECT_EQ(value, "<table class=\"wrapped\"><tbody><tr><td>x</td></tr></tbody></table>");
  Control("PUT", "/_emulator/settings", {{"confluence_normalize_storage", false}});
  std::string raw = CreatePage("T2", "<table><tbody/></table>");
  EXPECT_EQ(Wiki("GET", "/api/v2/pages/" + raw + "?body-format=storage").Json()["body"]["storage"]["value"],
            "<table><tbody/></table>");
}

TEST_F(ConfluenceTest, DeleteMovesToTrashThenPurgeRemoves) {
  std::string id = CreatePage("Doomed", "<p/>");
  EXPECT_EQ(Wiki("DELETE", "/api/v2/pages/" + id + "?purge=true").status, 400);  // not trashed yet
  EXPECT_EQ(Wiki("DELETE", "/api/v2/pages/" + id).status, 204);
  EXPECT_EQ(Wiki("GET", "/api/v2/pages/" + id).status, 404);
  auto trashed = Wiki("GET", "/api/v2/pages/" + id + "?status=trashed");
  EXPECT_EQ(trashed.status, 200);
  EXPECT_EQ(trashed.Json()["status"], "trashed");
  CreatePage("Doomed", "<p/>");  // the title is free again
  EXPECT_EQ(Wiki("DELETE", "/api/v2/pages/" + id + "?purge=true").status, 204);
  EXPECT_EQ(Wiki("GET", "/api/v2/pages/" + id + "?status=trashed").status, 404);
}

TEST_F(ConfluenceTest, ListBySpaceSortsAndPagesWithCursor) {
  for (int i = 0; i < 5; ++i) CreatePage("P" + std::to_string(i), "<p/>");
  std::vector<std::string> titles;
  std::string path = "/api/v2/pages?space-id=" + space_id_ + "&sort=-title&limit=2";
  int pages = 0;
  while (!path.empty()) {
    auto response = Wiki("GET", path);
    ASSERT_EQ(response.status, 200) << response.body;
    ++pages;
    auto json = response.Json();
    for (const auto& page : json["results"]) titles.push_back(page["title"]);
    std::string next = json["_links"].value("next", "");
    if (!next.empty()) {
      EXPECT_EQ(next.rfind("/wiki/api/v2/pages?", 0), 0u);  // relative
      EXPECT_NE(response.Header("link").find("rel=\"next\""), std::string::npos);
      path = next.substr(5);  // strip "/wiki"
    } else {
      path.clear();
    }
  }
  EXPECT_EQ(pages, 3);
  // The space's home page ("Demo") is one of its pages, as on the service.
  EXPECT_EQ(titles, (std::vector<std::string>{"P4", "P3", "P2", "P1", "P0", "Demo"}));
  EXPECT_EQ(Wiki("GET", "/api/v2/pages?limit=251").status, 400);
}

TEST_F(ConfluenceTest, ListByModifiedDatePutsTheLatestWriteFirst) {
  std::string a = CreatePage("A", "<p/>");
  std::string b = CreatePage("B", "<p/>");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(Wiki("PUT", "/api/v2/pages/" + a, UpdateBody(a, "A", 2)).status, 200);
  auto newest = Wiki("GET", "/api/v2/pages?space-id=" + space_id_ + "&sort=-modified-date&limit=2").Json()["results"];
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0]["id"], a);
  EXPECT_EQ(newest[1]["id"], b);
  auto oldest = Wiki("GET", "/api/v2/pages?space-id=" + space_id_ + "&sort=modified-date").Json()["results"];
  ASSERT_EQ(oldest.size(), 3u);  // with the space's home page, written first
  EXPECT_EQ(oldest[2]["id"], a);
  EXPECT_EQ(Wiki("GET", "/api/v2/pages?sort=size").status, 400);
}

TEST_F(ConfluenceTest, ContentPropertiesHaveTheirOwnVersions) {
  std::string id = CreatePage("Props", "<p/>");
  std::string path = "/api/v2/pages/" + id + "/properties";
  auto created = Wiki("POST", path, {{"key", "syncbridge.row"}, {"value", {{"key", 42}, {"hash", "abc"}}}});
  ASSERT_EQ(created.status, 200) << created.body;
  std::string property_id = created.Json()["id"];
  EXPECT_EQ(created.Json()["version"]["number"], 1);
  EXPECT_EQ(Wiki("POST", path, {{"key", "syncbridge.row"}, {"value", 1}}).status, 400);
  auto by_key = Wiki("GET", path + "?key=syncbridge.row").Json()["results"];
  ASSERT_EQ(by_key.size(), 1u);
  EXPECT_EQ(by_key[0]["value"]["key"], 42);
  auto updated = Wiki("PUT", path + "/" + property_id,
                      {{"key", "syncbridge.row"}, {"value", {{"key", 42}, {"hash", "def"}}}, {"version", {{"number", 2}}}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Json()["value"]["hash"], "def");
  EXPECT_EQ(Wiki("PUT", path + "/" + property_id, {{"key", "syncbridge.row"}, {"value", 1}, {"version", {{"number", 2}}}}).status,
            409);
  // Properties do not bump the page's version.
  EXPECT_EQ(Wiki("GET", "/api/v2/pages/" + id).Json()["version"]["number"], 1);
  EXPECT_EQ(Wiki("DELETE", path + "/" + property_id).status, 204);
  EXPECT_EQ(Wiki("GET", path + "/" + property_id).status, 404);
}

TEST_F(ConfluenceTest, CqlSearchBySpaceAndLastModifiedWithVersion) {
  Control("POST", "/_emulator/confluence/spaces", {{"key", "OTHER"}, {"name", "Other"}});
  for (int i = 0; i < 3; ++i) CreatePage("S" + std::to_string(i), "<p/>");
  auto now = std::chrono::system_clock::now();
  std::time_t tt = std::chrono::system_clock::to_time_t(now - std::chrono::minutes(1));
  char minute_ago[32];
  std::strftime(minute_ago, sizeof minute_ago, "%Y-%m-%d %H:%M", std::gmtime(&tt));
  std::string cql = "type=page AND space=\"DEMO\" AND lastmodified >= \"" + std::string(minute_ago) +
                    "\" ORDER BY lastmodified ASC";
  auto response = Wiki("GET", "/rest/api/content/search?cql=" + PercentEncode(cql) + "&expand=version&limit=2");
  ASSERT_EQ(response.status, 200) << response.body;
  auto json = response.Json();
  // The home page (created with the space, so modified first) leads.
  ASSERT_EQ(json["results"].size(), 2u);
  EXPECT_EQ(json["totalSize"], 4);
  EXPECT_EQ(json["results"][0]["title"], "Demo");
  EXPECT_EQ(json["results"][1]["title"], "S0");
  EXPECT_EQ(json["results"][1]["version"]["number"], 1);
  std::string next = json["_links"]["next"];
  EXPECT_NE(next.find("cursor="), std::string::npos);
  auto second = Wiki("GET", next);
  ASSERT_EQ(second.status, 200) << second.body;
  ASSERT_EQ(second.Json()["results"].size(), 2u);
  EXPECT_EQ(second.Json()["results"][0]["title"], "S1");
  EXPECT_EQ(second.Json()["results"][1]["title"], "S2");
  EXPECT_FALSE(second.Json()["_links"].contains("next"));

  tt = std::chrono::system_clock::to_time_t(now + std::chrono::minutes(2));
  char future[32];
  std::strftime(future, sizeof future, "%Y-%m-%d %H:%M", std::gmtime(&tt));
  std::string later = "type=page AND space=\"DEMO\" AND lastmodified >= \"" + std::string(future) + "\"";
  EXPECT_TRUE(Wiki("GET", "/rest/api/content/search?cql=" + PercentEncode(later)).Json()["results"].empty());
  auto bad = Wiki("GET", "/rest/api/content/search?cql=" + PercentEncode("text ~ \"x\""));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["statusCode"], 400);
}

TEST_F(ConfluenceTest, CqlIndexLagHidesFreshWrites) {
  Control("PUT", "/_emulator/settings", {{"cql_index_lag_ms", 300}});
  CreatePage("Fresh", "<p/>");
  std::string path = "/rest/api/content/search?cql=" + PercentEncode("type=page AND space=\"DEMO\" AND title=\"Fresh\"");
  EXPECT_TRUE(Wiki("GET", path).Json()["results"].empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  EXPECT_EQ(Wiki("GET", path).Json()["results"].size(), 1u);
}

TEST_F(ConfluenceTest, RefreshTokensRotateAndOldOnesFail) {
  RegisterOAuthClient();
  auto first = Refresh("refresh-0");
  ASSERT_EQ(first.status, 200) << first.body;
  auto json = first.Json();
  EXPECT_EQ(json["expires_in"], 3600);
  std::string rotated = json["refresh_token"];
  EXPECT_NE(rotated, "refresh-0");
  EXPECT_EQ(Refresh("refresh-0").status, 403);  // the old one is dead
  EXPECT_EQ(Refresh(rotated).status, 200);
  EXPECT_EQ(Refresh(rotated).status, 403);
}

TEST_F(ConfluenceTest, OAuthTokenWorksOnlyOnItsCloudPath) {
  RegisterOAuthClient();
  std::string access = Refresh("refresh-0").Json()["access_token"];
  RequestOptions bearer;
  bearer.headers["Authorization"] = "Bearer " + access;
  auto resources = Send("GET", Url("/oauth/token/accessible-resources"), "", bearer);
  ASSERT_EQ(resources.status, 200);
  EXPECT_EQ(resources.Json()[0]["id"], "cloud-1");
  EXPECT_EQ(Send("GET", Url("/ex/confluence/cloud-1/wiki/api/v2/spaces?keys=DEMO"), "", bearer).status, 200);
  EXPECT_EQ(Send("GET", Url("/ex/confluence/cloud-2/wiki/api/v2/spaces"), "", bearer).status, 401);
  // A 3LO token on the site URL gets 401.
  EXPECT_EQ(Send("GET", Url("/wiki/api/v2/spaces"), "", bearer).status, 401);
}

TEST_F(ConfluenceTest, ExpiredAccessTokenGets401) {
  Control("PUT", "/_emulator/settings", {{"confluence_token_expires_in", 1}});
  RegisterOAuthClient();
  auto refreshed = Refresh("refresh-0").Json();
  EXPECT_EQ(refreshed["expires_in"], 1);
  RequestOptions bearer;
  bearer.headers["Authorization"] = "Bearer " + refreshed["access_token"].get<std::string>();
  EXPECT_EQ(Send("GET", Url("/ex/confluence/cloud-1/wiki/api/v2/spaces"), "", bearer).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(Send("GET", Url("/ex/confluence/cloud-1/wiki/api/v2/spaces"), "", bearer).status, 401);
}

TEST_F(ConfluenceTest, BurstLimitGives429WithRateLimitHeaders) {
  Control("PUT", "/_emulator/limits", {{"confluence_burst_per_second", 3}});
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Wiki("GET", "/api/v2/spaces").status, 200);
  // The bucket refills at 3/s, so on a slow machine a call may slip through.
  ClientResponse limited;
  for (int i = 0; i < 10 && limited.status != 429; ++i) limited = Wiki("GET", "/api/v2/spaces");
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.Header("retry-after").empty());
  EXPECT_EQ(limited.Header("x-ratelimit-limit"), "3");
  EXPECT_EQ(limited.Header("x-ratelimit-remaining"), "0");
  EXPECT_NE(limited.Header("x-ratelimit-reset").find('T'), std::string::npos);
}

}  // namespace
}  // namespace syncbridge::emulator::testing
