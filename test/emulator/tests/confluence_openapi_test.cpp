// Confluence v2 answers (and the requests the tests send) checked against
// Atlassian's OpenAPI description of the v2 API, read as published except
// that the page body's `oneOf` counts as `anyOf` (see API-NOTES).
#include "emulator_fixture.hpp"
#include "openapi_schema.hpp"

namespace syncbridge::emulator::testing {
namespace {

class ConfluenceOpenApiTest : public EmulatorTest {
 protected:
  void SetUp() override {
    spec_ = OpenApiSpec::Load(CONFLUENCE_OPENAPI_SPEC);
    // The spec lives beside the repository (../shared/specs); a checkout
    // without it cannot run this check, which is then reported as skipped.
    if (!spec_) GTEST_SKIP() << "no OpenAPI document at " << CONFLUENCE_OPENAPI_SPEC;
    EmulatorTest::SetUp();
    SetUpConfluence();
  }

  // Sends a v2 call, checks the request body (if any) and the JSON answer
  // against the operation's schemas; returns the answer.
  nlohmann::json Call(const std::string& method, const std::string& url, const std::string& template_path,
                      int expected_status, const nlohmann::json& body = nullptr) {
    std::string lower = method;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!body.is_null()) {
      auto request_errors = spec_->Validate(body, spec_->RequestSchema(template_path, lower));
      EXPECT_TRUE(request_errors.empty()) << method << " " << template_path << " request: " << Join(request_errors);
    }
    auto response = Wiki(method, "/api/v2" + url, body);
    EXPECT_EQ(response.status, expected_status) << method << " " << url << ": " << response.body;
    auto schema = spec_->ResponseSchema(template_path, lower, std::to_string(expected_status));
    if (schema.is_null()) return nullptr;
    auto json = response.Json();
    auto errors = spec_->Validate(json, schema);
    EXPECT_TRUE(errors.empty()) << method << " " << url << " answer " << response.body << "\n" << Join(errors);
    return json;
  }

  static std::string Join(const std::vector<std::string>& errors) {
    std::string out;
    for (const auto& error : errors) out += "  " + error + "\n";
    return out;
  }

  std::optional<OpenApiSpec> spec_;
};

TEST_F(ConfluenceOpenApiTest, ValidatorRefusesWhatTheSchemaForbids) {
  auto schema = spec_->ResponseSchema("/pages/{id}", "get", "200");
  ASSERT_FALSE(schema.is_null());
  nlohmann::json page = {{"id", "1"}, {"status", "current"}, {"title", "t"}, {"version", {{"number", 1}}}};
  EXPECT_TRUE(spec_->Validate(page, schema).empty());
  EXPECT_FALSE(spec_->Validate(nlohmann::json{{"id", 1}}, schema).empty());                   // id is a string
  EXPECT_FALSE(spec_->Validate(nlohmann::json{{"status", "gone"}}, schema).empty());          // not in the enum
  EXPECT_FALSE(spec_->Validate(nlohmann::json{{"parentId", nullptr}}, schema).empty());       // not nullable
  EXPECT_FALSE(spec_->Validate(nlohmann::json{{"createdAt", "yesterday"}}, schema).empty());  // date-time
  EXPECT_FALSE(spec_->Validate(nlohmann::json{{"version", {{"number", "2"}}}}, schema).empty());
  EXPECT_TRUE(spec_->Validate(nlohmann::json{{"position", nullptr}}, schema).empty());  // nullable
  auto update = spec_->RequestSchema("/pages/{id}", "put");
  EXPECT_FALSE(spec_->Validate(nlohmann::json{{"id", "1"}}, update).empty());  // required members missing
}

TEST_F(ConfluenceOpenApiTest, SpacesMatchTheSpec) {
  auto list = Call("GET", "/spaces?keys=DEMO", "/spaces", 200);
  ASSERT_EQ(list["results"].size(), 1u);
  EXPECT_EQ(list["results"][0]["key"], "DEMO");
  // Every space comes with a home page.
  std::string home = list["results"][0]["homepageId"];
  auto single = Call("GET", "/spaces/" + space_id_, "/spaces/{id}", 200);
  EXPECT_EQ(single["homepageId"], home);
  // The home page is a page of the space, at its root: no parent members.
  auto home_page = Call("GET", "/pages/" + home + "?body-format=storage", "/pages/{id}", 200);
  EXPECT_EQ(home_page["title"], "Demo");
  EXPECT_EQ(home_page["spaceId"], space_id_);
  EXPECT_FALSE(home_page.contains("parentId"));
  EXPECT_FALSE(single["_links"].value("base", "").empty());
  Control("POST", "/_emulator/confluence/spaces", {{"key", "OTHER"}, {"name", "Other"}});
  auto paged = Call("GET", "/spaces?limit=1", "/spaces", 200);
  EXPECT_FALSE(paged["_links"].value("next", "").empty());
}

TEST_F(ConfluenceOpenApiTest, PagesMatchTheSpecThroughTheirLifecycle) {
  nlohmann::json create = {{"spaceId", space_id_},
                           {"status", "current"},
                           {"title", "Row 1"},
                           {"body", {{"representation", "storage"}, {"value", "<p>one</p>"}}}};
  auto created = Call("POST", "/pages", "/pages", 200, create);
  std::string id = created["id"];
  // A page created without parentId sits under the space's home page.
  auto space = Call("GET", "/spaces/" + space_id_, "/spaces/{id}", 200);
  EXPECT_EQ(created["parentId"], space["homepageId"]);
  EXPECT_EQ(created["parentType"], "page");
  EXPECT_EQ(created["body"]["storage"]["value"], "<p>one</p>");

  // The nested body spelling is accepted as well.
  nlohmann::json nested = {{"spaceId", space_id_},
                           {"status", "current"},
                           {"title", "Row 2"},
                           {"parentId", id},
                           {"body", {{"storage", {{"representation", "storage"}, {"value", "<p>two</p>"}}}}}};
  auto child = Call("POST", "/pages", "/pages", 200, nested);
  EXPECT_EQ(child["parentId"], id);
  EXPECT_EQ(child["body"]["storage"]["value"], "<p>two</p>");

  Call("GET", "/pages/" + id, "/pages/{id}", 200);
  auto with_body = Call("GET", "/pages/" + id + "?body-format=storage", "/pages/{id}", 200);
  EXPECT_EQ(with_body["body"]["storage"]["representation"], "storage");
  nlohmann::json update = {{"id", id},
                           {"status", "current"},
                           {"title", "Row 1"},
                           {"body", {{"representation", "storage"}, {"value", "<p>uno</p>"}}},
                           {"version", {{"number", 2}, {"message", "second"}}}};
  auto updated = Call("PUT", "/pages/" + id, "/pages/{id}", 200, update);
  EXPECT_EQ(updated["version"]["number"], 2);
  EXPECT_EQ(updated["version"]["message"], "second");

  auto listed = Call("GET", "/pages?space-id=" + space_id_ + "&body-format=storage&limit=2&sort=-modified-date",
                     "/pages", 200);
  EXPECT_EQ(listed["results"].size(), 2u);
  EXPECT_FALSE(listed["_links"].value("next", "").empty());

  Call("DELETE", "/pages/" + child["id"].get<std::string>(), "/pages/{id}", 204);
  Call("GET", "/pages?space-id=" + space_id_ + "&status=trashed", "/pages", 200);
  Call("GET", "/pages/" + child["id"].get<std::string>() + "?status=trashed", "/pages/{id}", 200);
}

TEST_F(ConfluenceOpenApiTest, ContentPropertiesMatchTheSpec) {
  std::string id = CreatePage("Props", "<p/>");
  std::string base = "/pages/" + id + "/properties";
  nlohmann::json create = {{"key", "syncbridge.row"}, {"value", {{"key", 1}, {"hash", "abc"}}}};
  auto created = Call("POST", base, "/pages/{page-id}/properties", 200, create);
  std::string property = created["id"];
  Call("GET", base + "/" + property, "/pages/{page-id}/properties/{property-id}", 200);
  Call("GET", base + "?key=syncbridge.row", "/pages/{page-id}/properties", 200);
  nlohmann::json update = {{"key", "syncbridge.row"}, {"value", "plain"}, {"version", {{"number", 2}}}};
  auto updated = Call("PUT", base + "/" + property, "/pages/{page-id}/properties/{property-id}", 200, update);
  EXPECT_EQ(updated["value"], "plain");
  Call("DELETE", base + "/" + property, "/pages/{page-id}/properties/{property-id}", 204);
}

}  // namespace
}  // namespace syncbridge::emulator::testing
