#include "mapper/decision.hpp"

namespace syncbridge::mapper {
namespace {

using nlohmann::json;

Decision Fail(std::string message) {
  Decision d;
  d.kind = Decision::Kind::kError;
  d.error = std::move(message);
  return d;
}

Decision NeedFullRow() {
  Decision d;
  d.kind = Decision::Kind::kNeedFullRow;
  return d;
}

// Pushed fields of the row: values to send for the columns the change
// carries; hashes for every pushed field (unsent ones from the ledger).
struct Rendered {
  json values = json::object();
  FieldHashes hashes;
  bool complete = true;  // every pushed column was in the change
  std::string error;
};

Rendered Render(const SyncMapping& mapping, const json& row, const LedgerView* ledger) {
  Rendered out;
  for (const auto& field : mapping.fields) {
    if (!field.Pushed()) continue;
    auto it = row.find(field.column);
    if (it == row.end()) {
      out.complete = false;
      const FieldHashes* known = ledger ? &ledger->field_hashes : nullptr;
      if (known) {
        if (auto h = known->find(field.remote_field); h != known->end()) out.hashes[field.remote_field] = h->second;
      }
      continue;
    }
    json value = *it;
    if (field.transform) {
      auto pushed = field.transform->Push(value);
      if (!pushed) {
        out.error = "column \"" + field.column + "\": " + pushed.Err().message;
        return out;
      }
      value = std::move(pushed.Value());
    }
    out.hashes[field.remote_field] = FieldHash(field.remote_field, value);
    out.values[field.remote_field] = std::move(value);
  }
  return out;
}

}  // namespace

std::optional<json> KeyOf(const SyncMapping& mapping, const json& row) {
  json key = json::object();
  for (const auto& column : mapping.key_columns) {
    auto it = row.find(column);
    if (it == row.end() || it->is_null()) return std::nullopt;
    key[column] = *it;
  }
  return key;
}

Route RouteRow(const SyncMapping& mapping, const json& row) {
  Route route;
  for (const auto& rule : mapping.rules) {
    auto truth = rule.predicate.Evaluate(row);
    if (!truth) {
      route.error = "shard rule " + std::to_string(rule.priority) + ": " + truth.Err().message;
      return route;
    }
    if (truth.Value() == Truth::kMissing) {
      // An earlier rule might hold on the value we were not given.
      route.missing = true;
      return route;
    }
    if (truth.Value() == Truth::kTrue) {
      route.target_id = rule.target_id;
      return route;
    }
  }
  route.target_id = mapping.default_target_id;
  return route;
}

Decision Decide(const SyncMapping& mapping, const RowChange& change, const LedgerView* ledger) {
  bool live = ledger && !ledger->deleted && !ledger->remote_id.empty();
  if (change.op == RowChange::Op::kDelete) {
    Decision d;
    if (!live) return d;  // nothing remote to delete (never created, or already deleted)
    d.kind = Decision::Kind::kDelete;
    d.target_id = ledger->target_id;
    d.remote_id = ledger->remote_id;
    return d;
  }

  Route route = RouteRow(mapping, change.row);
  if (!route.error.empty()) return Fail(route.error);
  if (route.missing) return NeedFullRow();

  Rendered rendered = Render(mapping, change.row, live ? ledger : nullptr);
  if (!rendered.error.empty()) return Fail(rendered.error);

  Decision d;
  d.target_id = route.target_id;
  d.field_hashes = rendered.hashes;
  bool moving = live && ledger->target_id != route.target_id;
  if (!live || moving) {
    // A new item needs every pushed value, including unchanged TOAST ones.
    if (!rendered.complete) return NeedFullRow();
    d.kind = moving ? Decision::Kind::kMove : Decision::Kind::kCreate;
    d.from_target_id = moving ? ledger->target_id : 0;
    d.remote_id = moving ? ledger->remote_id : "";
    d.fields = std::move(rendered.values);
    d.content_hash = ContentHash(d.field_hashes);
    return d;
  }

  // An unsent column whose hash the ledger lacks (a field mapped since the
  // last push) must be read to be sent.
  for (const auto& field : mapping.fields)
    if (field.Pushed() && !d.field_hashes.count(field.remote_field)) return NeedFullRow();

  d.remote_id = ledger->remote_id;
  d.content_hash = ContentHash(d.field_hashes);
  if (d.content_hash == ledger->content_hash) {
    d.kind = Decision::Kind::kSkip;
    return d;
  }
  for (auto& [name, value] : rendered.values.items()) {
    auto old = ledger->field_hashes.find(name);
    if (old == ledger->field_hashes.end() || old->second != d.field_hashes[name]) d.fields[name] = value;
  }
  // Only fields that are no longer mapped differ: nothing to send.
  d.kind = d.fields.empty() ? Decision::Kind::kSkip : Decision::Kind::kUpdate;
  return d;
}

}  // namespace syncbridge::mapper
