// List-item delta (listitem-delta docs): nextLink paging, deltaLink
// cursor, latest state, deleted facet, token=latest, 410 on old tokens.
#include <thread>

#include "emulator_fixture.hpp"

namespace syncbridge::emulator::testing {
namespace {

class GraphDeltaTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    SetUpGraph();
    list_id_ = CreateList("Books", {{{"name", "Pages"}, {"number", nlohmann::json::object()}}});
  }
  std::string Create(const std::string& title) {
    return Graph("POST", ItemsPath(list_id_), {{"fields", {{"Title", title}}}}).Json()["id"];
  }
  // Follows nextLinks; returns all items and the final deltaLink.
  std::pair<std::vector<nlohmann::json>, std::string> Drain(std::string url, int* pages = nullptr) {
    std::vector<nlohmann::json> items;
    RequestOptions options;
    options.headers["Authorization"] = "Bearer " + token_;
    while (true) {
      auto response = Send("GET", url, "", options);
      EXPECT_EQ(response.status, 200) << response.body;
      if (response.status != 200) return {items, ""};
      auto json = response.Json();
      if (pages) ++*pages;
      for (const auto& item : json["value"]) items.push_back(item);
      if (json.contains("@odata.deltaLink")) {
        EXPECT_FALSE(json.contains("@odata.nextLink"));
        return {items, json["@odata.deltaLink"]};
      }
      url = json["@odata.nextLink"];
    }
  }
  std::string DeltaUrl() const { return Url("/v1.0" + ItemsPath(list_id_) + "/delta?expand=fields"); }
  std::string list_id_;
};

TEST_F(GraphDeltaTest, FullEnumerationPagesThenDeltaLink) {
  for (int i = 0; i < 250; ++i) Create("Item " + std::to_string(i));
  int pages = 0;
  auto [items, delta_link] = Drain(DeltaUrl(), &pages);
  EXPECT_EQ(items.size(), 250u);
  EXPECT_EQ(pages, 2);
  EXPECT_NE(delta_link.find("token="), std::string::npos);
  EXPECT_TRUE(items[0].contains("fields"));
  EXPECT_FALSE(items[0].contains("lastModifiedBy"));  // delta does not report it
  auto [again, next_link] = Drain(delta_link);
  EXPECT_TRUE(again.empty());
}

TEST_F(GraphDeltaTest, ChangesSinceTokenShowLatestStateOnceAndDeletedFacet) {
  std::string a = Create("a");
  std::string b = Create("b");
  auto [initial, delta_link] = Drain(DeltaUrl());
  ASSERT_EQ(initial.size(), 2u);
  Graph("PATCH", ItemsPath(list_id_) + "/" + a + "/fields", {{"Title", "a2"}});
  Graph("PATCH", ItemsPath(list_id_) + "/" + a + "/fields", {{"Title", "a3"}});
  Graph("DELETE", ItemsPath(list_id_) + "/" + b);
  std::string c = Create("c");
  auto [changes, next_link] = Drain(delta_link);
  ASSERT_EQ(changes.size(), 3u);
  std::map<std::string, nlohmann::json> by_id;
  for (const auto& item : changes) by_id[item["id"]] = item;
  EXPECT_EQ(by_id[a]["fields"]["Title"], "a3");  // latest state, not each change
  EXPECT_EQ(by_id[b]["deleted"]["state"], "deleted");
  EXPECT_FALSE(by_id[b].contains("@removed"));
  EXPECT_EQ(by_id[c]["fields"]["Title"], "c");
  EXPECT_NE(next_link, delta_link);
}

TEST_F(GraphDeltaTest, TokenLatestReturnsNoItemsOnlyDeltaLink) {
  Create("old");
  auto response = Graph("GET", ItemsPath(list_id_) + "/delta?token=latest");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.Json()["value"].empty());
  std::string delta_link = response.Json()["@odata.deltaLink"];
  Create("new");
  auto [changes, next_link] = Drain(delta_link);
  ASSERT_EQ(changes.size(), 1u);
}

TEST_F(GraphDeltaTest, GarbageOrForeignTokenIs400) {
  Create("a");
  EXPECT_EQ(Graph("GET", ItemsPath(list_id_) + "/delta?token=not-a-token").status, 400);
  std::string other = CreateList("Other", nlohmann::json::array());
  auto [items, other_link] = Drain(Url("/v1.0" + ItemsPath(other) + "/delta"));
  std::string token = other_link.substr(other_link.find("token=") + 6);
  auto foreign = Graph("GET", ItemsPath(list_id_) + "/delta?token=" + token);
  EXPECT_EQ(foreign.status, 400);
  EXPECT_TRUE(foreign.Json()["error"].contains("code"));
}

TEST_F(GraphDeltaTest, OldTokenGets410WithLocation) {
  Control("PUT", "/_emulator/settings", {{"delta_token_horizon_seconds", 0.2}});
  Create("a");
  auto [items, delta_link] = Drain(DeltaUrl());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  RequestOptions options;
  options.headers["Authorization"] = "Bearer " + token_;
  auto gone = Send("GET", delta_link, "", options);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(gone.Json()["error"]["code"], "resyncRequired");
  std::string location = gone.Header("location");
  ASSERT_FALSE(location.empty());
  EXPECT_EQ(location.find("token="), std::string::npos);
  auto restart = Send("GET", location, "", options);
  EXPECT_EQ(restart.status, 200);
  EXPECT_EQ(restart.Json()["value"].size(), 1u);
}

}  // namespace
}  // namespace syncbridge::emulator::testing
