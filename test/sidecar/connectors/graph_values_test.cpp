#include <gtest/gtest.h>

#include "connectors/graph_values.hpp"

namespace syncbridge::connectors {
namespace {

using nlohmann::json;

json Encode(const json& column, const json& value) {
  json fields = json::object();
  auto st = EncodeField(ParseGraphColumn(column), value, fields);
  EXPECT_TRUE(st.Ok()) << (st.Ok() ? "" : st.Err().message);
  return fields;
}

std::string Refusal(const json& column, const json& value) {
  json fields = json::object();
  auto st = EncodeField(ParseGraphColumn(column), value, fields);
  EXPECT_FALSE(st.Ok()) << column.dump() << " " << value.dump();
  return st.Ok() ? "" : st.Err().message;
}

TEST(GraphValues, ScalarsByColumnType) {
  EXPECT_EQ(Encode({{"name", "Pages"}, {"number", json::object()}}, 412), json({{"Pages", 412}}));
  EXPECT_EQ(Encode({{"name", "Price"}, {"number", json::object()}}, "12.50"), json({{"Price", 12.5}}));
  EXPECT_EQ(Encode({{"name", "Done"}, {"boolean", json::object()}}, true), json({{"Done", true}}));
  EXPECT_EQ(Encode({{"name", "Title"}, {"text", json::object()}}, 42), json({{"Title", "42"}}));
  EXPECT_EQ(Encode({{"name", "Title"}, {"text", json::object()}}, nullptr), json({{"Title", nullptr}}));
  EXPECT_EQ(Encode({{"name", "When"}, {"dateTime", {{"format", "dateOnly"}}}}, "1965-08-01"),
            json({{"When", "1965-08-01T00:00:00Z"}}));
  EXPECT_EQ(Encode({{"name", "At"}, {"dateTime", json::object()}}, "2026-11-22T07:30:00.123456Z"),
            json({{"At", "2026-11-22T07:30:00Z"}}));
  EXPECT_EQ(Encode({{"name", "Owner"}, {"lookup", json::object()}}, "13"), json({{"OwnerLookupId", 13}}));
}

TEST(GraphValues, MultiValueFieldsCarryTheirODataType) {
  json tags = {{"name", "Tags"}, {"choice", {{"allowMultipleValues", true}}}};
  EXPECT_EQ(Encode(tags, json::array({"A", "B", nullptr})),
            json({{"Tags@odata.type", "Collection(Edm.String)"}, {"Tags", {"A", "B"}}}));
  json links = {{"name", "Refs"}, {"lookup", {{"allowMultipleValues", true}}}};
  EXPECT_EQ(Encode(links, json::array({1, "2"})),
            json({{"RefsLookupId@odata.type", "Collection(Edm.Int32)"}, {"RefsLookupId", {1, 2}}}));
  // A plain text column keeps an array as its JSON text.
  EXPECT_EQ(Encode({{"name", "Notes"}, {"text", json::object()}}, json::array({1, 2})), json({{"Notes", "[1,2]"}}));
}

TEST(GraphValues, ValuesAColumnCannotHoldAreRefusedByName) {
  EXPECT_NE(Refusal({{"name", "Pages"}, {"number", json::object()}}, "many").find("Pages"), std::string::npos);
  Refusal({{"name", "Pages"}, {"number", json::object()}}, "NaN");
  Refusal({{"name", "Done"}, {"boolean", json::object()}}, "yes");
  Refusal({{"name", "When"}, {"dateTime", json::object()}}, "1850-01-01");
  Refusal({{"name", "When"}, {"dateTime", json::object()}}, "soon");
  Refusal({{"name", "Pages"}, {"number", json::object()}}, json::array({1, 2}));
  Refusal({{"name", "Created"}, {"dateTime", json::object()}, {"readOnly", true}}, "2024-01-01");
}

}  // namespace
}  // namespace syncbridge::connectors
