#include "pgoutput/decoder.hpp"

#include <cstring>
#include <string>

namespace syncbridge::pgoutput {
namespace {

// Bounds-checked big-endian reader. Every Get* fails (sets ok_ = false and
// returns a zero value) instead of reading past the end, so a truncated frame
// becomes one protocol error rather than undefined behaviour.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> data) : data_(data) {}
  bool Ok() const { return ok_; }
  bool AtEnd() const { return pos_ == data_.size(); }
  const std::string& Why() const { return why_; }
  void Fail(std::string why) {
    if (ok_) why_ = std::move(why);
    ok_ = false;
  }

  std::uint64_t GetUint(std::size_t n, const char* what) {
    if (!ok_ || data_.size() - pos_ < n) {
      Fail(std::string("truncated ") + what);
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::uint8_t U8(const char* what) { return static_cast<std::uint8_t>(GetUint(1, what)); }
  std::int16_t I16(const char* what) { return static_cast<std::int16_t>(GetUint(2, what)); }
  std::uint32_t U32(const char* what) { return static_cast<std::uint32_t>(GetUint(4, what)); }
  std::int32_t I32(const char* what) { return static_cast<std::int32_t>(GetUint(4, what)); }
  std::int64_t I64(const char* what) { return static_cast<std::int64_t>(GetUint(8, what)); }
  Lsn GetLsn(const char* what) { return Lsn(GetUint(8, what)); }

  std::string CString(const char* what) {
    if (!ok_) return {};
    const void* nul = std::memchr(data_.data() + pos_, 0, data_.size() - pos_);
    if (nul == nullptr) {
      Fail(std::string("unterminated ") + what);
      return {};
    }
    auto len = static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - (data_.data() + pos_));
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), len);
    pos_ += len + 1;
    return s;
  }
  std::string Bytes(std::size_t n, const char* what) {
    if (!ok_ || data_.size() - pos_ < n) {
      Fail(std::string("truncated ") + what);
      return {};
    }
    std::string s(reinterpret_cast<const char*>(data_.data() + pos_), n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  bool ok_ = true;
  std::string why_;
};

Tuple ReadTuple(Reader& r) {
  Tuple t;
  std::int16_t natts = r.I16("tuple column count");
  if (natts < 0) {
    r.Fail("negative tuple column count");
    return t;
  }
  for (std::int16_t i = 0; i < natts && r.Ok(); ++i) {
    Column c;
    std::uint8_t kind = r.U8("column kind");
    switch (kind) {
      case 'n': c.kind = Column::Kind::kNull; break;
      case 'u': c.kind = Column::Kind::kUnchangedToast; break;
      case 't':
      case 'b': {
        // 't' and 'b' share a layout: int32 length, then the bytes.
        c.kind = kind == 't' ? Column::Kind::kText : Column::Kind::kBinary;
        std::int32_t len = r.I32("column length");
        if (len < 0) {
          r.Fail("negative column length");
          break;
        }
        c.data = r.Bytes(static_cast<std::size_t>(len), "column value");
        break;
      }
      default:
        if (r.Ok()) r.Fail("unknown column kind");
    }
    t.push_back(std::move(c));
  }
  return t;
}

std::optional<Xid> MaybeXid(Reader& r, bool in_stream) {
  if (!in_stream) return std::nullopt;
  return Xid{r.U32("xid")};
}

}  // namespace

common::Result<Decoded> Decoder::Decode(std::span<const std::uint8_t> payload, Lsn wal_start) {
  Reader r(payload);
  std::uint8_t tag = r.U8("message type");
  Decoded out;
  switch (tag) {
    case 'B': {
      Begin m;
      m.final_lsn = r.GetLsn("begin final lsn");
      m.commit_time_us = r.I64("begin commit time");
      m.xid = Xid{r.U32("begin xid")};
      out = m;
      break;
    }
    case 'C': {
      Commit m;
      m.flags = r.U8("commit flags");
      if (r.Ok() && m.flags != 0) r.Fail("commit flags must be 0");
      m.commit_lsn = r.GetLsn("commit lsn");
      m.end_lsn = r.GetLsn("commit end lsn");
      m.commit_time_us = r.I64("commit time");
      out = m;
      break;
    }
    case 'O': {
      Origin m;
      m.commit_lsn = r.GetLsn("origin lsn");
      m.name = r.CString("origin name");
      out = m;
      break;
    }
    case 'R': {
      Relation m;
      m.xid = MaybeXid(r, in_stream_);
      m.id = RelId{r.U32("relation oid")};
      m.schema = r.CString("relation namespace");
      m.name = r.CString("relation name");
      m.replica_identity = static_cast<char>(r.U8("replica identity"));
      if (r.Ok() && std::string_view("dnfi").find(m.replica_identity) == std::string_view::npos)
        r.Fail("unknown replica identity");
      std::int16_t natts = r.I16("relation column count");
      if (natts < 0) r.Fail("negative relation column count");
      for (std::int16_t i = 0; i < natts && r.Ok(); ++i) {
        RelationColumn c;
        std::uint8_t flags = r.U8("column flags");
        if (r.Ok() && (flags & ~1u) != 0) r.Fail("unknown column flags");
        c.key = (flags & 1u) != 0;
        c.name = r.CString("column name");
        c.type_oid = r.U32("column type");
        c.typmod = r.I32("column typmod");
        m.columns.push_back(std::move(c));
      }
      if (r.Ok() && r.AtEnd()) relations_[m.id.value] = m;
      out = std::move(m);
      break;
    }
    case 'Y': {
      Type m;
      m.xid = MaybeXid(r, in_stream_);
      m.oid = r.U32("type oid");
      m.schema = r.CString("type namespace");
      m.name = r.CString("type name");
      out = m;
      break;
    }
    case 'I': {
      Insert m;
      m.xid = MaybeXid(r, in_stream_);
      m.rel = RelId{r.U32("insert relation")};
      if (r.U8("insert tuple tag") != 'N' && r.Ok()) r.Fail("insert without N tuple");
      m.new_tuple = ReadTuple(r);
      out = std::move(m);
      break;
    }
    case 'U': {
      Update m;
      m.xid = MaybeXid(r, in_stream_);
      m.rel = RelId{r.U32("update relation")};
      std::uint8_t t = r.U8("update tuple tag");
      if (t == 'K' || t == 'O') {
        m.old_kind = static_cast<char>(t);
        m.old_tuple = ReadTuple(r);
        t = r.U8("update new tuple tag");
      }
      if (t != 'N' && r.Ok()) r.Fail("update without N tuple");
      m.new_tuple = ReadTuple(r);
      out = std::move(m);
      break;
    }
    case 'D': {
      Delete m;
      m.xid = MaybeXid(r, in_stream_);
      m.rel = RelId{r.U32("delete relation")};
      std::uint8_t t = r.U8("delete tuple tag");
      if (t != 'K' && t != 'O' && r.Ok()) r.Fail("delete without K or O tuple");
      m.old_kind = static_cast<char>(t);
      m.old_tuple = ReadTuple(r);
      out = std::move(m);
      break;
    }
    case 'T': {
      Truncate m;
      m.xid = MaybeXid(r, in_stream_);
      std::uint32_t n = r.U32("truncate relation count");
      std::uint8_t flags = r.U8("truncate flags");
      if (r.Ok() && (flags & ~3u) != 0) r.Fail("unknown truncate flags");
      m.cascade = (flags & 1u) != 0;
      m.restart_identity = (flags & 2u) != 0;
      // Bound the count by the bytes actually present before reserving anything.
      if (r.Ok() && n > payload.size() / 4) r.Fail("truncate relation count exceeds frame");
      for (std::uint32_t i = 0; i < n && r.Ok(); ++i) m.rels.push_back(RelId{r.U32("truncate relation")});
      out = std::move(m);
      break;
    }
    case 'M': {
      Message m;
      m.xid = MaybeXid(r, in_stream_);
      std::uint8_t flags = r.U8("message flags");
      if (r.Ok() && (flags & ~1u) != 0) r.Fail("unknown message flags");
      m.transactional = (flags & 1u) != 0;
      m.lsn = r.GetLsn("message lsn");
      m.prefix = r.CString("message prefix");
      std::int32_t len = r.I32("message length");
      if (r.Ok() && len < 0) r.Fail("negative message length");
      m.content = r.Bytes(static_cast<std::size_t>(len < 0 ? 0 : len), "message content");
      out = std::move(m);
      break;
    }
    case 'S': {
      StreamStart m;
      if (in_stream_) r.Fail("nested stream start");
      m.xid = Xid{r.U32("stream xid")};
      std::uint8_t first = r.U8("stream first segment");
      if (r.Ok() && first > 1) r.Fail("bad stream first-segment flag");
      m.first_segment = first == 1;
      if (r.Ok() && r.AtEnd()) in_stream_ = true;
      out = m;
      break;
    }
    case 'E': {
      if (!in_stream_) r.Fail("stream stop outside a stream");
      if (r.Ok() && r.AtEnd()) in_stream_ = false;
      out = StreamStop{};
      break;
    }
    case 'c': {
      StreamCommit m;
      if (in_stream_) r.Fail("stream commit inside a stream block");
      m.xid = Xid{r.U32("stream commit xid")};
      m.flags = r.U8("stream commit flags");
      if (r.Ok() && m.flags != 0) r.Fail("stream commit flags must be 0");
      m.commit_lsn = r.GetLsn("stream commit lsn");
      m.end_lsn = r.GetLsn("stream commit end lsn");
      m.commit_time_us = r.I64("stream commit time");
      out = m;
      break;
    }
    case 'A': {
      StreamAbort m;
      if (in_stream_) r.Fail("stream abort inside a stream block");
      m.xid = Xid{r.U32("stream abort xid")};
      m.subxid = Xid{r.U32("stream abort subxid")};
      out = m;
      break;
    }
    default:
      if (r.Ok()) r.Fail("unknown message type");
  }
  if (r.Ok() && !r.AtEnd()) r.Fail("trailing bytes");
  if (!r.Ok()) {
    std::string msg = "pgoutput: " + r.Why() + " in message '";
    msg += (tag >= 0x20 && tag < 0x7f) ? static_cast<char>(tag) : '?';
    msg += "' at " + wal_start.ToString();
    return common::ProtocolError(std::move(msg));
  }
  return out;
}

}  // namespace syncbridge::pgoutput
