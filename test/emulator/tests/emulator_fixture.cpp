#include "emulator_fixture.hpp"

#include "url.hpp"

namespace syncbridge::emulator::testing {

void EmulatorTest::SetUp() {
  state_ = std::make_unique<EmulatorState>();
  dispatcher_ = std::make_unique<Dispatcher>(*state_);
  ServerOptions options;
  options.port = 0;
  options.threads = 2;
  server_ = std::make_unique<HttpServer>(*dispatcher_, options);
  base_url_ = "http://127.0.0.1:" + std::to_string(server_->Start());
}

void EmulatorTest::TearDown() {
  server_->Stop();
  server_.reset();
  dispatcher_.reset();
  state_.reset();
}

nlohmann::json EmulatorTest::Control(const std::string& method, const std::string& path, const nlohmann::json& body) {
  auto response = Send(method, Url(path), body.is_null() ? "" : body.dump());
  EXPECT_GE(response.status, 200) << path << ": " << response.body;
  EXPECT_LT(response.status, 300) << path << ": " << response.body;
  return response.Json();
}

std::string EmulatorTest::GraphToken(const std::string& tenant, const std::string& client_id,
                                     const std::string& secret) {
  RequestOptions options;
  options.headers["Content-Type"] = "application/x-www-form-urlencoded";
  std::string form = "client_id=" + client_id + "&client_secret=" + PercentEncode(secret) +
                     "&grant_type=client_credentials&scope=" + PercentEncode("https://graph.microsoft.com/.default");
  auto response = Send("POST", Url("/" + tenant + "/oauth2/v2.0/token"), form, options);
  EXPECT_EQ(response.status, 200) << response.body;
  return response.Json().value("access_token", "");
}

std::string EmulatorTest::SetUpGraph() {
  Control("POST", "/_emulator/apps", {{"tenant", "contoso"}, {"client_id", "app-1"}, {"client_secret", "secret-1"}});
  site_id_ = Control("POST", "/_emulator/sites", {{"hostname", "contoso.sharepoint.com"}, {"path", "/sites/demo"}})["id"];
  token_ = GraphToken("contoso", "app-1", "secret-1");
  return token_;
}

ClientResponse EmulatorTest::Graph(const std::string& method, const std::string& path, const nlohmann::json& body,
                                   std::map<std::string, std::string> headers) {
  RequestOptions options;
  options.headers = std::move(headers);
  if (!options.headers.count("Authorization")) options.headers["Authorization"] = "Bearer " + token_;
  return Send(method, Url("/v1.0" + path), body.is_null() ? "" : body.dump(), options);
}

std::string EmulatorTest::CreateList(const std::string& name, const nlohmann::json& columns) {
  auto response = Graph("POST", "/sites/" + site_id_ + "/lists",
                        {{"displayName", name}, {"columns", columns}, {"list", {{"template", "genericList"}}}});
  EXPECT_EQ(response.status, 201) << response.body;
  return response.Json().value("id", "");
}

void EmulatorTest::SetUpConfluence() {
  Control("POST", "/_emulator/confluence/users", {{"email", "ann@example.com"}, {"api_token", "api-token-1"}});
  space_id_ = Control("POST", "/_emulator/confluence/spaces", {{"key", "DEMO"}, {"name", "Demo"}})["id"];
  basic_auth_ = "Basic " + Base64Encode("ann@example.com:api-token-1");
}

ClientResponse EmulatorTest::Wiki(const std::string& method, const std::string& path, const nlohmann::json& body) {
  RequestOptions options;
  options.headers["Authorization"] = basic_auth_;
  return Send(method, Url("/wiki" + path), body.is_null() ? "" : body.dump(), options);
}

std::string EmulatorTest::CreatePage(const std::string& title, const std::string& storage) {
  auto response = Wiki("POST", "/api/v2/pages",
                       {{"spaceId", space_id_},
                        {"status", "current"},
                        {"title", title},
                        {"body", {{"representation", "storage"}, {"value", storage}}}});
  EXPECT_EQ(response.status, 200) << response.body;
  return response.Json().value("id", "");
}

}  // namespace syncbridge::emulator::testing
