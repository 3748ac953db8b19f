#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <filesystem>

#include "crypto/sealed_box.hpp"

namespace syncbridge::crypto {
namespace {

TEST(SealedBox, KeyFileRoundTripAndOpen) {
  auto dir = std::filesystem::temp_directory_path() / ("sbkey-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / "key";
  auto keys = GenerateKeyPair();
  ASSERT_TRUE(keys);
  ASSERT_TRUE(WriteKeyFile(path, keys.Value()));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(WriteKeyFile(path, keys.Value()));  // refuses to overwrite

  auto loaded = LoadKeyFile(path);
  ASSERT_TRUE(loaded) << loaded.Err().message;
  EXPECT_EQ(loaded.Value().PublicKeyLiteral(), keys.Value().PublicKeyLiteral());
  EXPECT_EQ(loaded.Value().PublicKeyLiteral().size(), 66u);

  std::string secret = "client-secret-123";
  std::string sealed(secret.size() + crypto_box_SEALBYTES, '\0');
  ASSERT_EQ(crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()),
                            reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                            loaded.Value().public_key.data()),
            0);
  auto opened = OpenSealed(loaded.Value(), sealed);
  ASSERT_TRUE(opened);
  EXPECT_EQ(opened.Value(), secret);

  sealed[5] ^= 1;
  EXPECT_FALSE(OpenSealed(loaded.Value(), sealed));
  EXPECT_FALSE(OpenSealed(loaded.Value(), "short"));
  std::filesystem::remove_all(dir);
}

TEST(SealedBox, RejectsMismatchedOrMalformedKeyFiles) {
  EXPECT_FALSE(ParseKeyFile(""));
  EXPECT_FALSE(ParseKeyFile("syncbridge-sidecar-key v1\npublic \\x00\nsecret \\x00\n"));
  auto a = GenerateKeyPair();
  auto b = GenerateKeyPair();
  ASSERT_TRUE(a && b);
  std::string text = "syncbridge-sidecar-key v1\npublic " + a.Value().PublicKeyLiteral() + "\nsecret " +
                     b.Value().PublicKeyLiteral() + "\n";
  EXPECT_FALSE(ParseKeyFile(text));
}

}  // namespace
}  // namespace syncbridge::crypto
