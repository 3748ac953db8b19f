// JSON batching (json-batching docs): 20-request cap, unique ids,
// Content-Type rule, dependsOn/424, shuffled responses, inner throttling.
#include "emulator_fixture.hpp"

namespace syncbridge::emulator::testing {
namespace {

class GraphBatchTest : public EmulatorTest {
 protected:
  void SetUp() override {
    EmulatorTest::SetUp();
    SetUpGraph();
    list_id_ = CreateList("Books", nlohmann::json::array());
  }
  nlohmann::json CreateRequest(const std::string& id, const std::string& title) {
    return {{"id", id},
            {"method", "POST"},
            {"url", "/sites/" + site_id_ + "/lists/" + list_id_ + "/items"},
            {"headers", {{"Content-Type", "application/json"}}},
            {"body", {{"fields", {{"Title", title}}}}}};
  }
  ClientResponse Batch(const nlohmann::json& requests) { return Graph("POST", "/$batch", {{"requests", requests}}); }
  std::string list_id_;
};

TEST_F(GraphBatchTest, RunsInnerRequestsAndAnswers200) {
  nlohmann::json requests = nlohmann::json::array();
  for (int i = 0; i < 20; ++i) requests.push_back(CreateRequest(std::to_string(i), "T" + std::to_string(i)));
  auto response = Batch(requests);
  ASSERT_EQ(response.status, 200) << response.body;
  auto responses = response.Json()["responses"];
  ASSERT_EQ(responses.size(), 20u);
  std::set<std::string> ids;
  std::vector<std::string> order;
  for (const auto& inner : responses) {
    EXPECT_EQ(inner["status"], 201);
    EXPECT_EQ(inner["body"]["fields"]["Title"], "T" + inner["id"].get<std::string>());
    ids.insert(inner["id"]);
    order.push_back(inner["id"]);
  }
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(Graph("GET", ItemsPath(list_id_)).Json()["value"].size(), 20u);
}

TEST_F(GraphBatchTest, ResponsesAreNotAlwaysInRequestOrder) {
  bool saw_reordered = false;
  for (int attempt = 0; attempt < 10 && !saw_reordered; ++attempt) {
    nlohmann::json requests = nlohmann::json::array();
    for (int i = 0; i < 10; ++i)
      requests.push_back({{"id", std::to_string(i)}, {"method", "GET"}, {"url", "/sites/" + site_id_}});
    auto responses = Batch(requests).Json()["responses"];
    for (size_t i = 0; i < responses.size(); ++i)
      if (responses[i]["id"] != std::to_string(i)) saw_reordered = true;
  }
  EXPECT_TRUE(saw_reordered);
}

TEST_F(GraphBatchTest, MoreThan20DuplicateIdsAndMissingContentTypeAre400) {
  nlohmann::json too_many = nlohmann::json::array();
  for (int i = 0; i < 21; ++i) too_many.push_back(CreateRequest(std::to_string(i), "x"));
  EXPECT_EQ(Batch(too_many).status, 400);
  auto duplicate = Batch({CreateRequest("a", "x"), CreateRequest("A", "y")});
  EXPECT_EQ(duplicate.status, 400);
  EXPECT_EQ(duplicate.Json()["error"]["code"], "BadRequest");
  auto no_type = CreateRequest("1", "x");
  no_type.erase("headers");
  EXPECT_EQ(Batch({no_type}).status, 400);
  EXPECT_EQ(Graph("GET", ItemsPath(list_id_)).Json()["value"].size(), 0u);  // nothing ran
}

TEST_F(GraphBatchTest, FailedDependencyGives424) {
  auto bad = CreateRequest("1", "x");
  bad["body"] = {{"fields", {{"NoSuchField", 1}}}};
  auto dependent = CreateRequest("2", "y");
  dependent["dependsOn"] = {"1"};
  auto good = CreateRequest("3", "z");
  auto after_good = CreateRequest("4", "w");
  after_good["dependsOn"] = {"3"};
  auto responses = Batch({dependent, bad, good, after_good}).Json()["responses"];
  std::map<std::string, int> status;
  for (const auto& inner : responses) status[inner["id"]] = inner["status"];
  EXPECT_EQ(status["1"], 400);
  EXPECT_EQ(status["2"], 424);
  EXPECT_EQ(status["3"], 201);
  EXPECT_EQ(status["4"], 201);
}

TEST_F(GraphBatchTest, DependencyCycleOrUnknownDependencyFailsTheWholeBatch) {
  auto independent = CreateRequest("1", "x");
  auto a = CreateRequest("2", "y");
  a["dependsOn"] = {"3"};
  auto b = CreateRequest("3", "z");
  b["dependsOn"] = {"2"};
  auto cycle = Batch({independent, a, b});
  EXPECT_EQ(cycle.status, 400);
  EXPECT_EQ(cycle.Json()["error"]["code"], "BadRequest");
  auto dangling = CreateRequest("4", "w");
  dangling["dependsOn"] = {"nope"};
  EXPECT_EQ(Batch({independent, dangling}).status, 400);
  EXPECT_EQ(Graph("GET", ItemsPath(list_id_)).Json()["value"].size(), 0u);  // nothing ran
}

TEST_F(GraphBatchTest, InnerRequestsAreThrottledWithTheirOwnRetryAfter) {
  // Each create costs 2 RU: a 6 RU budget admits three.
  Control("PUT", "/_emulator/limits", {{"ru_per_minute", 6}});
  nlohmann::json requests = nlohmann::json::array();
  for (int i = 0; i < 5; ++i) requests.push_back(CreateRequest(std::to_string(i), "x"));
  auto response = Batch(requests);
  ASSERT_EQ(response.status, 200) << response.body;
  int created = 0, throttled = 0;
  auto responses = response.Json()["responses"];
  for (const auto& inner : responses) {
    if (inner["status"] == 201) ++created;
    if (inner["status"] == 429) {
      ++throttled;
      EXPECT_TRUE(inner["headers"].contains("Retry-After")) << inner.dump();
    }
  }
  EXPECT_EQ(created, 3) << response.body;
  EXPECT_EQ(throttled, 2);
}

}  // namespace
}  // namespace syncbridge::emulator::testing
