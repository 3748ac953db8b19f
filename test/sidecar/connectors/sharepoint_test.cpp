#include <gtest/gtest.h>

#include <memory>

#include "connectors/sharepoint.hpp"
#include "in_process_emulator.hpp"

namespace syncbridge::connectors {
namespace {

using nlohmann::json;
using Outcome = OperationResult::Outcome;

class SharePointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Control("POST", "/_emulator/apps", {{"tenant", "contoso"}, {"client_id", "app-1"}, {"client_secret", "secret-1"}});
    Control("POST", "/_emulator/sites", {{"hostname", "contoso.sharepoint.com"}, {"path", "/sites/demo"}});
    tokens_ = std::make_shared<GraphTokenSource>(
        ClientCredentials{base_, "contoso", "app-1", "secret-1", DefaultScopeFor(base_ + "/v1.0")});
    connector_ = std::make_unique<SharePointConnector>(
        SharePointSettings{base_ + "/v1.0", "contoso.sharepoint.com:/sites/demo"}, tokens_);
  }

  json Control(const std::string& method, const std::string& path, const json& body) {
    auto r = client_.Send({method, base_ + path, {{"Content-Type", "application/json"}}, body.dump()});
    EXPECT_TRUE(r.Ok());
    EXPECT_LT(r.Value().status, 300) << path << " " << r.Value().body;
    return json::parse(r.Value().body, nullptr, false);
  }

  // Reads the list back through Graph as a person would: key → fields.
  std::map<std::string, json> Items() {
    auto token = tokens_->Token(client_).Value();
    auto id = connector_->ListId(client_, books_).Value();
    auto r = client_.Send({"GET", base_ + "/v1.0/sites/contoso.sharepoint.com:/sites/demo", {{"Authorization", "Bearer " + token}}, ""});
    std::string site_id = json::parse(r.Value().body)["id"];
    auto items = client_.Send({"GET", base_ + "/v1.0/sites/" + site_id + "/lists/" + id + "/items?expand=fields(select=Title,Pages,Published,SyncBridgeKey)",
                               {{"Authorization", "Bearer " + token}}, ""});
    std::map<std::string, json> out;
    json listing = json::parse(items.Value().body);
    for (const auto& item : listing["value"])
      out[item["fields"].value(std::string(kKeyField), "")] = item["fields"];
    return out;
  }

  void ProvisionBooks() {
    std::vector<ColumnSpec> columns = {{"Title", "text", {}, false},
                                       {"Pages", "integer", {}, false},
                                       {"Published", "date", {}, false},
                                       {"Genre", "genre", {"novel", "poetry"}, false},
                                       {"Price", "numeric(10,2)", {}, false}};
    auto st = connector_->Provision(client_, books_, columns);
    ASSERT_TRUE(st.Ok()) << st.Err().message;
  }

  http::CurlGlobal curl_;
  testing::InProcessEmulator emulator_;
  std::string base_ = emulator_.BaseUrl();
  http::Client client_;
  std::shared_ptr<GraphTokenSource> tokens_;
  std::unique_ptr<SharePointConnector> connector_;
  TargetRef books_{1, {{"list", "Books"}}};
};

TEST_F(SharePointTest, ProvisionCreatesTheListAndIsIdempotent) {
  ProvisionBooks();
  ProvisionBooks();  // nothing to add the second time, and no error
  auto token = tokens_->Token(client_).Value();
  auto id = connector_->ListId(client_, books_);
  ASSERT_TRUE(id.Ok()) << id.Err().message;
  auto r = client_.Send({"GET", base_ + "/v1.0/sites/contoso.sharepoint.com:/sites/demo", {{"Authorization", "Bearer " + token}}, ""});
  std::string site_id = json::parse(r.Value().body)["id"];
  auto columns = client_.Send({"GET", base_ + "/v1.0/sites/" + site_id + "/lists/" + id.Value() + "/columns",
                               {{"Authorization", "Bearer " + token}}, ""});
  json listing = json::parse(columns.Value().body);
  std::map<std::string, json> by_name;
  for (const auto& c : listing["value"]) by_name[c["name"]] = c;
  ASSERT_TRUE(by_name.count(kKeyField)) << listing.dump();
  EXPECT_TRUE(by_name[kKeyField].value("hidden", false));
  EXPECT_TRUE(by_name[kKeyField].value("indexed", false));
  EXPECT_TRUE(by_name["Pages"].contains("number"));
  EXPECT_EQ(by_name["Published"]["dateTime"]["format"], "dateOnly");
  EXPECT_EQ(by_name["Genre"]["choice"]["choices"], json({"novel", "poetry"}));
}

TEST_F(SharePointTest, BatchCreatesUpdatesAndDeletes) {
  ProvisionBooks();
  std::vector<Operation> creates;
  for (int i = 1; i <= 20; ++i)
    creates.push_back({Operation::Kind::kCreate, R"({"id":)" + std::to_string(i) + "}", "",
                       {{"Title", "Book " + std::to_string(i)}, {"Pages", i * 10}, {"Published", "1965-08-01"}}});
  auto created = connector_->Apply(client_, books_, creates);
  ASSERT_TRUE(created.Ok()) << created.Err().message;
  for (const auto& r : created.Value()) {
    ASSERT_EQ(r.outcome, Outcome::kApplied) << r.http_status << " " << r.message;
    EXPECT_FALSE(r.remote_id.empty());
    EXPECT_FALSE(r.remote_version.empty());
  }
  auto items = Items();
  ASSERT_EQ(items.size(), 20u);
  EXPECT_EQ(items[R"({"id":3})"]["Pages"], 30);
  EXPECT_EQ(items[R"({"id":3})"]["Published"], "1965-08-01T00:00:00Z");

  std::vector<Operation> mixed = {
      {Operation::Kind::kUpdate, R"({"id":1})", created.Value()[0].remote_id, {{"Title", "Renamed"}}},
      {Operation::Kind::kDelete, R"({"id":2})", created.Value()[1].remote_id, json::object()},
      {Operation::Kind::kDelete, R"({"id":99})", "99999", json::object()},                 // already gone
      {Operation::Kind::kUpdate, R"({"id":98})", "99998", {{"Title", "x"}}},               // gone
      {Operation::Kind::kUpdate, R"({"id":3})", created.Value()[2].remote_id, {{"Pages", "lots"}}},  // bad value
  };
  auto applied = connector_->Apply(client_, books_, mixed);
  ASSERT_TRUE(applied.Ok()) << applied.Err().message;
  const auto& r = applied.Value();
  EXPECT_EQ(r[0].outcome, Outcome::kApplied);
  EXPECT_NE(r[0].remote_version, created.Value()[0].remote_version);  // eTag changes on write
  EXPECT_EQ(r[1].outcome, Outcome::kApplied);
  EXPECT_EQ(r[2].outcome, Outcome::kApplied);
  EXPECT_EQ(r[3].outcome, Outcome::kGone);
  EXPECT_EQ(r[4].outcome, Outcome::kFailed);
  EXPECT_NE(r[4].message.find("Pages"), std::string::npos);
  items = Items();
  EXPECT_EQ(items.size(), 19u);
  EXPECT_EQ(items[R"({"id":1})"]["Title"], "Renamed");
  EXPECT_EQ(items[R"({"id":3})"]["Pages"], 30);
}

TEST_F(SharePointTest, RemoteRefusalsAreItemFailuresWithGraphsCode) {
  ProvisionBooks();
  std::vector<Operation> ops = {
      {Operation::Kind::kCreate, R"({"id":1})", "", {{"Title", "ok"}}},
      {Operation::Kind::kCreate, R"({"id":2})", "", {{"Title", std::string(300, 'x')}}},  // over 255
  };
  auto r = connector_->Apply(client_, books_, ops);
  ASSERT_TRUE(r.Ok()) << r.Err().message;
  EXPECT_EQ(r.Value()[0].outcome, Outcome::kApplied);
  EXPECT_EQ(r.Value()[1].outcome, Outcome::kFailed);
  EXPECT_EQ(r.Value()[1].http_status, 400);
  EXPECT_FALSE(r.Value()[1].error_code.empty());
  EXPECT_FALSE(r.Value()[1].message.empty());
  // A column the list lacks is the definition running ahead of the list:
  // the whole batch waits for provisioning (a config error), no row fails.
  std::vector<Operation> unknown = {{Operation::Kind::kCreate, R"({"id":3})", "", {{"Nope", 1}}}};
  auto u = connector_->Apply(client_, books_, unknown);
  ASSERT_FALSE(u.Ok());
  EXPECT_EQ(u.Err().kind, common::ErrorKind::kConfig);
  EXPECT_NE(u.Err().message.find("provision"), std::string::npos);
}

TEST_F(SharePointTest, FindByKeyAdoptsWhatAnEarlierCreateLeft) {
  ProvisionBooks();
  std::string key = R"({"id":"O'Brien"})";  // quotes must survive the OData literal
  auto none = connector_->FindByKey(client_, books_, key);
  ASSERT_TRUE(none.Ok()) << none.Err().message;
  EXPECT_FALSE(none.Value().has_value());
  auto created = connector_->Apply(client_, books_, {{Operation::Kind::kCreate, key, "", {{"Title", "x"}}}});
  ASSERT_TRUE(created.Ok());
  auto found = connector_->FindByKey(client_, books_, key);
  ASSERT_TRUE(found.Ok()) << found.Err().message;
  ASSERT_TRUE(found.Value().has_value());
  EXPECT_EQ(found.Value()->remote_id, created.Value()[0].remote_id);
}

TEST_F(SharePointTest, ThrottlingIsRetryableWithTheServersWait) {
  ProvisionBooks();
  Control("PUT", "/_emulator/faults", {{"latency_ms", 0}, {"jitter_ms", 0}, {"rates", {{"429", 1.0}}}});
  auto r = connector_->Apply(client_, books_, {{Operation::Kind::kCreate, R"({"id":1})", "", {{"Title", "x"}}}});
  if (r.Ok()) {
    // Throttled inside the batch: the item says when to come back.
    EXPECT_EQ(r.Value()[0].outcome, Outcome::kRetry);
    EXPECT_TRUE(r.Value()[0].retry_after.has_value());
  } else {
    EXPECT_EQ(r.Err().kind, common::ErrorKind::kThrottled);
  }
}

TEST_F(SharePointTest, ExpiredTokensAreRenewedOnce) {
  Control("PUT", "/_emulator/settings", {{"token_expires_in", 1}});
  ProvisionBooks();
  int before = tokens_->Fetches();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto r = connector_->Apply(client_, books_, {{Operation::Kind::kCreate, R"({"id":1})", "", {{"Title", "x"}}}});
  ASSERT_TRUE(r.Ok()) << r.Err().message;
  EXPECT_EQ(r.Value()[0].outcome, Outcome::kApplied);
  EXPECT_GT(tokens_->Fetches(), before);
}

TEST_F(SharePointTest, WrongSecretIsAConfigErrorWithoutTheSecret) {
  auto bad = std::make_shared<GraphTokenSource>(
      ClientCredentials{base_, "contoso", "app-1", "not-the-secret", DefaultScopeFor(base_ + "/v1.0")});
  SharePointConnector connector({base_ + "/v1.0", "contoso.sharepoint.com:/sites/demo"}, bad);
  auto r = connector.FindByKey(client_, books_, "{}");
  ASSERT_FALSE(r.Ok());
  EXPECT_EQ(r.Err().kind, common::ErrorKind::kConfig);
  EXPECT_EQ(r.Err().message.find("not-the-secret"), std::string::npos);
  EXPECT_NE(r.Err().message.find("invalid_client"), std::string::npos);
}

}  // namespace
}  // namespace syncbridge::connectors
