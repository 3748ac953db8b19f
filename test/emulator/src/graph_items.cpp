// List items: list with paging and $filter, get, create, update fields,
// delete.
#include <algorithm>
#include <regex>

#include "graph_api.hpp"
#include "graph_errors.hpp"
#include "graph_fields.hpp"
#include "graph_item_json.hpp"
#include "url.hpp"

namespace syncbridge::emulator {
namespace {

constexpr int kDefaultPageSize = 200;
constexpr int kMaxPageSize = 5000;

// One comparison of a $filter: fields/Name op literal.
struct FilterClause {
  std::string field;
  std::string op;
  nlohmann::json literal;
};

std::optional<std::vector<FilterClause>> ParseFilter(const std::string& filter) {
  static const std::regex kClause(
      R"(^\s*fields/([A-Za-z_][A-Za-z0-9_]*)\s+(eq|ne|gt|ge|lt|le)\s+('(?:[^']|'')*'|-?[0-9]+(?:\.[0-9]+)?|true|false|null)\s*$)");
  static const std::regex kAnd(R"(\s+and\s+)", std::regex::icase);
  std::vector<FilterClause> clauses;
  std::sregex_token_iterator it(filter.begin(), filter.end(), kAnd, -1), end;
  for (; it != end; ++it) {
    std::smatch match;
    std::string part = *it;
    if (!std::regex_match(part, match, kClause)) return std::nullopt;
    FilterClause clause{match[1], match[2], nullptr};
    std::string literal = match[3];
    if (literal.front() == '\'') {
      std::string text = literal.substr(1, literal.size() - 2);
      for (size_t pos = 0; (pos = text.find("''", pos)) != std::string::npos; ++pos) text.erase(pos, 1);
      clause.literal = text;
    } else if (literal == "true" || literal == "false") {
      clause.literal = literal == "true";
    } else if (literal != "null") {
      clause.literal = std::stod(literal);
    }
    clauses.push_back(clause);
  }
  return clauses;
}

// Compares loosely like SharePoint: lookup ids are stored as strings but
// filtered as numbers.
bool ClauseMatches(const FilterClause& clause, const nlohmann::json& value) {
  auto as_number = [](const nlohmann::json& v, double* out) {
    if (v.is_number()) {
      *out = v.get<double>();
      return true;
    }
    if (v.is_string()) {
      try {
        size_t used = 0;
        *out = std::stod(v.get<std::string>(), &used);
        return used == v.get<std::string>().size();
      } catch (...) {
        return false;
      }
    }
    return false;
  };
  int order = 0;
  double left = 0, right = 0;
  if (clause.literal.is_number() && as_number(value, &left) && as_number(clause.literal, &right)) {
    order = left < right ? -1 : left > right ? 1 : 0;
  } else if (clause.literal.is_string() && value.is_string()) {
    order = value.get<std::string>().compare(clause.literal.get<std::string>());
    order = order < 0 ? -1 : order > 0 ? 1 : 0;
  } else {
    bool equal = value == clause.literal;
    if (clause.op == "eq") return equal;
    if (clause.op == "ne") return !equal;
    return false;
  }
  if (clause.op == "eq") return order == 0;
  if (clause.op == "ne") return order != 0;
  if (clause.op == "gt") return order > 0;
  if (clause.op == "ge") return order >= 0;
  if (clause.op == "lt") return order < 0;
  return order <= 0;
}

HttpResponse ListItems(GraphRequest& call) {
  const auto& context = call.context;
  FieldsExpansion expansion = ParseFieldsExpansion(context);

  std::vector<FilterClause> clauses;
  if (auto filter = context.Query("$filter")) {
    auto parsed = ParseFilter(*filter);
    if (!parsed) return GraphError(400, "invalidRequest", "Invalid filter clause");
    bool honour_non_indexed =
        context.request.headers.Get("Prefer").value_or("").find("HonorNonIndexedQueriesWarningMayFailRandomly") !=
        std::string::npos;
    for (const auto& clause : *parsed) {
      std::string column_name = clause.field;
      if (column_name.size() > 8 && column_name.substr(column_name.size() - 8) == "LookupId")
        column_name = column_name.substr(0, column_name.size() - 8);
      const ColumnDefinition* column = call.list->FindColumn(column_name);
      bool always_indexed = column_name == "id" || column_name == "ID";
      if (!column && !always_indexed)
        return GraphError(400, "invalidRequest", "Field '" + clause.field + "' is not recognized");
      if (!always_indexed && !column->indexed && !honour_non_indexed)
        return GraphError(400, "invalidRequest",
                          "Field '" + clause.field +
                              "' cannot be referenced in filter or orderby as it is not indexed. Provide the "
                              "'Prefer: HonorNonIndexedQueriesWarningMayFailRandomly' header to allow this, but be "
                              "warned that such queries may fail on large lists.");
    }
    clauses = *parsed;
  }

  int page_size = kDefaultPageSize;
  if (auto top = context.Query("$top")) {
    try {
      page_size = std::stoi(*top);
    } catch (...) {
      page_size = 0;
    }
    if (page_size < 1) return GraphError(400, "invalidRequest", "Invalid value for $top.");
    page_size = std::min(page_size, kMaxPageSize);
  }
  // The skiptoken is SharePoint's own paging bookmark: "Paged=TRUE&p_ID=N".
  int64_t after_id = 0;
  if (auto skiptoken = context.Query("$skiptoken")) {
    auto decoded = Base64Decode(*skiptoken);
    auto bookmark = decoded ? ParseQuery(*decoded) : QueryParams{};
    if (!bookmark.count("p_ID")) return GraphError(400, "invalidRequest", "Invalid skip token.");
    after_id = std::stoll(bookmark["p_ID"]);
  }

  nlohmann::json value = nlohmann::json::array();
  int64_t last_id = 0;
  bool more = false;
  for (auto it = call.list->items.upper_bound(after_id); it != call.list->items.end(); ++it) {
    const ListItem& item = it->second;
    if (item.deleted) continue;
    bool keep = std::all_of(clauses.begin(), clauses.end(), [&](const FilterClause& clause) {
      return ClauseMatches(clause, *FilterableValue(item, clause.field));
    });
    if (!keep) continue;
    if (static_cast<int>(value.size()) == page_size) {
      more = true;
      break;
    }
    value.push_back(ItemJson(*call.site, *call.list, item, expansion, true));
    last_id = item.id;
  }
  nlohmann::json body = {{"value", value}};
  if (more) {
    QueryParams query = context.request.query;
    query["$skiptoken"] = Base64Encode("Paged=TRUE&p_ID=" + std::to_string(last_id));
    body["@odata.nextLink"] = context.base_url + "/v1.0/sites/" + call.site->id + "/lists/" + call.list->id +
                              "/items?" + BuildQuery(query);
  }
  return JsonResponse(200, body);
}

ListItem* FindLiveItem(GraphRequest& call) {
  const std::string& raw = call.context.Param("item");
  if (raw.empty() || raw.size() > 18 || raw.find_first_not_of("0123456789") != std::string::npos) return nullptr;
  auto it = call.list->items.find(std::stoll(raw));
  if (it == call.list->items.end() || it->second.deleted) return nullptr;
  return &it->second;
}

HttpResponse ItemNotFound() { return GraphError(404, "itemNotFound", "The resource could not be found."); }

HttpResponse GetItem(GraphRequest& call) {
  ListItem* item = FindLiveItem(call);
  if (!item) return ItemNotFound();
  return JsonResponse(200, ItemJson(*call.site, *call.list, *item, ParseFieldsExpansion(call.context), true));
}

HttpResponse GetItemFields(GraphRequest& call) {
  ListItem* item = FindLiveItem(call);
  if (!item) return ItemNotFound();
  return JsonResponse(200, RenderFieldValueSet(*call.list, *item, nullptr));
}

void RecordWrite(SharePointList& list, ListItem& item, const GraphRequest& call) {
  item.modified = call.context.now;
  item.modified_by_app = call.caller.client_id;
  item.change_sequence = ++list.change_sequence;
  list.modified = call.context.now;
}

HttpResponse CreateItem(GraphRequest& call) {
  HttpResponse error;
  auto body = ParseJsonBody(call.context, &error);
  if (!body) return error;
  nlohmann::json fields = body->value("fields", nlohmann::json::object());
  if (auto invalid = ValidateFieldWrite(*call.list, fields)) return *invalid;
  ListItem item;
  item.id = call.list->next_item_id++;
  item.guid = NewGuid();
  item.version = 1;
  item.created = call.context.now;
  item.created_by_app = call.caller.client_id;
  ApplyFieldWrite(*call.list, item, fields);
  RecordWrite(*call.list, item, call);
  auto& stored = call.list->items[item.id] = std::move(item);
  FieldsExpansion all_fields{true, std::nullopt};
  HttpResponse response = JsonResponse(201, ItemJson(*call.site, *call.list, stored, all_fields, true));
  response.AddHeader("Location", call.context.base_url + "/v1.0/sites/" + call.site->id + "/lists/" +
                                     call.list->id + "/items/" + std::to_string(stored.id));
  return response;
}

// If-Match: "*" or the current eTag (compared without a weak prefix).
bool PreconditionHolds(const GraphRequest& call, const ListItem& item) {
  auto if_match = call.context.request.headers.Get("If-Match");
  if (!if_match) return true;
  std::string expected = Trim(*if_match);
  if (expected == "*") return true;
  if (expected.rfind("W/", 0) == 0) expected = expected.substr(2);
  std::string current = ItemETag(item);
  if (expected == current) return true;
  // Accept an unquoted tag as well.
  return "\"" + expected + "\"" == current;
}

HttpResponse PreconditionFailed() {
  return GraphError(412, "preconditionFailed", "The request ETag value does not match the object's ETag value.");
}

HttpResponse UpdateItemFields(GraphRequest& call) {
  ListItem* item = FindLiveItem(call);
  if (!item) return ItemNotFound();
  HttpResponse error;
  auto body = ParseJsonBody(call.context, &error);
  if (!body) return error;
  if (!PreconditionHolds(call, *item)) return PreconditionFailed();
  if (auto invalid = ValidateFieldWrite(*call.list, *body)) return *invalid;
  ApplyFieldWrite(*call.list, *item, *body);
  ++item->version;
  RecordWrite(*call.list, *item, call);
  return JsonResponse(200, RenderFieldValueSet(*call.list, *item, nullptr));
}

HttpResponse DeleteItem(GraphRequest& call) {
  ListItem* item = FindLiveItem(call);
  if (!item) return ItemNotFound();
  if (!PreconditionHolds(call, *item)) return PreconditionFailed();
  // Keep a tombstone without values so delta can report the deletion.
  item->deleted = true;
  item->fields = nlohmann::json::object();
  RecordWrite(*call.list, *item, call);
  return EmptyResponse(204);
}

}  // namespace

void RegisterItemRoutes(GraphRoutes& routes) {
  const std::string base = "/sites/{site}/lists/{list}/items";
  routes.Add("GET", base, ResourceUnitCost::kMultiItem, ListItems);
  routes.Add("POST", base, ResourceUnitCost::kWrite, CreateItem);
  routes.Add("GET", base + "/{item}", ResourceUnitCost::kSingleRead, GetItem);
  routes.Add("DELETE", base + "/{item}", ResourceUnitCost::kWrite, DeleteItem);
  routes.Add("GET", base + "/{item}/fields", ResourceUnitCost::kSingleRead, GetItemFields);
  routes.Add("PATCH", base + "/{item}/fields", ResourceUnitCost::kWrite, UpdateItemFields);
}

}  // namespace syncbridge::emulator
