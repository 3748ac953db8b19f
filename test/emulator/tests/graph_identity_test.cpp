// Microsoft identity platform: client-credentials grant and Graph's bearer
// check (auth-v2-service, Graph errors docs).
#include <thread>

#include "emulator_fixture.hpp"
#include "url.hpp"

namespace syncbridge::emulator::testing {
namespace {

ClientResponse RequestToken(const std::string& base, const std::string& tenant, const std::string& form) {
  RequestOptions options;
  options.headers["Content-Type"] = "application/x-www-form-urlencoded";
  return Send("POST", base + "/" + tenant + "/oauth2/v2.0/token", form, options);
}

const char* kScope = "scope=https%3A%2F%2Fgraph.microsoft.com%2F.default";

TEST_F(EmulatorTest, TokenForRegisteredAppHasBearerShape) {
  SetUpGraph();
  auto response = RequestToken(base_url_, "contoso",
                               std::string("client_id=app-1&client_secret=secret-1&grant_type=client_credentials&") + kScope);
  ASSERT_EQ(response.status, 200) << response.body;
  auto json = response.Json();
  EXPECT_EQ(json["token_type"], "Bearer");
  EXPECT_EQ(json["expires_in"], 3599);
  EXPECT_EQ(json["ext_expires_in"], 3599);
  EXPECT_FALSE(json["access_token"].get<std::string>().empty());
}

TEST_F(EmulatorTest, WrongSecretGetsIdentityErrorShape) {
  SetUpGraph();
  auto response = RequestToken(base_url_, "contoso",
                               std::string("client_id=app-1&client_secret=nope&grant_type=client_credentials&") + kScope);
  EXPECT_EQ(response.status, 401);
  auto json = response.Json();
  EXPECT_EQ(json["error"], "invalid_client");
  EXPECT_EQ(json["error_description"].get<std::string>().rfind("AADSTS7000215", 0), 0u);
  EXPECT_TRUE(json["error_codes"].is_array());
  EXPECT_TRUE(json.contains("trace_id"));
  EXPECT_TRUE(json.contains("correlation_id"));
}

TEST_F(EmulatorTest, MissingSecretIsInvalidClient) {
  SetUpGraph();
  auto response = RequestToken(base_url_, "contoso", std::string("client_id=app-1&grant_type=client_credentials&") + kScope);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Json()["error"], "invalid_client");
  EXPECT_EQ(response.Json()["error_codes"][0], 7000216);
}

TEST_F(EmulatorTest, UnregisteredAppAndUnknownTenantAreRefused) {
  SetUpGraph();
  auto unknown_app = RequestToken(base_url_, "contoso",
                                  std::string("client_id=other&client_secret=x&grant_type=client_credentials&") + kScope);
  EXPECT_EQ(unknown_app.status, 400);
  EXPECT_EQ(unknown_app.Json()["error"], "unauthorized_client");
  auto unknown_tenant = RequestToken(base_url_, "fabrikam",
                                     std::string("client_id=app-1&client_secret=secret-1&grant_type=client_credentials&") + kScope);
  EXPECT_EQ(unknown_tenant.status, 400);
  EXPECT_EQ(unknown_tenant.Json()["error"], "invalid_tenant");
}

TEST_F(EmulatorTest, UnsupportedGrantAndBadScopeAreRefused) {
  SetUpGraph();
  auto grant = RequestToken(base_url_, "contoso", std::string("client_id=app-1&client_secret=secret-1&grant_type=password&") + kScope);
  EXPECT_EQ(grant.status, 400);
  EXPECT_EQ(grant.Json()["error"], "unsupported_grant_type");
  auto scope = RequestToken(base_url_, "contoso",
                            "client_id=app-1&client_secret=secret-1&grant_type=client_credentials&scope=Sites.Read.All");
  EXPECT_EQ(scope.status, 400);
  EXPECT_EQ(scope.Json()["error"], "invalid_scope");
}

TEST_F(EmulatorTest, TenantDomainAndClientIdAreCaseInsensitive) {
  Control("POST", "/_emulator/apps", {{"tenant", "contoso.onmicrosoft.com"},
                                      {"client_id", "11111111-2222-3333-4444-555555555555"},
                                      {"client_secret", "s"}});
  auto response = RequestToken(base_url_, "Contoso.OnMicrosoft.com",
                               std::string("client_id=11111111-2222-3333-4444-555555555555&client_secret=s&"
                                           "grant_type=client_credentials&") + kScope);
  EXPECT_EQ(response.status, 200) << response.body;
  // The secret is not case-insensitive.
  auto wrong = RequestToken(base_url_, "contoso.onmicrosoft.com",
                            std::string("client_id=11111111-2222-3333-4444-555555555555&client_secret=S&"
                                        "grant_type=client_credentials&") + kScope);
  EXPECT_EQ(wrong.status, 401);
}

TEST_F(EmulatorTest, GraphRejectsMissingAndForeignTokens) {
  SetUpGraph();
  auto missing = Send("GET", Url("/v1.0/sites/" + site_id_));
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.Json()["error"]["code"], "InvalidAuthenticationToken");
  EXPECT_TRUE(missing.Json()["error"]["innerError"].contains("request-id"));
  auto foreign = Graph("GET", "/sites/" + site_id_, nullptr, {{"Authorization", "Bearer eyJ.not-ours.x"}});
  EXPECT_EQ(foreign.status, 401);
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);

  // A token the identity platform issued for another resource is refused.
  auto other_resource = RequestToken(base_url_, "contoso",
                                     "client_id=app-1&client_secret=secret-1&grant_type=client_credentials&"
                                     "scope=https%3A%2F%2Fmanagement.azure.com%2F.default");
  ASSERT_EQ(other_resource.status, 200) << other_resource.body;
  auto wrong_audience = Graph("GET", "/sites/" + site_id_, nullptr,
                              {{"Authorization", "Bearer " + other_resource.Json()["access_token"].get<std::string>()}});
  EXPECT_EQ(wrong_audience.status, 401);
  EXPECT_NE(wrong_audience.Json()["error"]["message"].get<std::string>().find("audience"), std::string::npos);
  // Graph's application id is a valid audience, and so is the emulator's
  // origin (for clients that derive the scope from their Graph base URL).
  for (const std::string& resource : {std::string("00000003-0000-0000-c000-000000000000"), base_url_}) {
    auto token = RequestToken(base_url_, "contoso",
                              "client_id=app-1&client_secret=secret-1&grant_type=client_credentials&scope=" +
                                  PercentEncode(resource + "/.default"));
    ASSERT_EQ(token.status, 200) << token.body;
    EXPECT_EQ(Graph("GET", "/sites/" + site_id_, nullptr,
                    {{"Authorization", "Bearer " + token.Json()["access_token"].get<std::string>()}})
                  .status,
              200)
        << resource;
  }

  // An Atlassian token means nothing to Graph.
  Control("POST", "/_emulator/confluence/oauth-clients",
          {{"client_id", "c"}, {"client_secret", "s"}, {"refresh_token", "r"}, {"cloud_id", "cloud"}});
  auto atlassian = Send("POST", Url("/oauth/token"),
                        R"({"grant_type":"refresh_token","client_id":"c","client_secret":"s","refresh_token":"r"})");
  ASSERT_EQ(atlassian.status, 200) << atlassian.body;
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_, nullptr,
                  {{"Authorization", "Bearer " + atlassian.Json()["access_token"].get<std::string>()}})
                .status,
            401);
}

TEST_F(EmulatorTest, ExpiredTokenGets401) {
  Control("PUT", "/_emulator/settings", {{"token_expires_in", 1}});
  SetUpGraph();
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto expired = Graph("GET", "/sites/" + site_id_);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.Json()["error"]["code"], "InvalidAuthenticationToken");
}

}  // namespace
}  // namespace syncbridge::emulator::testing
