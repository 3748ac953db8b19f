// The sidecar key file (X25519, libsodium) and opening of sealed secrets.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.hpp"

namespace syncbridge::crypto {

// Key file format (text, mode 0600, see docs/sidecar.md):
//   line 1: "syncbridge-sidecar-key v1"
//   line 2: "public \x<64 lowercase hex>"
//   line 3: "secret \x<64 lowercase hex>"
struct KeyPair {
  std::array<std::uint8_t, 32> public_key{};
  std::array<std::uint8_t, 32> secret_key{};
  // "\x" + 64 lowercase hex digits, as syncbridge.register_sidecar_key expects.
  std::string PublicKeyLiteral() const;
};

common::Result<KeyPair> GenerateKeyPair();
// Writes the key file with O_EXCL and mode 0600: never overwrites.
common::Status WriteKeyFile(const std::filesystem::path& path, const KeyPair& keys);
common::Result<KeyPair> LoadKeyFile(const std::filesystem::path& path);
common::Result<KeyPair> ParseKeyFile(std::string_view text);
// Opens a libsodium sealed box (crypto_box_seal) addressed to keys.public_key.
common::Result<std::string> OpenSealed(const KeyPair& keys, std::string_view sealed);

}  // namespace syncbridge::crypto
