#include <gtest/gtest.h>

#include "mapper/decision.hpp"

namespace syncbridge::mapper {
namespace {

using nlohmann::json;
using Kind = Decision::Kind;

constexpr int kEu = 1;
constexpr int kUs = 2;

SyncMapping Books() {
  SyncMapping m;
  m.sync_id = 7;
  m.key_columns = {"id"};
  m.default_target_id = kEu;
  m.fields.push_back({"id", "id", FieldDirection::kBoth, std::nullopt});
  m.fields.push_back({"title", "Title", FieldDirection::kBoth, std::nullopt});
  m.fields.push_back({"notes", "Notes", FieldDirection::kBoth, std::nullopt});
  m.fields.push_back({"region", "region", FieldDirection::kBoth, std::nullopt});
  m.fields.push_back({"price", "PriceCents", FieldDirection::kPushOnly, Transform::Parse("scale:100").Value()});
  m.fields.push_back({"created_at", "Created", FieldDirection::kPullOnly, std::nullopt});
  m.rules.push_back({10, Predicate::Parse({{"col", "region"}, {"op", "="}, {"type", "text"}, {"value", "US"}}).Value(), kUs});
  return m;
}

const json kRow = {{"id", 1},         {"title", "Dune"},     {"notes", "long text"},
                   {"region", "EU"},  {"price", "9.99"},     {"created_at", nullptr}};

RowChange Upsert(json row) {
  RowChange c;
  c.key = {{"id", row["id"]}};
  c.row = std::move(row);
  return c;
}

// The ledger after a decision was applied remotely as remote item `id`.
LedgerView Applied(const Decision& d, const char* id) {
  LedgerView l;
  l.target_id = d.target_id;
  l.remote_id = id;
  l.content_hash = d.content_hash;
  l.field_hashes = d.field_hashes;
  return l;
}

TEST(Decision, CreateSendsEveryPushedFieldTransformed) {
  Decision d = Decide(Books(), Upsert(kRow), nullptr);
  ASSERT_EQ(d.kind, Kind::kCreate);
  EXPECT_EQ(d.target_id, kEu);
  EXPECT_EQ(d.fields, json({{"id", 1}, {"Title", "Dune"}, {"Notes", "long text"}, {"region", "EU"}, {"PriceCents", "999"}}));
  EXPECT_EQ(d.field_hashes.size(), 5u);  // pull_only Created is never pushed or hashed
  EXPECT_EQ(d.content_hash.size(), 32u);
}

TEST(Decision, SameContentIsSkippedChangedFieldsAreUpdated) {
  auto m = Books();
  LedgerView ledger = Applied(Decide(m, Upsert(kRow), nullptr), "5");
  EXPECT_EQ(Decide(m, Upsert(kRow), &ledger).kind, Kind::kSkip);

  json changed = kRow;
  changed["title"] = "Dune Messiah";
  changed["created_at"] = "2024-01-01T00:00:00Z";  // pull_only: not a push change
  Decision d = Decide(m, Upsert(changed), &ledger);
  ASSERT_EQ(d.kind, Kind::kUpdate);
  EXPECT_EQ(d.remote_id, "5");
  EXPECT_EQ(d.fields, json({{"Title", "Dune Messiah"}}));
  EXPECT_NE(d.content_hash, ledger.content_hash);
}

TEST(Decision, UnchangedToastIsNeitherSentNorCountedAsAChange) {
  auto m = Books();
  LedgerView ledger = Applied(Decide(m, Upsert(kRow), nullptr), "5");
  json row = kRow;
  row.erase("notes");  // unchanged TOAST: not in the change
  EXPECT_EQ(Decide(m, Upsert(row), &ledger).kind, Kind::kSkip);
  row["title"] = "Other";
  Decision d = Decide(m, Upsert(row), &ledger);
  ASSERT_EQ(d.kind, Kind::kUpdate);
  EXPECT_EQ(d.fields, json({{"Title", "Other"}}));
  EXPECT_EQ(d.field_hashes.at("Notes"), ledger.field_hashes.at("Notes"));
}

TEST(Decision, MissingValuesAreReadWhenTheyMustBeSent) {
  auto m = Books();
  json row = kRow;
  row.erase("notes");
  EXPECT_EQ(Decide(m, Upsert(row), nullptr).kind, Kind::kNeedFullRow);  // create needs all
  LedgerView ledger = Applied(Decide(m, Upsert(kRow), nullptr), "5");
  row["region"] = "US";
  EXPECT_EQ(Decide(m, Upsert(row), &ledger).kind, Kind::kNeedFullRow);  // move creates anew
  ledger.field_hashes.erase("Notes");  // a field mapped since the last push
  ledger.content_hash = ContentHash(ledger.field_hashes);
  Decision d = Decide(m, Upsert(kRow), &ledger);
  EXPECT_EQ(d.kind, Kind::kUpdate);
  EXPECT_EQ(d.fields, json({{"Notes", "long text"}}));
  json without = kRow;
  without.erase("notes");
  EXPECT_EQ(Decide(m, Upsert(without), &ledger).kind, Kind::kNeedFullRow);
  json no_region = kRow;
  no_region.erase("region");  // the shard rule turns on it
  EXPECT_EQ(Decide(m, Upsert(no_region), &ledger).kind, Kind::kNeedFullRow);
}

TEST(Decision, RouteChangeMovesTheItem) {
  auto m = Books();
  LedgerView ledger = Applied(Decide(m, Upsert(kRow), nullptr), "5");
  json us = kRow;
  us["region"] = "US";
  Decision d = Decide(m, Upsert(us), &ledger);
  ASSERT_EQ(d.kind, Kind::kMove);
  EXPECT_EQ(d.from_target_id, kEu);
  EXPECT_EQ(d.target_id, kUs);
  EXPECT_EQ(d.remote_id, "5");
  EXPECT_EQ(d.fields.size(), 5u);
  // NULL region: the rule is unknown, so the default target.
  LedgerView at_us = Applied(d, "9");
  json null_region = kRow;
  null_region["region"] = nullptr;
  Decision back = Decide(m, Upsert(null_region), &at_us);
  EXPECT_EQ(back.kind, Kind::kMove);
  EXPECT_EQ(back.target_id, kEu);
}

TEST(Decision, DeletesOnlyWhatExists) {
  auto m = Books();
  RowChange del;
  del.op = RowChange::Op::kDelete;
  del.key = {{"id", 1}};
  EXPECT_EQ(Decide(m, del, nullptr).kind, Kind::kSkip);
  LedgerView ledger = Applied(Decide(m, Upsert(kRow), nullptr), "5");
  Decision d = Decide(m, del, &ledger);
  ASSERT_EQ(d.kind, Kind::kDelete);
  EXPECT_EQ(d.remote_id, "5");
  EXPECT_EQ(d.target_id, kEu);
  ledger.deleted = true;
  EXPECT_EQ(Decide(m, del, &ledger).kind, Kind::kSkip);
  // A row inserted again after its item was deleted is created anew.
  EXPECT_EQ(Decide(m, Upsert(kRow), &ledger).kind, Kind::kCreate);
}

TEST(Decision, BadValuesBecomeErrorsNotCrashes) {
  auto m = Books();
  json row = kRow;
  row["price"] = "NaN";
  Decision d = Decide(m, Upsert(row), nullptr);
  ASSERT_EQ(d.kind, Kind::kError);
  EXPECT_NE(d.error.find("price"), std::string::npos);
  json weird = kRow;
  weird["region"] = 5;  // not text: the rule cannot compare it
  EXPECT_EQ(Decide(m, Upsert(weird), nullptr).kind, Kind::kError);
}

TEST(Decision, HashesAreStableAcrossNumberForms) {
  EXPECT_EQ(FieldHash("Pages", 412), FieldHash("Pages", 412.0));
  EXPECT_NE(FieldHash("Pages", 412), FieldHash("Pages", "412"));
  EXPECT_NE(FieldHash("A", 1), FieldHash("B", 1));
  EXPECT_EQ(RowKeyText({{"b", 2}, {"a", "x"}}), R"({"a":"x","b":2})");
  EXPECT_EQ(KeyOf(Books(), kRow), json({{"id", 1}}));
  EXPECT_FALSE(KeyOf(Books(), {{"title", "x"}}));
}

}  // namespace
}  // namespace syncbridge::mapper
