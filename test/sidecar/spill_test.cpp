// SpillBuffer: bounded memory, exact replay order, subtransaction discards
// before and after records reached the file, nothing left on disk.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "spill/spill_buffer.hpp"

namespace syncbridge::spill {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sb_spill_test_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { ::rmdir(path_.c_str()); }
  const std::string& Path() const { return path_; }
  int Entries() const {
    int n = 0;
    DIR* d = ::opendir(path_.c_str());
    while (dirent* e = ::readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
    ::closedir(d);
    return n;
  }

 private:
  std::string path_;
};

std::vector<std::string> Replay(SpillBuffer& b) {
  std::vector<std::string> out;
  auto st = b.ForEach([&](std::string_view r) -> common::Status {
    out.emplace_back(r);
    return {};
  });
  EXPECT_TRUE(st) << st.Err().message;
  return out;
}

TEST(SpillBuffer, InMemoryBelowTheLimit) {
  SpillBuffer b({1 << 20, ""});
  ASSERT_TRUE(b.Append(1, "a"));
  ASSERT_TRUE(b.Append(2, "b"));
  ASSERT_TRUE(b.Append(1, "c"));
  EXPECT_FALSE(b.Spilled());
  b.Discard(2);
  EXPECT_EQ(b.Count(), 2u);
  EXPECT_EQ(Replay(b), (std::vector<std::string>{"a", "c"}));
}

TEST(SpillBuffer, SpillsPastTheLimitAndKeepsMemoryBounded) {
  TempDir dir;
  const std::size_t limit = 256;
  SpillBuffer b({limit, dir.Path()});
  std::vector<std::string> expected;
  for (int i = 0; i < 20000; ++i) {
    std::string rec = "record-" + std::to_string(i);
    ASSERT_TRUE(b.Append(100, rec));
    expected.push_back(rec);
    // At most the limit plus the record that crossed it stays in memory.
    ASSERT_LE(b.MemoryBytes(), limit + 8 + rec.size());
  }
  EXPECT_TRUE(b.Spilled());
  EXPECT_GT(b.SpilledBytes(), 200000u);
  // The file is unlinked from the start: nothing to clean up, even after kill -9.
  EXPECT_EQ(dir.Entries(), 0);
  EXPECT_EQ(Replay(b), expected);
  // Replay can run again (a commit that failed half-way is retried from the start).
  EXPECT_EQ(Replay(b).size(), expected.size());
}

TEST(SpillBuffer, SubtransactionDiscardsExactlyItsRecordsAfterSpilling) {
  TempDir dir;
  SpillBuffer b({100, dir.Path()});
  std::vector<std::string> expected;
  // Top-level xid 7 with subtransactions 8 (rolled back after spilling), 9
  // (kept) and 10 (rolled back while still partly in memory).
  for (int i = 0; i < 500; ++i) {
    std::uint32_t tag = i < 100 ? 7 : i < 250 ? 8 : i < 400 ? 9 : i < 450 ? 10 : 7;
    std::string rec = std::to_string(tag) + ":" + std::to_string(i);
    ASSERT_TRUE(b.Append(tag, rec));
    if (tag != 8 && tag != 10) expected.push_back(rec);
    if (i == 300) b.Discard(8);
  }
  b.Discard(10);
  EXPECT_TRUE(b.Spilled());
  EXPECT_EQ(b.Count(), expected.size());
  EXPECT_EQ(Replay(b), expected);
}

TEST(SpillBuffer, RecordLargerThanTheReadChunk) {
  TempDir dir;
  SpillBuffer b({1024, dir.Path()});
  std::string big(300000, 'x');
  big[12345] = 'y';
  ASSERT_TRUE(b.Append(1, "small"));
  ASSERT_TRUE(b.Append(1, big));
  ASSERT_TRUE(b.Append(1, ""));
  ASSERT_TRUE(b.Append(1, "after"));
  EXPECT_TRUE(b.Spilled());
  auto out = Replay(b);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1], big);
  EXPECT_EQ(out[2], "");
  EXPECT_EQ(out[3], "after");
}

TEST(SpillBuffer, ReplayStopsAtTheFirstError) {
  SpillBuffer b({16, ""});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(b.Append(1, std::to_string(i)));
  int seen = 0;
  auto st = b.ForEach([&](std::string_view) -> common::Status {
    if (++seen == 3) return common::TransientError("stdout closed");
    return {};
  });
  EXPECT_FALSE(st);
  EXPECT_EQ(seen, 3);
}

TEST(SpillBuffer, UnwritableDirectoryIsAnError) {
  SpillBuffer b({16, "/nonexistent/sb_spill"});
  common::Status st;
  for (int i = 0; i < 10 && st; ++i) st = b.Append(1, "0123456789");
  ASSERT_FALSE(st);
  EXPECT_NE(st.Err().message.find("spill file"), std::string::npos);
}

}  // namespace
}  // namespace syncbridge::spill
