// Decoder tests on golden frames captured from PostgreSQL 15 (golden/capture.sh).
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "pgoutput/decoder.hpp"

namespace syncbridge::pgoutput {
namespace {

struct Frame {
  Lsn lsn;
  std::vector<std::uint8_t> bytes;
};

std::vector<Frame> LoadGolden(const std::string& name) {
  std::ifstream in(std::string(SYNCBRIDGE_GOLDEN_DIR) + "/" + name + ".hex");
  std::vector<Frame> frames;
  std::string lsn, hex;
  while (in >> lsn >> hex) {
    Frame f;
    f.lsn = *Lsn::Parse(lsn);
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
      f.bytes.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    frames.push_back(std::move(f));
  }
  return frames;
}

std::vector<Decoded> DecodeAll(const std::string& name, Decoder& d) {
  std::vector<Decoded> out;
  for (const auto& f : LoadGolden(name)) {
    auto r = d.Decode(f.bytes, f.lsn);
    EXPECT_TRUE(r) << r.Err().message;
    if (r) out.push_back(r.Value());
  }
  return out;
}

template <typename T>
std::vector<T> All(const std::vector<Decoded>& msgs) {
  std::vector<T> out;
  for (const auto& m : msgs)
    if (auto* p = std::get_if<T>(&m)) out.push_back(*p);
  return out;
}

TEST(DecoderGolden, BasicTypesToastAndKeys) {
  Decoder d;
  auto msgs = DecodeAll("basic", d);
  ASSERT_FALSE(msgs.empty());
  auto types = All<Type>(msgs);
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].name, "golden_mood");
  auto rels = All<Relation>(msgs);
  ASSERT_EQ(rels.size(), 1u);
  EXPECT_EQ(rels[0].name, "golden_t");
  ASSERT_EQ(rels[0].columns.size(), 21u);
  EXPECT_TRUE(rels[0].columns[0].key);
  EXPECT_EQ(rels[0].columns[0].type_oid, 20u);
  EXPECT_EQ(rels[0].columns[8].typmod, 14);  // varchar(10): 10 + VARHDRSZ

  auto ins = All<Insert>(msgs);
  ASSERT_EQ(ins.size(), 2u);
  EXPECT_EQ(ins[0].new_tuple[3].data, "123456789012345678901234567890.123456789");
  EXPECT_EQ(ins[0].new_tuple[6].data, "NaN");
  EXPECT_EQ(ins[0].new_tuple[7].data, "hé \"q\"\\");
  EXPECT_EQ(ins[0].new_tuple[20].data.size(), 15000u);
  EXPECT_EQ(ins[1].new_tuple[0].data, "9223372036854775807");
  EXPECT_EQ(ins[1].new_tuple[1].kind, Column::Kind::kNull);

  auto upd = All<Update>(msgs);
  ASSERT_EQ(upd.size(), 2u);
  // Plain update: no old tuple, the TOASTed column is unchanged and not sent.
  EXPECT_EQ(upd[0].old_kind, 0);
  EXPECT_EQ(upd[0].new_tuple[20].kind, Column::Kind::kUnchangedToast);
  // Key change: old key ('K') is sent.
  EXPECT_EQ(upd[1].old_kind, 'K');
  EXPECT_EQ(upd[1].old_tuple[0].data, "1");
  EXPECT_EQ(upd[1].new_tuple[0].data, "2");

  auto del = All<Delete>(msgs);
  ASSERT_EQ(del.size(), 1u);
  EXPECT_EQ(del[0].old_kind, 'K');
  EXPECT_EQ(del[0].old_tuple[0].data, "2");
  EXPECT_EQ(del[0].old_tuple[1].kind, Column::Kind::kNull);

  auto begins = All<Begin>(msgs);
  auto commits = All<Commit>(msgs);
  ASSERT_EQ(begins.size(), commits.size());
  for (std::size_t i = 0; i < begins.size(); ++i) {
    EXPECT_EQ(begins[i].final_lsn, commits[i].commit_lsn);
    EXPECT_LT(commits[i].commit_lsn, commits[i].end_lsn);
  }
}

TEST(DecoderGolden, FullIdentityAlterTruncateMessages) {
  Decoder d;
  auto msgs = DecodeAll("schema", d);
  auto upd = All<Update>(msgs);
  ASSERT_EQ(upd.size(), 1u);
  EXPECT_EQ(upd[0].old_kind, 'O');
  EXPECT_EQ(upd[0].old_tuple[1].data, "one");
  auto del = All<Delete>(msgs);
  ASSERT_EQ(del.size(), 1u);
  EXPECT_EQ(del[0].old_kind, 'O');

  // Relation re-sent after ADD COLUMN and again after DROP COLUMN.
  std::vector<std::size_t> widths;
  for (const auto& r : All<Relation>(msgs))
    if (r.name == "golden_full") widths.push_back(r.columns.size());
  ASSERT_GE(widths.size(), 3u);
  EXPECT_EQ(widths[0], 2u);
  EXPECT_EQ(widths[1], 3u);
  EXPECT_EQ(widths[2], 2u);
  auto ins = All<Insert>(msgs);
  ASSERT_EQ(ins.size(), 3u);
  EXPECT_EQ(ins[1].new_tuple.size(), 3u);
  EXPECT_EQ(ins[1].new_tuple[2].data, "22");
  EXPECT_EQ(ins[2].new_tuple.size(), 2u);

  auto tr = All<Truncate>(msgs);
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_TRUE(tr[0].cascade);
  EXPECT_TRUE(tr[0].restart_identity);
  EXPECT_EQ(tr[0].rels.size(), 2u);

  auto m = All<Message>(msgs);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_TRUE(m[0].transactional);
  EXPECT_EQ(m[0].prefix, "golden");
  EXPECT_EQ(m[0].content, "transactional");
  EXPECT_FALSE(m[1].transactional);
  EXPECT_EQ(m[1].content, "plain");
}

TEST(DecoderGolden, StreamedTransactions) {
  Decoder d;
  auto msgs = DecodeAll("streamed", d);
  EXPECT_FALSE(d.InStream());
  auto starts = All<StreamStart>(msgs);
  ASSERT_FALSE(starts.empty());
  EXPECT_TRUE(starts[0].first_segment);
  for (const auto& i : All<Insert>(msgs)) EXPECT_TRUE(i.xid.has_value());
  ASSERT_EQ(All<StreamCommit>(msgs).size(), 1u);
  ASSERT_EQ(All<StreamAbort>(msgs).size(), 1u);
  EXPECT_EQ(All<StreamStop>(msgs).size(), starts.size());
}

TEST(DecoderGolden, Protocol1) {
  Decoder d;
  auto msgs = DecodeAll("proto1", d);
  ASSERT_EQ(msgs.size(), 4u);
  EXPECT_EQ(All<Insert>(msgs)[0].new_tuple[1].data, "p1");
}

// Every strict prefix of every golden frame must be a protocol error, never a crash.
TEST(DecoderStrict, TruncatedFramesAreProtocolErrors) {
  for (const char* name : {"basic", "schema", "proto1"}) {
    for (const auto& f : LoadGolden(name)) {
      for (std::size_t n = 0; n < f.bytes.size(); ++n) {
        Decoder d;
        std::span<const std::uint8_t> cut(f.bytes.data(), n);
        auto r = d.Decode(cut, f.lsn);
        ASSERT_FALSE(r) << name << " prefix " << n;
        EXPECT_EQ(r.Err().kind, common::ErrorKind::kProtocol);
        EXPECT_NE(r.Err().message.find(f.lsn.ToString()), std::string::npos);
      }
    }
  }
}

TEST(DecoderStrict, BadFlagsAndTrailingBytes) {
  Decoder d;
  // Commit with flags = 1.
  std::vector<std::uint8_t> commit = {'C', 1};
  commit.resize(2 + 24, 0);
  EXPECT_FALSE(d.Decode(commit));
  commit[1] = 0;
  EXPECT_TRUE(d.Decode(commit));
  commit.push_back(0);
  EXPECT_FALSE(d.Decode(commit));
  // Unknown message type, stream stop outside a stream, unknown column kind.
  EXPECT_FALSE(d.Decode(std::vector<std::uint8_t>{'Z'}));
  EXPECT_FALSE(d.Decode(std::vector<std::uint8_t>{'E'}));
  EXPECT_FALSE(d.Decode(std::vector<std::uint8_t>{'I', 0, 0, 0, 1, 'N', 0, 1, 'x'}));
  EXPECT_FALSE(d.Decode(std::vector<std::uint8_t>{'I', 0, 0, 0, 1, 'N', 0, 1, 't', 0xff, 0xff, 0xff, 0xff}));
  EXPECT_TRUE(d.Decode(std::vector<std::uint8_t>{'I', 0, 0, 0, 1, 'N', 0, 1, 't', 0, 0, 0, 1, 'a'}));
  // Truncate claiming more relations than the frame holds.
  EXPECT_FALSE(d.Decode(std::vector<std::uint8_t>{'T', 0xff, 0xff, 0xff, 0xff, 0}));
}

}  // namespace
}  // namespace syncbridge::pgoutput

#include "pgoutput/formatter.hpp"
#include "spill/spill_buffer.hpp"

namespace syncbridge::pgoutput {
namespace {

std::vector<std::string> FormatGolden(const std::string& name, std::vector<Lsn>* commits = nullptr,
                                      spill::SpillOptions spill_options = {}) {
  Decoder d;
  std::vector<std::string> lines;
  Formatter f([&](const std::string& l) { lines.push_back(l); },
              [&](Lsn end) {
                if (commits) commits->push_back(end);
              },
              spill::MakeSpillFactory(spill_options));
  for (const auto& fr : LoadGolden(name)) {
    auto r = d.Decode(fr.bytes, fr.lsn);
    EXPECT_TRUE(r);
    if (!r) break;
    auto st = f.Feed(r.Value(), d, fr.lsn);
    EXPECT_TRUE(st) << st.Err().message;
  }
  return lines;
}

TEST(FormatterGolden, BasicLines) {
  auto lines = FormatGolden("basic");
  ASSERT_EQ(lines.size(), 5u);
  const std::string& first = lines[0];
  EXPECT_NE(first.find("\"schema\":\"public\",\"table\":\"golden_t\",\"op\":\"insert\",\"key\":{\"id\":1}"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("\"n\":\"123456789012345678901234567890.123456789\""), std::string::npos);
  EXPECT_NE(first.find("\"ts\":\"2026-11-22T07:30:00.123456Z\""), std::string::npos);
  EXPECT_NE(first.find("\"arr\":[1,null,3]"), std::string::npos);
  EXPECT_NE(first.find("\"j\":{\"a\": [1, 2]}"), std::string::npos);
  EXPECT_NE(first.find("\"mood\":\"happy\""), std::string::npos);
  EXPECT_NE(first.find("\"by\":\"\\\\x00ff\""), std::string::npos);
  EXPECT_NE(lines[1].find("\"f8\":\"-Infinity\""), std::string::npos);
  // Unchanged TOAST: left out of new, listed in unchanged_toast.
  EXPECT_EQ(lines[2].find("\"big\":"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find("\"unchanged_toast\":[\"big\"]"), std::string::npos);
  EXPECT_NE(lines[3].find("\"key\":{\"id\":1}"), std::string::npos);
  EXPECT_NE(lines[3].find("\"old\":{\"id\":1}"), std::string::npos);
  EXPECT_NE(lines[4].find("\"op\":\"delete\""), std::string::npos);
  EXPECT_EQ(lines[4].find("\"new\""), std::string::npos);
}

TEST(FormatterGolden, StreamedCommitAndAbort) {
  std::vector<Lsn> commits;
  auto lines = FormatGolden("streamed", &commits);
  // 1000 + 500 committed rows; the rolled-back savepoint and transaction vanish.
  EXPECT_EQ(lines.size(), 1500u);
  EXPECT_EQ(commits.size(), 1u);
}

TEST(FormatterGolden, SpilledTransactionsGiveTheSameLines) {
  // A 64-byte memory limit sends nearly every pending line through the spill
  // file, including the rolled-back savepoint's, which must still vanish.
  std::vector<Lsn> commits_mem, commits_spill;
  auto in_memory = FormatGolden("streamed", &commits_mem, {std::size_t{1} << 30, ""});
  auto spilled = FormatGolden("streamed", &commits_spill, {64, ""});
  EXPECT_EQ(spilled, in_memory);
  EXPECT_EQ(commits_spill, commits_mem);
  for (const char* name : {"basic", "schema"}) EXPECT_EQ(FormatGolden(name, nullptr, {64, ""}), FormatGolden(name));
  // Rows 1..1000 and 3001..3500 of golden_big in commit order; 1001..2000 (the
  // rolled-back savepoint) and 5001..6000 (the aborted transaction) never appear.
  ASSERT_EQ(spilled.size(), 1500u);
  EXPECT_NE(spilled[0].find("\"key\":{\"id\":1}"), std::string::npos) << spilled[0];
  EXPECT_NE(spilled[999].find("\"key\":{\"id\":1000}"), std::string::npos);
  EXPECT_NE(spilled[1000].find("\"key\":{\"id\":3001}"), std::string::npos);
  EXPECT_NE(spilled[1499].find("\"key\":{\"id\":3500}"), std::string::npos);
}

TEST(FormatterGolden, ResetDropsOpenTransactions) {
  // Feed the streamed capture up to its Stream Commit, reset (a reconnect),
  // then only a fresh Stream Commit: no line of the earlier blocks may appear.
  Decoder d;
  std::vector<std::string> lines;
  Formatter f([&](const std::string& l) { lines.push_back(l); }, [](Lsn) {}, spill::MakeSpillFactory({64, ""}));
  auto frames = LoadGolden("streamed");
  std::optional<StreamCommit> commit;
  for (const auto& fr : frames) {
    auto r = d.Decode(fr.bytes, fr.lsn);
    ASSERT_TRUE(r);
    if (auto* c = std::get_if<StreamCommit>(&r.Value())) {
      commit = *c;
      break;
    }
    ASSERT_TRUE(f.Feed(r.Value(), d, fr.lsn));
  }
  ASSERT_TRUE(commit);
  EXPECT_FALSE(f.Idle());
  f.Reset();
  d.Reset();
  EXPECT_TRUE(f.Idle());
  ASSERT_TRUE(f.Feed(*commit, d, Lsn()));
  EXPECT_TRUE(lines.empty());
}

}  // namespace
}  // namespace syncbridge::pgoutput

#include <random>

namespace syncbridge::pgoutput {
namespace {

// Deterministic mutation pass over the golden frames (a stand-in until the
// libFuzzer target exists): any bytes must give a value or a protocol error.
TEST(DecoderStrict, MutatedGoldenFramesNeverCrash) {
  std::mt19937 rng(42);
  for (const char* name : {"basic", "schema", "proto1"}) {
    for (const auto& f : LoadGolden(name)) {
      for (int round = 0; round < 200; ++round) {
        auto bytes = f.bytes;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips && !bytes.empty(); ++k)
          bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
        Decoder d;
        Formatter fmt([](const std::string&) {}, [](Lsn) {}, spill::MakeSpillFactory({}));
        auto r = d.Decode(bytes, f.lsn);
        if (r) (void)fmt.Feed(r.Value(), d, f.lsn);
        else EXPECT_EQ(r.Err().kind, common::ErrorKind::kProtocol);
      }
    }
  }
}

}  // namespace
}  // namespace syncbridge::pgoutput
