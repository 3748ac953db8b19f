#include "engine/line_router.hpp"

namespace syncbridge::engine {

using nlohmann::json;

json ToParkedJson(const ParkedRow& row) {
  json j = {{"op", row.change.op == mapper::RowChange::Op::kDelete ? "delete" : "upsert"}, {"key", row.change.key}};
  if (row.change.op != mapper::RowChange::Op::kDelete) j["row"] = row.change.row;
  if (row.old_key) j["old_key"] = *row.old_key;
  return j;
}

common::Result<ParkedRow> FromParkedJson(int sync_id, common::Lsn lsn, const json& change) {
  auto bad = [&] { return common::ProtocolError("parked change of sync " + std::to_string(sync_id) + " at " +
                                                lsn.ToString() + " is malformed: " + change.dump().substr(0, 200)); };
  if (!change.is_object() || !change.contains("op") || !change["op"].is_string() || !change.contains("key") ||
      !change["key"].is_object())
    return bad();
  ParkedRow row;
  row.sync_id = sync_id;
  row.lsn = lsn;
  row.change.key = change["key"];
  const std::string op = change["op"].get<std::string>();
  if (op == "delete") {
    row.change.op = mapper::RowChange::Op::kDelete;
  } else if (op == "upsert" && change.contains("row") && change["row"].is_object()) {
    row.change.row = change["row"];
  } else {
    return bad();
  }
  if (change.contains("old_key")) row.old_key = change["old_key"];
  return row;
}

common::Status LineRouter::OnLine(const std::string& line) {
  ++counters_.lines;
  json change = json::parse(line, nullptr, false);
  if (!change.is_object() || !change.contains("op") || !change.contains("schema") || !change.contains("table"))
    return common::ProtocolError("malformed change line: " + line.substr(0, 200));
  auto end = common::Lsn::Parse(change.value("end_lsn", ""));
  if (end && *end <= last_end_) {
    ++counters_.replayed;
    return {};
  }
  if (change["origin"].is_string() && change["origin"].get<std::string>() == kPullOrigin) {
    ++counters_.own_origin;
    return {};
  }
  auto syncs = syncs_(change["schema"].get<std::string>(), change["table"].get<std::string>());
  if (syncs.empty()) {
    ++counters_.unsynced;
    return {};
  }
  auto lsn = common::Lsn::Parse(change.value("lsn", ""));
  if (!lsn) return common::ProtocolError("change line without a valid lsn");
  if (change["commit_time"].is_string()) commit_time_ = change["commit_time"].get<std::string>();
  const std::string op = change["op"].get<std::string>();
  for (const auto& sync : syncs) {
    if (!sync.push) continue;
    touched_.insert(sync.sync_id);
    if (op == "truncate") {
      ++counters_.truncates;
      if (auto st = on_truncate_(sync.sync_id, *lsn); !st) return st;
      continue;
    }
    mapper::RowChange rc;
    rc.key = change["key"];
    std::optional<json> old_key;
    if (op == "delete") {
      rc.op = mapper::RowChange::Op::kDelete;
    } else {
      rc.row = change["new"];
      // "key" is the old key when the server sent one; the row now lives
      // under the key its new values carry.
      json new_key = json::object();
      bool complete = true;
      for (const auto& column : sync.key_columns) {
        if (!rc.row.contains(column)) {
          complete = false;
          break;
        }
        new_key[column] = rc.row[column];
      }
      if (complete && new_key != rc.key) {
        if (op == "update") old_key = rc.key;
        rc.key = std::move(new_key);
      }
    }
    if (sync.park && park_) {
      ++counters_.parked;
      parked_.push_back({sync.sync_id, *lsn, std::move(rc), std::move(old_key)});
      continue;
    }
    if (auto st = engine_.Change(txn_, sync.sync_id, std::move(rc), *lsn, std::move(old_key)); !st) return st;
  }
  return {};
}

common::Status LineRouter::OnCommit(common::Lsn end_lsn) {
  if (end_lsn <= last_end_) return {};  // a replay: its changes were dropped above
  last_end_ = end_lsn;
  if (!parked_.empty()) {
    auto st = park_(parked_);
    parked_.clear();
    if (!st) return st;
  }
  auto st = engine_.Commit(txn_, end_lsn);
  ++txn_;
  if (observer_ && !touched_.empty()) observer_(end_lsn, commit_time_, touched_);
  touched_.clear();
  commit_time_.clear();
  return st;
}

}  // namespace syncbridge::engine
