#include <gtest/gtest.h>

#include "common/lsn.hpp"

namespace syncbridge::common {
namespace {

TEST(Lsn, PrintsLikePostgres) {
  EXPECT_EQ(Lsn(0x16B3748).ToString(), "0/16B3748");
  EXPECT_EQ(Lsn(0x100000000ull).ToString(), "1/0");
}

TEST(Lsn, ParsesAndRejects) {
  EXPECT_EQ(Lsn::Parse("0/16B3748")->Value(), 0x16B3748u);
  EXPECT_EQ(Lsn::Parse("AB/cd")->Value(), (0xABull << 32) | 0xCD);
  EXPECT_FALSE(Lsn::Parse(""));
  EXPECT_FALSE(Lsn::Parse("0"));
  EXPECT_FALSE(Lsn::Parse("/1"));
  EXPECT_FALSE(Lsn::Parse("1/"));
  EXPECT_FALSE(Lsn::Parse("123456789/0"));
  EXPECT_FALSE(Lsn::Parse("0/xyz"));
}

}  // namespace
}  // namespace syncbridge::common
