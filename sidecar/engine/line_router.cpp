#include "engine/line_router.hpp"

#include <nlohmann/json.hpp>

namespace syncbridge::engine {

using nlohmann::json;

common::Status LineRouter::OnLine(const std::string& line) {
  ++counters_.lines;
  json change = json::parse(line, nullptr, false);
  if (!change.is_object() || !change.contains("op") || !change.contains("schema") || !change.contains("table"))
    return common::ProtocolError("malformed change line: " + line.substr(0, 200));
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
  const std::string op = change["op"].get<std::string>();
  for (const auto& sync : syncs) {
    if (!sync.push) continue;
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
    if (auto st = engine_.Change(txn_, sync.sync_id, std::move(rc), *lsn, std::move(old_key)); !st) return st;
  }
  return {};
}

common::Status LineRouter::OnCommit(common::Lsn end_lsn) {
  auto st = engine_.Commit(txn_, end_lsn);
  ++txn_;
  return st;
}

}  // namespace syncbridge::engine
