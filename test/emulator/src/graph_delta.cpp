// List-item delta. A change sequence per list orders writes; a delta token
// records the sequence it covers and when it was issued. Each page returns
// the latest state of items changed after the token, ordered by their last
// change, so an item written twice appears once (in its latest state).
#include <algorithm>

#include "graph_api.hpp"
#include "graph_errors.hpp"
#include "graph_item_json.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

constexpr int kDeltaPageSize = 200;

// What a token or skiptoken carries. Opaque to clients (base64).
struct DeltaCursor {
  std::string list_id;
  uint64_t from_sequence = 0;   // changes strictly after this
  uint64_t upto_sequence = 0;   // snapshot bound of this round
  uint64_t after_sequence = 0;  // paging position within the round
  int64_t issued_ms = 0;        // when the round's token was issued
};

std::string EncodeCursor(const DeltaCursor& cursor) {
  QueryParams fields = {{"l", cursor.list_id},
                        {"f", std::to_string(cursor.from_sequence)},
                        {"u", std::to_string(cursor.upto_sequence)},
                        {"a", std::to_string(cursor.after_sequence)},
                        {"t", std::to_string(cursor.issued_ms)}};
  std::string encoded = Base64Encode(BuildQuery(fields));
  // URL-safe alphabet so the token survives query strings untouched.
  std::replace(encoded.begin(), encoded.end(), '+', '-');
  std::replace(encoded.begin(), encoded.end(), '/', '_');
  encoded.erase(std::remove(encoded.begin(), encoded.end(), '='), encoded.end());
  return encoded;
}

std::optional<DeltaCursor> DecodeCursor(std::string text) {
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  auto decoded = Base64Decode(text);
  if (!decoded) return std::nullopt;
  QueryParams fields = ParseQuery(*decoded);
  for (const char* key : {"l", "f", "u", "a", "t"})
    if (!fields.count(key)) return std::nullopt;
  try {
    return DeltaCursor{fields["l"], std::stoull(fields["f"]), std::stoull(fields["u"]), std::stoull(fields["a"]),
                       std::stoll(fields["t"])};
  } catch (...) {
    return std::nullopt;
  }
}

int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

ResourceUnitCost DeltaCost(const RequestContext& context) {
  // A delta call with a token costs 1 RU; a full enumeration costs 2.
  return context.Query("token") ? ResourceUnitCost::kSingleRead : ResourceUnitCost::kMultiItem;
}

HttpResponse Delta(GraphRequest& call) {
  const auto& context = call.context;
  const SharePointList& list = *call.list;
  const std::string delta_url =
      context.base_url + "/v1.0/sites/" + call.site->id + "/lists/" + list.id + "/items/delta";
  QueryParams passthrough = context.request.query;
  passthrough.erase("token");
  passthrough.erase("$skiptoken");
  auto link_with = [&](const char* key, const std::string& token) {
    QueryParams query = passthrough;
    query[key] = token;
    return delta_url + "?" + BuildQuery(query);
  };

  DeltaCursor cursor{list.id, 0, list.change_sequence, 0, ToMillis(context.now)};
  auto token = context.Query("token");
  auto skiptoken = context.Query("$skiptoken");
  if (token && *token == "latest") {
    // No items: only a cursor from now on.
    return JsonResponse(200, {{"value", nlohmann::json::array()}, {"@odata.deltaLink", link_with("token", EncodeCursor(cursor))}});
  }
  if (token || skiptoken) {
    auto decoded = DecodeCursor(token ? *token : *skiptoken);
    if (!decoded || decoded->list_id != list.id)
      return GraphError(400, "invalidRequest", "The delta token is not valid for this list.");
    double age_seconds = static_cast<double>(ToMillis(context.now) - decoded->issued_ms) / 1000.0;
    if (age_seconds > context.state.settings.delta_token_horizon_seconds) {
      HttpResponse gone = GraphError(
          410, "resyncRequired",
          "The delta token has expired. Enumerate the list again from the Location header and reconcile local items "
          "with the server's state.");
      gone.AddHeader("Location", delta_url + (passthrough.empty() ? "" : "?" + BuildQuery(passthrough)));
      return gone;
    }
    if (token) {
      cursor.from_sequence = decoded->upto_sequence;  // a new round from where the last ended
    } else {
      cursor = *decoded;  // continue paging the same round
    }
  }

  std::vector<const ListItem*> changed;
  for (const auto& [id, item] : list.items) {
    if (item.change_sequence <= std::max(cursor.from_sequence, cursor.after_sequence)) continue;
    if (item.change_sequence > cursor.upto_sequence) continue;
    // A full enumeration lists what exists; deletions matter only to a
    // client that saw the item before.
    if (item.deleted && cursor.from_sequence == 0) continue;
    changed.push_back(&item);
  }
  std::sort(changed.begin(), changed.end(),
            [](const ListItem* a, const ListItem* b) { return a->change_sequence < b->change_sequence; });

  FieldsExpansion expansion = ParseFieldsExpansion(context);
  nlohmann::json value = nlohmann::json::array();
  size_t count = std::min<size_t>(changed.size(), kDeltaPageSize);
  for (size_t i = 0; i < count; ++i) {
    const ListItem& item = *changed[i];
    if (item.deleted) {
      value.push_back({{"id", std::to_string(item.id)}, {"deleted", {{"state", "deleted"}}}});
    } else {
      value.push_back(ItemJson(*call.site, list, item, expansion, false));
    }
  }
  nlohmann::json body = {{"value", value}};
  if (changed.size() > count) {
    DeltaCursor next = cursor;
    next.after_sequence = changed[count - 1]->change_sequence;
    body["@odata.nextLink"] = link_with("$skiptoken", EncodeCursor(next));
  } else {
    DeltaCursor done{list.id, cursor.upto_sequence, cursor.upto_sequence, 0, ToMillis(context.now)};
    body["@odata.deltaLink"] = link_with("token", EncodeCursor(done));
  }
  return JsonResponse(200, body);
}

}  // namespace

void RegisterDeltaRoutes(GraphRoutes& routes) {
  routes.Add("GET", "/sites/{site}/lists/{list}/items/delta", DeltaCost, Delta);
}

}  // namespace syncbridge::emulator
