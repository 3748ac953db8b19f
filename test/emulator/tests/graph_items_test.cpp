// Sites, lists, columns and items (site-get-by-path, list-create,
// columndefinition, listitem-list/create/update/delete docs).
#include "emulator_fixture.hpp"

namespace syncbridge::emulator::testing {
namespace {

class GraphItemsTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    SetUpGraph();
    list_id_ = CreateList("Books", {{{"name", "Writer"}, {"text", nlohmann::json::object()}},
                                    {{"name", "Pages"}, {"number", nlohmann::json::object()}},
                                    {{"name", "InPrint"}, {"boolean", nlohmann::json::object()}},
                                    {{"name", "Published"}, {"dateTime", {{"format", "dateOnly"}}}},
                                    {{"name", "Genre"}, {"choice", {{"choices", {"Fiction", "Poetry"}}}}},
                                    {{"name", "Owner"}, {"personOrGroup", nlohmann::json::object()}},
                                    {{"name", "RowKey"}, {"text", nlohmann::json::object()}, {"hidden", true}, {"indexed", true}}});
  }
  ClientResponse CreateItem(const nlohmann::json& fields) {
    return Graph("POST", ItemsPath(list_id_), {{"fields", fields}});
  }
  std::string list_id_;
};

TEST_F(GraphItemsTest, SiteResolvesByPathAndIdLooksReal) {
  auto by_path = Graph("GET", "/sites/contoso.sharepoint.com:/sites/demo");
  ASSERT_EQ(by_path.status, 200) << by_path.body;
  std::string id = by_path.Json()["id"];
  EXPECT_EQ(id, site_id_);
  // hostname,site-collection-guid,web-guid
  EXPECT_EQ(std::count(id.begin(), id.end(), ','), 2);
  EXPECT_EQ(id.rfind("contoso.sharepoint.com,", 0), 0u);
  EXPECT_EQ(Graph("GET", "/sites/contoso.sharepoint.com:/sites/nope").status, 404);
  // The path form continues after a second colon.
  EXPECT_EQ(Graph("GET", "/sites/contoso.sharepoint.com:/sites/demo:/lists/Books").status, 200);
}

TEST_F(GraphItemsTest, ListsByIdNameAndColumnsIncludeTitleHiddenIndexed) {
  auto lists = Graph("GET", "/sites/" + site_id_ + "/lists");
  ASSERT_EQ(lists.status, 200);
  EXPECT_EQ(lists.Json()["value"].size(), 1u);
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_ + "/lists/Books").Json()["id"], list_id_);
  auto list = Graph("GET", "/sites/" + site_id_ + "/lists/" + list_id_).Json();
  EXPECT_EQ(list["list"]["template"], "genericList");
  auto columns = Graph("GET", "/sites/" + site_id_ + "/lists/" + list_id_ + "/columns").Json()["value"];
  bool has_title = false, hidden_indexed = false;
  for (const auto& column : columns) {
    if (column["name"] == "Title") has_title = true;
    if (column["name"] == "RowKey") hidden_indexed = column["hidden"] == true && column["indexed"] == true;
  }
  EXPECT_TRUE(has_title);
  EXPECT_TRUE(hidden_indexed);
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_ + "/lists/Missing").status, 404);
}

TEST_F(GraphItemsTest, AddColumnLaterAndRefuseDuplicates) {
  std::string path = "/sites/" + site_id_ + "/lists/" + list_id_ + "/columns";
  auto added = Graph("POST", path, {{"name", "Isbn"}, {"text", {{"maxLength", 13}}}, {"indexed", true}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.Json()["indexed"], true);
  EXPECT_EQ(Graph("POST", path, {{"name", "Isbn"}, {"text", nlohmann::json::object()}}).status, 409);
  EXPECT_EQ(Graph("POST", path, {{"name", "Bad"}}).status, 400);  // no type facet
  EXPECT_EQ(CreateItem({{"Title", "x"}, {"Isbn", "12345678901234"}}).status, 400);  // longer than maxLength
}

TEST_F(GraphItemsTest, CreateReturns201WithSystemFieldsAndETag) {
  auto created = CreateItem({{"Title", "Dune"}, {"Writer", "Herbert"}, {"Pages", 412}, {"InPrint", true},
                             {"Published", "1965-08-01T15:30:00+02:00"}, {"Genre", "Fiction"}, {"OwnerLookupId", "7"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto item = created.Json();
  EXPECT_EQ(item["id"], "1");
  std::string etag = item["eTag"];
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.substr(etag.size() - 3), ",1\"");
  EXPECT_TRUE(item.contains("createdDateTime"));
  EXPECT_TRUE(item.contains("lastModifiedDateTime"));
  auto fields = item["fields"];
  EXPECT_EQ(fields["Title"], "Dune");
  EXPECT_EQ(fields["Pages"], 412);
  EXPECT_EQ(fields["OwnerLookupId"], "7");  // lookups read back as strings
  // Date-only columns keep the UTC instant of (UTC site) midnight.
  EXPECT_EQ(fields["Published"], "1965-08-01T00:00:00Z");
  for (const char* system : {"Created", "Modified", "AuthorLookupId", "EditorLookupId", "ContentType", "_UIVersionString"})
    EXPECT_TRUE(fields.contains(system)) << system;
  // The system fields agree with the listItem's own timestamps.
  EXPECT_EQ(fields["Created"], item["createdDateTime"]);
  EXPECT_EQ(fields["Modified"], item["lastModifiedDateTime"]);
  EXPECT_EQ(item["createdBy"]["application"]["id"], "app-1");
  EXPECT_EQ(CreateItem({{"Title", "Second"}}).Json()["id"], "2");
  auto only_fields = Graph("GET", ItemsPath(list_id_) + "/1/fields");
  ASSERT_EQ(only_fields.status, 200);
  EXPECT_EQ(only_fields.Json()["Writer"], "Herbert");
  EXPECT_FALSE(only_fields.Json().contains("createdDateTime"));
}

TEST_F(GraphItemsTest, WrongTypesUnknownAndReadOnlyFieldsGet400) {
  for (const auto& bad : {nlohmann::json{{"Pages", "many"}}, nlohmann::json{{"InPrint", "yes"}},
                          nlohmann::json{{"Published", "yesterday"}}, nlohmann::json{{"Genre", "Cooking"}},
                          nlohmann::json{{"Nope", "x"}}, nlohmann::json{{"Created", "2024-01-01T00:00:00Z"}},
                          nlohmann::json{{"Author", 5}}}) {
    auto response = CreateItem(bad);
    EXPECT_EQ(response.status, 400) << bad.dump();
    EXPECT_TRUE(response.Json()["error"].contains("code")) << response.body;
  }
  EXPECT_EQ(Graph("GET", ItemsPath(list_id_)).Json()["value"].size(), 0u);
}

TEST_F(GraphItemsTest, BodiesOfTheWrongShapeGet400NotACrash) {
  EXPECT_EQ(Graph("POST", "/sites/" + site_id_ + "/lists", {{"displayName", "X"}, {"description", 5}}).status, 400);
  EXPECT_EQ(Graph("POST", ItemsPath(list_id_), {{"fields", 5}}).status, 400);
  EXPECT_EQ(Send("POST", Url("/v1.0" + ItemsPath(list_id_)), "{not json",
                 RequestOptions{{{"Authorization", "Bearer " + token_}}, 10000})
                .status,
            400);
  EXPECT_EQ(Graph("GET", ItemsPath(list_id_) + "/99999999999999999999999").status, 404);
  // The server is still serving.
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
}

TEST_F(GraphItemsTest, PatchFieldsReturnsFieldValueSetAndBumpsETag) {
  auto item = CreateItem({{"Title", "Dune"}, {"Pages", 400}}).Json();
  std::string path = ItemsPath(list_id_) + "/" + item["id"].get<std::string>();
  auto patched = Graph("PATCH", path + "/fields", {{"Pages", 412}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto fields = patched.Json();
  // A fieldValueSet, not a listItem: no eTag/createdDateTime at top level.
  EXPECT_FALSE(fields.contains("createdDateTime"));
  EXPECT_EQ(fields["Pages"], 412);
  EXPECT_EQ(fields["Title"], "Dune");  // untouched fields stay
  EXPECT_NE(fields["@odata.etag"], item["eTag"]);
  auto reread = Graph("GET", path + "?expand=fields").Json();
  EXPECT_EQ(reread["eTag"], fields["@odata.etag"]);
  EXPECT_EQ(reread["fields"]["_UIVersionString"], "2.0");
}

TEST_F(GraphItemsTest, IfMatchMismatchIs412WithoutChange) {
  auto item = CreateItem({{"Title", "Dune"}}).Json();
  std::string path = ItemsPath(list_id_) + "/" + item["id"].get<std::string>();
  auto ok = Graph("PATCH", path + "/fields", {{"Title", "Dune II"}}, {{"If-Match", item["eTag"]}});
  EXPECT_EQ(ok.status, 200);
  auto stale = Graph("PATCH", path + "/fields", {{"Title", "Dune III"}}, {{"If-Match", item["eTag"]}});
  EXPECT_EQ(stale.status, 412);
  EXPECT_EQ(Graph("GET", path + "?expand=fields").Json()["fields"]["Title"], "Dune II");
}

TEST_F(GraphItemsTest, DeleteIs204ThenItemIs404) {
  auto item = CreateItem({{"Title", "Dune"}}).Json();
  std::string path = ItemsPath(list_id_) + "/" + item["id"].get<std::string>();
  Graph("PATCH", path + "/fields", {{"Title", "Dune II"}});
  // A delete with a stale eTag is refused and leaves the item.
  EXPECT_EQ(Graph("DELETE", path, nullptr, {{"If-Match", item["eTag"]}}).status, 412);
  EXPECT_EQ(Graph("GET", path).status, 200);
  EXPECT_EQ(Graph("DELETE", path).status, 204);
  EXPECT_EQ(Graph("GET", path).status, 404);
  EXPECT_EQ(Graph("DELETE", path).status, 404);
  EXPECT_EQ(Graph("PATCH", path + "/fields", {{"Title", "x"}}).status, 404);
  EXPECT_EQ(Graph("GET", ItemsPath(list_id_) + "/999").status, 404);
}

TEST_F(GraphItemsTest, ListingPagesAt200WithNextLink) {
  for (int i = 0; i < 450; ++i) ASSERT_EQ(CreateItem({{"Title", "Item " + std::to_string(i)}}).status, 201);
  std::vector<std::string> ids;
  std::string url = Url("/v1.0" + ItemsPath(list_id_) + "?expand=fields(select=Title)");
  int pages = 0;
  while (!url.empty()) {
    RequestOptions options;
    options.headers["Authorization"] = "Bearer " + token_;
    auto page = Send("GET", url, "", options);
    ASSERT_EQ(page.status, 200) << page.body;
    auto json = page.Json();
    ++pages;
    EXPECT_LE(json["value"].size(), 200u);
    for (const auto& item : json["value"]) {
      ids.push_back(item["id"]);
      EXPECT_TRUE(item["fields"].contains("Title"));
      EXPECT_FALSE(item["fields"].contains("Created"));  // select limits fields
    }
    url = json.value("@odata.nextLink", "");
    if (!url.empty()) {
      EXPECT_NE(url.find("$skiptoken="), std::string::npos);
    }
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(ids.size(), 450u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 450u);
  auto top = Graph("GET", ItemsPath(list_id_) + "?$top=10").Json();
  EXPECT_EQ(top["value"].size(), 10u);
  EXPECT_TRUE(top.contains("@odata.nextLink"));
  EXPECT_FALSE(top["value"][0].contains("fields"));  // fields only when expanded
}

TEST_F(GraphItemsTest, FilterOnlyOnIndexedColumnsUnlessPreferHeader) {
  CreateItem({{"Title", "a"}, {"RowKey", "k1"}, {"Writer", "X"}});
  CreateItem({{"Title", "b"}, {"RowKey", "k2"}, {"Writer", "Y"}});
  auto indexed = Graph("GET", ItemsPath(list_id_) + "?expand=fields&$filter=fields/RowKey%20eq%20'k2'");
  ASSERT_EQ(indexed.status, 200) << indexed.body;
  ASSERT_EQ(indexed.Json()["value"].size(), 1u);
  EXPECT_EQ(indexed.Json()["value"][0]["fields"]["Title"], "b");
  // Hidden columns show up when selected explicitly.
  auto selected = Graph("GET", ItemsPath(list_id_) + "?expand=fields(select=RowKey)");
  EXPECT_EQ(selected.Json()["value"][0]["fields"]["RowKey"], "k1");

  auto not_indexed = Graph("GET", ItemsPath(list_id_) + "?$filter=fields/Writer%20eq%20'X'");
  EXPECT_EQ(not_indexed.status, 400);
  EXPECT_NE(not_indexed.Json()["error"]["message"].get<std::string>().find("HonorNonIndexedQueriesWarningMayFailRandomly"),
            std::string::npos);
  auto honoured = Graph("GET", ItemsPath(list_id_) + "?$filter=fields/Writer%20eq%20'X'", nullptr,
                        {{"Prefer", "HonorNonIndexedQueriesWarningMayFailRandomly"}});
  EXPECT_EQ(honoured.status, 200);
  EXPECT_EQ(honoured.Json()["value"].size(), 1u);
}

TEST_F(GraphItemsTest, MultiValueFieldsNeedODataType) {
  std::string path = "/sites/" + site_id_ + "/lists/" + list_id_ + "/columns";
  ASSERT_EQ(Graph("POST", path, {{"name", "Tags"}, {"choice", {{"allowTextEntry", true}, {"allowMultipleValues", true}}}}).status, 201);
  EXPECT_EQ(CreateItem({{"Tags", {"A", "B"}}}).status, 400);
  auto created = CreateItem({{"Tags@odata.type", "Collection(Edm.String)"}, {"Tags", {"A", "B"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Json()["fields"]["Tags"], nlohmann::json({"A", "B"}));
  EXPECT_EQ(created.Json()["fields"]["Tags@odata.type"], "Collection(Edm.String)");
}

}  // namespace
}  // namespace syncbridge::emulator::testing
