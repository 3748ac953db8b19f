#include "mapper/predicate.hpp"

#include <algorithm>

namespace syncbridge::mapper {

using common::ConfigError;
using common::Result;
using nlohmann::json;

struct Predicate::Node {
  enum class Op { kAnd, kOr, kNot, kEq, kNe, kLt, kLe, kGt, kGe, kIn, kIsNull };
  Op op = Op::kAnd;
  std::vector<Node> children;  // and / or / not
  std::string column;
  Family family = Family::kText;
  std::vector<json> values;  // one for comparisons, several for in
};

namespace {

using Node = Predicate::Node;
using Op = Node::Op;

Result<Node> ParseNode(const json& p, const std::string& path);

Result<Node> ParseList(const json& items, Op op, const std::string& path) {
  if (!items.is_array() || items.empty()) return ConfigError(path + " must be a non-empty array");
  Node node;
  node.op = op;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto child = ParseNode(items[i], path + "[" + std::to_string(i) + "]");
    if (!child) return child.Err();
    node.children.push_back(std::move(child.Value()));
  }
  return node;
}

Result<Op> ParseComparison(const std::string& op) {
  static const std::pair<const char*, Op> kOps[] = {{"=", Op::kEq}, {"<>", Op::kNe}, {"<", Op::kLt},
                                                    {"<=", Op::kLe}, {">", Op::kGt},  {">=", Op::kGe},
                                                    {"in", Op::kIn}, {"is_null", Op::kIsNull}};
  for (const auto& [name, value] : kOps)
    if (op == name) return value;
  return ConfigError("unknown operator " + op);
}

Result<Node> ParseNode(const json& p, const std::string& path) {
  if (!p.is_object()) return ConfigError(path + " must be a JSON object");
  if (p.contains("and")) return ParseList(p["and"], Op::kAnd, path + ".and");
  if (p.contains("or")) return ParseList(p["or"], Op::kOr, path + ".or");
  if (p.contains("not")) {
    auto child = ParseNode(p["not"], path + ".not");
    if (!child) return child.Err();
    Node node;
    node.op = Op::kNot;
    node.children.push_back(std::move(child.Value()));
    return node;
  }
  if (!p.contains("col") || !p["col"].is_string() || !p.contains("op") || !p["op"].is_string())
    return ConfigError(path + " needs \"col\" and \"op\"");
  auto op = ParseComparison(p["op"].get<std::string>());
  if (!op) return ConfigError(path + ": " + op.Err().message);
  Node node;
  node.op = op.Value();
  node.column = p["col"].get<std::string>();
  if (node.op == Op::kIsNull) return node;
  if (!p.contains("type") || !p["type"].is_string()) return ConfigError(path + " has no \"type\"");
  auto family = ParseFamily(p["type"].get<std::string>());
  if (!family) return ConfigError(path + " has an unknown type " + p["type"].dump());
  node.family = *family;
  if (node.op == Op::kIn) {
    if (!p.contains("values") || !p["values"].is_array() || p["values"].empty())
      return ConfigError(path + ": in needs \"values\"");
    node.values.assign(p["values"].begin(), p["values"].end());
  } else {
    if (!p.contains("value")) return ConfigError(path + " needs \"value\"");
    node.values.push_back(p["value"]);
  }
  return node;
}

Truth Not(Truth t) {
  switch (t) {
    case Truth::kTrue: return Truth::kFalse;
    case Truth::kFalse: return Truth::kTrue;
    default: return t;
  }
}

// Kleene logic, with kMissing ranking above kUnknown: if the answer could
// still turn on a value we were not given, say so rather than guess.
Truth Combine(Truth a, Truth b, bool is_and) {
  Truth dominant = is_and ? Truth::kFalse : Truth::kTrue;
  if (a == dominant || b == dominant) return dominant;
  if (a == Truth::kMissing || b == Truth::kMissing) return Truth::kMissing;
  if (a == Truth::kUnknown || b == Truth::kUnknown) return Truth::kUnknown;
  return is_and ? Truth::kTrue : Truth::kFalse;
}

bool Holds(Op op, int c) {
  switch (op) {
    case Op::kEq: return c == 0;
    case Op::kNe: return c != 0;
    case Op::kLt: return c < 0;
    case Op::kLe: return c <= 0;
    case Op::kGt: return c > 0;
    case Op::kGe: return c >= 0;
    default: return false;
  }
}

Result<Truth> Eval(const Node& node, const json& row) {
  switch (node.op) {
    case Op::kAnd:
    case Op::kOr: {
      bool is_and = node.op == Op::kAnd;
      Truth acc = is_and ? Truth::kTrue : Truth::kFalse;
      for (const auto& child : node.children) {
        auto t = Eval(child, row);
        if (!t) return t;
        acc = Combine(acc, t.Value(), is_and);
      }
      return acc;
    }
    case Op::kNot: {
      auto t = Eval(node.children.front(), row);
      if (!t) return t;
      return Not(t.Value());
    }
    default:
      break;
  }
  auto it = row.find(node.column);
  if (it == row.end()) return Truth::kMissing;
  if (node.op == Op::kIsNull) return it->is_null() ? Truth::kTrue : Truth::kFalse;
  if (it->is_null()) return Truth::kUnknown;
  bool any = false;
  for (const auto& v : node.values) {
    auto c = CompareValues(node.family, *it, v);
    if (!c)
      return ConfigError("column \"" + node.column + "\" holds " + it->dump() +
                         ", which the shard rule cannot compare with " + v.dump());
    any = any || (node.op == Op::kIn ? *c == 0 : Holds(node.op, *c));
  }
  return any ? Truth::kTrue : Truth::kFalse;
}

void CollectColumns(const Node& node, std::vector<std::string>& out) {
  if (!node.column.empty() && std::find(out.begin(), out.end(), node.column) == out.end())
    out.push_back(node.column);
  for (const auto& child : node.children) CollectColumns(child, out);
}

}  // namespace

Result<Predicate> Predicate::Parse(const json& normalized) {
  auto root = ParseNode(normalized, "predicate");
  if (!root) return root.Err();
  return Predicate(std::make_shared<const Node>(std::move(root.Value())));
}

Result<Truth> Predicate::Evaluate(const json& row) const { return Eval(*root_, row); }

std::vector<std::string> Predicate::Columns() const {
  std::vector<std::string> out;
  CollectColumns(*root_, out);
  return out;
}

}  // namespace syncbridge::mapper
