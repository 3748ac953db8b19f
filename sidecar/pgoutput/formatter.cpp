#include "pgoutput/formatter.hpp"

#include <cstdio>
#include <ctime>

#include "pgoutput/render.hpp"

namespace syncbridge::pgoutput {
namespace {

// Renders the key/new/old/unchanged_toast part of a change line.
bool RenderTuple(const Relation& rel, const TypeRegistry* types, const Tuple& t, bool keys_only, std::string& out,
                 std::vector<std::string>* unchanged) {
  if (t.size() != rel.columns.size()) return false;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < t.size(); ++i) {
    const auto& col = rel.columns[i];
    if (keys_only && !col.key) continue;
    if (t[i].kind == Column::Kind::kUnchangedToast) {
      if (unchanged) unchanged->push_back(col.name);
      continue;  // never shown as null or empty: the value was simply not sent
    }
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, col.name);
    out += ':';
    if (t[i].kind == Column::Kind::kNull) out += "null";
    else if (t[i].kind == Column::Kind::kText) out += RenderValue(types ? types->RenderOid(col.type_oid) : col.type_oid, t[i].data);
    else AppendJsonString(out, t[i].data);  // binary mode is never requested
  }
  out += '}';
  return true;
}

std::string Head(const Relation& rel, const char* op) {
  std::string s = ",\"schema\":";
  AppendJsonString(s, rel.schema);
  s += ",\"table\":";
  AppendJsonString(s, rel.name);
  s += ",\"op\":\"";
  s += op;
  s += '"';
  return s;
}

}  // namespace

std::string FormatPgTimestamp(std::int64_t us_since_2000) {
  // 946684800 = seconds from the Unix epoch to the PostgreSQL epoch.
  std::int64_t secs = us_since_2000 / 1000000;
  std::int64_t us = us_since_2000 % 1000000;
  if (us < 0) {
    us += 1000000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs + 946684800);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(us));
  return buf;
}

void Formatter::Reset() {
  in_txn_ = false;
  in_stream_ = false;
  current_ = Txn{};
  streamed_.clear();
}

common::Status Formatter::AddChange(Xid sub, Lsn lsn, const std::string& body) {
  Txn* txn = nullptr;
  if (in_stream_) {
    auto it = streamed_.find(stream_xid_.value);
    if (it == streamed_.end()) it = streamed_.emplace(stream_xid_.value, NewTxn(stream_xid_)).first;
    txn = &it->second;
  } else if (in_txn_) {
    txn = &current_;
  } else {
    return common::ProtocolError("change outside a transaction at " + lsn.ToString());
  }
  std::string record(8, '\0');
  std::uint64_t v = lsn.Value();
  for (int i = 7; i >= 0; --i, v >>= 8) record[static_cast<std::size_t>(i)] = static_cast<char>(v & 0xff);
  record += body;
  return txn->changes->Append(sub.value, record);
}

common::Status Formatter::Flush(Txn& txn, Lsn end_lsn, std::int64_t commit_time_us) {
  // Everything but the change LSN and the tail is the same for every line.
  std::string middle = "\",\"end_lsn\":\"" + end_lsn.ToString() + "\",\"xid\":" + std::to_string(txn.xid.value) +
                       ",\"commit_time\":\"" + FormatPgTimestamp(commit_time_us) + "\",\"origin\":" + txn.origin_json;
  std::string line;
  if (txn.changes) {
    auto st = txn.changes->ForEach([&](std::string_view rec) -> common::Status {
      if (rec.size() < 8) return common::PermanentError("short pending change record");
      std::uint64_t v = 0;
      for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(rec[static_cast<std::size_t>(i)]);
      line.assign("{\"lsn\":\"");
      line += Lsn(v).ToString();
      line += middle;
      line += rec.substr(8);
      line += '}';
      emit_(line);
      return {};
    });
    if (!st) return st;
  }
  commit_(end_lsn);
  return {};
}

common::Status Formatter::Feed(const Decoded& msg, const Decoder& decoder, Lsn wal_start) {
  auto rel_of = [&](RelId id) { return decoder.FindRelation(id); };
  auto sub_of = [&](const std::optional<Xid>& x) { return x ? *x : in_stream_ ? stream_xid_ : current_.xid; };
  auto bad = [&](const char* why) { return common::ProtocolError(std::string(why) + " at " + wal_start.ToString()); };

  if (auto* b = std::get_if<Begin>(&msg)) {
    if (in_txn_) return bad("begin inside a transaction");
    in_txn_ = true;
    current_ = NewTxn(b->xid);
  } else if (auto* c = std::get_if<Commit>(&msg)) {
    if (!in_txn_) return bad("commit without begin");
    auto st = Flush(current_, c->end_lsn, c->commit_time_us);
    in_txn_ = false;
    current_ = Txn{};
    return st;
  } else if (auto* o = std::get_if<Origin>(&msg)) {
    std::string j;
    AppendJsonString(j, o->name);
    if (in_txn_) current_.origin_json = j;
  } else if (auto* s = std::get_if<StreamStart>(&msg)) {
    if (in_txn_) return bad("stream start inside a transaction");
    in_stream_ = true;
    stream_xid_ = s->xid;
  } else if (std::get_if<StreamStop>(&msg)) {
    in_stream_ = false;
  } else if (auto* sc = std::get_if<StreamCommit>(&msg)) {
    auto it = streamed_.find(sc->xid.value);
    Txn txn = it == streamed_.end() ? Txn{sc->xid, "null", nullptr} : std::move(it->second);
    if (it != streamed_.end()) streamed_.erase(it);
    return Flush(txn, sc->end_lsn, sc->commit_time_us);
  } else if (auto* sa = std::get_if<StreamAbort>(&msg)) {
    auto it = streamed_.find(sa->xid.value);
    if (it != streamed_.end()) {
      if (sa->subxid == sa->xid) {
        streamed_.erase(it);
      } else {
        // A rolled-back subtransaction: drop exactly its changes.
        it->second.changes->Discard(sa->subxid.value);
      }
    }
  } else if (auto* i = std::get_if<Insert>(&msg)) {
    const Relation* rel = rel_of(i->rel);
    if (!rel) return bad("insert for unknown relation");
    std::string body = Head(*rel, "insert") + ",\"key\":";
    std::vector<std::string> unchanged;
    if (!RenderTuple(*rel, types_, i->new_tuple, true, body, nullptr)) return bad("tuple width differs from relation");
    body += ",\"new\":";
    RenderTuple(*rel, types_, i->new_tuple, false, body, &unchanged);
    body += ",\"old\":null,\"unchanged_toast\":[]";
    return AddChange(sub_of(i->xid), wal_start, body);
  } else if (auto* u = std::get_if<Update>(&msg)) {
    const Relation* rel = rel_of(u->rel);
    if (!rel) return bad("update for unknown relation");
    std::string body = Head(*rel, "update") + ",\"key\":";
    // The key is the old key when the server sent one (key changed), else the new row's key columns.
    const Tuple& key_src = u->old_kind ? u->old_tuple : u->new_tuple;
    if (!RenderTuple(*rel, types_, key_src, true, body, nullptr)) return bad("tuple width differs from relation");
    std::vector<std::string> unchanged;
    body += ",\"new\":";
    if (!RenderTuple(*rel, types_, u->new_tuple, false, body, &unchanged)) return bad("tuple width differs from relation");
    body += ",\"old\":";
    if (u->old_kind) RenderTuple(*rel, types_, u->old_tuple, u->old_kind == 'K', body, nullptr);
    else body += "null";
    body += ",\"unchanged_toast\":[";
    for (std::size_t k = 0; k < unchanged.size(); ++k) {
      if (k) body += ',';
      AppendJsonString(body, unchanged[k]);
    }
    body += ']';
    return AddChange(sub_of(u->xid), wal_start, body);
  } else if (auto* d = std::get_if<Delete>(&msg)) {
    const Relation* rel = rel_of(d->rel);
    if (!rel) return bad("delete for unknown relation");
    std::string body = Head(*rel, "delete") + ",\"key\":";
    if (!RenderTuple(*rel, types_, d->old_tuple, true, body, nullptr)) return bad("tuple width differs from relation");
    body += ",\"old\":";
    if (d->old_kind == 'O') RenderTuple(*rel, types_, d->old_tuple, false, body, nullptr);
    else body += "null";
    body += ",\"unchanged_toast\":[]";
    return AddChange(sub_of(d->xid), wal_start, body);
  } else if (auto* t = std::get_if<Truncate>(&msg)) {
    for (auto id : t->rels) {
      const Relation* rel = rel_of(id);
      if (!rel) return bad("truncate of unknown relation");
      std::string body = Head(*rel, "truncate") + ",\"key\":{},\"old\":null,\"unchanged_toast\":[]";
      auto st = AddChange(sub_of(t->xid), wal_start, body);
      if (!st) return st;
    }
  }
  return {};
}

}  // namespace syncbridge::pgoutput
