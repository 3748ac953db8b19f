#include "cql.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <set>

namespace syncbridge::emulator {
namespace {

enum class TokenKind { kWord, kString, kOperator, kOpen, kClose, kComma, kEnd };

struct Token {
  TokenKind kind;
  std::string text;
};

std::optional<std::vector<Token>> Tokenize(const std::string& text, std::string* error) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '"' || c == '\'') {
      std::string value;
      size_t j = i + 1;
      while (j < text.size() && text[j] != c) {
        if (text[j] == '\\' && j + 1 < text.size()) ++j;
        value.push_back(text[j++]);
      }
      if (j >= text.size()) {
        *error = "unterminated string";
        return std::nullopt;
      }
      tokens.push_back({TokenKind::kString, value});
      i = j + 1;
    } else if (c == '(' || c == ')' || c == ',') {
      tokens.push_back({c == '(' ? TokenKind::kOpen : c == ')' ? TokenKind::kClose : TokenKind::kComma, std::string(1, c)});
      ++i;
    } else if (c == '=' || c == '!' || c == '<' || c == '>' || c == '~') {
      std::string op(1, c);
      if (i + 1 < text.size() && text[i + 1] == '=') op.push_back('=');
      if (op == "!") {
        *error = "unexpected '!'";
        return std::nullopt;
      }
      tokens.push_back({TokenKind::kOperator, op});
      i += op.size();
    } else {
      size_t j = i;
      while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j])) &&
             std::string("()=,!<>~\"'").find(text[j]) == std::string::npos)
        ++j;
      tokens.push_back({TokenKind::kWord, text.substr(i, j - i)});
      i = j;
    }
  }
  tokens.push_back({TokenKind::kEnd, ""});
  return tokens;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

const std::set<std::string> kFields = {"type", "space", "title", "id", "created", "lastmodified"};

int64_t MinuteOf(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::minutes>(t.time_since_epoch()).count();
}

bool CompareOrdered(const std::string& op, int64_t left, int64_t right) {
  if (op == "=") return left == right;
  if (op == "!=") return left != right;
  if (op == ">") return left > right;
  if (op == ">=") return left >= right;
  if (op == "<") return left < right;
  return left <= right;
}

}  // namespace

std::optional<TimePoint> ParseCqlDate(const std::string& text) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  char sep1 = 0, sep2 = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d%c%2d%c%2d%n", &year, &sep1, &month, &sep2, &day, &consumed) != 5 ||
      sep1 != sep2 || (sep1 != '-' && sep1 != '/'))
    return std::nullopt;
  std::string rest = text.substr(static_cast<size_t>(consumed));
  if (!rest.empty()) {
    int used = 0;
    if (std::sscanf(rest.c_str(), " %2d:%2d%n", &hour, &minute, &used) != 2 || static_cast<size_t>(used) != rest.size())
      return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59) return std::nullopt;
  return UtcTimePoint(year, month, day, hour, minute, 0);
}

std::optional<CqlQuery> ParseCql(const std::string& text, std::string* error) {
  auto tokens = Tokenize(text, error);
  if (!tokens) return std::nullopt;
  CqlQuery query;
  size_t pos = 0;
  auto peek = [&]() -> const Token& { return (*tokens)[pos]; };
  auto fail = [&](const std::string& message) -> std::optional<CqlQuery> {
    *error = message;
    return std::nullopt;
  };
  auto is_word = [&](const char* word) { return peek().kind == TokenKind::kWord && Lower(peek().text) == word; };

  while (peek().kind != TokenKind::kEnd && !is_word("order")) {
    if (!query.clauses.empty()) {
      if (is_word("or")) return fail("OR is not supported by this emulator");
      if (!is_word("and")) return fail("expected AND, got '" + peek().text + "'");
      ++pos;
    }
    if (peek().kind != TokenKind::kWord) return fail("expected a field, got '" + peek().text + "'");
    CqlClause clause;
    clause.field = Lower(peek().text);
    if (!kFields.count(clause.field)) return fail("unsupported field '" + peek().text + "'");
    ++pos;
    if (peek().kind == TokenKind::kOperator) {
      clause.op = peek().text;
      if (clause.op == "~" || clause.op == "!~") return fail("text search operators are not supported");
      ++pos;
    } else if (is_word("in")) {
      clause.op = "in";
      ++pos;
    } else if (is_word("not")) {
      ++pos;
      if (!is_word("in")) return fail("expected IN after NOT");
      clause.op = "not in";
      ++pos;
    } else {
      return fail("expected an operator after '" + clause.field + "'");
    }
    if (clause.op == "in" || clause.op == "not in") {
      if (peek().kind != TokenKind::kOpen) return fail("expected '(' after IN");
      ++pos;
      while (true) {
        if (peek().kind != TokenKind::kString && peek().kind != TokenKind::kWord) return fail("expected a value in IN list");
        clause.values.push_back(peek().text);
        ++pos;
        if (peek().kind == TokenKind::kComma) {
          ++pos;
          continue;
        }
        if (peek().kind != TokenKind::kClose) return fail("expected ')' to close IN list");
        ++pos;
        break;
      }
    } else {
      if (peek().kind != TokenKind::kString && peek().kind != TokenKind::kWord)
        return fail("expected a value after '" + clause.op + "'");
      clause.values.push_back(peek().text);
      ++pos;
    }
    if ((clause.field == "created" || clause.field == "lastmodified"))
      for (const auto& value : clause.values)
        if (!ParseCqlDate(value)) return fail("invalid date '" + value + "' (use \"yyyy-MM-dd HH:mm\")");
    bool ordered_op = clause.op != "=" && clause.op != "!=" && clause.op != "in" && clause.op != "not in";
    if (ordered_op && clause.field != "created" && clause.field != "lastmodified" && clause.field != "id")
      return fail("operator '" + clause.op + "' is not supported on '" + clause.field + "'");
    query.clauses.push_back(clause);
  }
  if (is_word("order")) {
    ++pos;
    if (!is_word("by")) return fail("expected BY after ORDER");
    ++pos;
    if (peek().kind != TokenKind::kWord || !kFields.count(Lower(peek().text)))
      return fail("unsupported ORDER BY field '" + peek().text + "'");
    query.order_field = Lower(peek().text);
    ++pos;
    if (is_word("asc") || is_word("desc")) {
      query.order_descending = is_word("desc");
      ++pos;
    }
  }
  if (peek().kind != TokenKind::kEnd) return fail("unexpected '" + peek().text + "'");
  return query;
}

bool CqlMatches(const CqlQuery& query, const CqlContent& content) {
  for (const auto& clause : query.clauses) {
    bool matched = false;
    if (clause.field == "created" || clause.field == "lastmodified") {
      // CQL dates have minute resolution: compare whole minutes.
      int64_t actual = MinuteOf(clause.field == "created" ? content.created : content.modified);
      int64_t wanted = MinuteOf(*ParseCqlDate(clause.values[0]));
      matched = CompareOrdered(clause.op, actual, wanted);
    } else if (clause.field == "id" && clause.op != "in" && clause.op != "not in" && clause.op != "=" &&
               clause.op != "!=") {
      try {
        matched = CompareOrdered(clause.op, std::stoll(content.id), std::stoll(clause.values[0]));
      } catch (...) {
        matched = false;
      }
    } else {
      const std::string& actual = clause.field == "type"    ? content.type
                                  : clause.field == "space" ? content.space_key
                                  : clause.field == "title" ? content.title
                                                            : content.id;
      bool any = std::any_of(clause.values.begin(), clause.values.end(), [&](const std::string& value) {
        return clause.field == "type" ? Lower(value) == actual : value == actual;
      });
      matched = (clause.op == "=" || clause.op == "in") ? any : !any;
    }
    if (!matched) return false;
  }
  return true;
}

bool CqlLess(const CqlQuery& query, const CqlContent& a, const CqlContent& b) {
  auto id_less = [](const CqlContent& x, const CqlContent& y) { return std::stoll(x.id) < std::stoll(y.id); };
  const std::string& field = query.order_field;
  if (field.empty() || field == "id") return query.order_descending ? id_less(b, a) : id_less(a, b);
  auto key = [&](const CqlContent& c) {
    if (field == "created") return std::make_pair(c.created.time_since_epoch().count(), std::string());
    if (field == "lastmodified") return std::make_pair(c.modified.time_since_epoch().count(), std::string());
    if (field == "title") return std::make_pair(int64_t{0}, c.title);
    if (field == "space") return std::make_pair(int64_t{0}, c.space_key);
    return std::make_pair(int64_t{0}, c.type);
  };
  auto ka = key(a), kb = key(b);
  if (ka != kb) return query.order_descending ? kb < ka : ka < kb;
  return id_less(a, b);
}

}  // namespace syncbridge::emulator
