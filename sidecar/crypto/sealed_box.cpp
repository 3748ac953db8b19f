#include "crypto/sealed_box.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace syncbridge::crypto {
namespace {

constexpr std::string_view kHeader = "syncbridge-sidecar-key v1";

std::string Hex(const std::array<std::uint8_t, 32>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  for (auto b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

bool ParseHex(std::string_view text, std::array<std::uint8_t, 32>& out) {
  if (text.size() != 66 || text.substr(0, 2) != "\\x") return false;
  for (std::size_t i = 0; i < 32; ++i) {
    int v = 0;
    for (std::size_t j = 0; j < 2; ++j) {
      char c = text[2 + 2 * i + j];
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else return false;
      v = v * 16 + d;
    }
    out[i] = static_cast<std::uint8_t>(v);
  }
  return true;
}

bool SodiumReady() { return sodium_init() >= 0; }

}  // namespace

std::string KeyPair::PublicKeyLiteral() const { return Hex(public_key); }

common::Result<KeyPair> GenerateKeyPair() {
  if (!SodiumReady()) return common::PermanentError("libsodium initialisation failed");
  KeyPair k;
  crypto_box_keypair(k.public_key.data(), k.secret_key.data());
  return k;
}

common::Status WriteKeyFile(const std::filesystem::path& path, const KeyPair& keys) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return common::ConfigError("cannot create key file " + path.string() + ": " + std::strerror(errno) +
                               (errno == EEXIST ? " (refusing to overwrite)" : ""));
  }
  std::string text = std::string(kHeader) + "\npublic " + Hex(keys.public_key) + "\nsecret " + Hex(keys.secret_key) + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return common::PermanentError("cannot write key file " + path.string());
    }
    done += static_cast<std::size_t>(n);
  }
  sodium_memzero(text.data(), text.size());
  bool synced = ::fsync(fd) == 0;
  bool closed = ::close(fd) == 0;
  if (!synced || !closed) return common::PermanentError("cannot sync key file " + path.string());
  return {};
}

common::Result<KeyPair> ParseKeyFile(std::string_view text) {
  std::istringstream in{std::string(text)};
  std::string header, pub_line, sec_line;
  std::getline(in, header);
  std::getline(in, pub_line);
  std::getline(in, sec_line);
  KeyPair k;
  if (header != kHeader) return common::ConfigError("key file: bad header");
  if (pub_line.rfind("public ", 0) != 0 || !ParseHex(std::string_view(pub_line).substr(7), k.public_key))
    return common::ConfigError("key file: bad public key line");
  if (sec_line.rfind("secret ", 0) != 0 || !ParseHex(std::string_view(sec_line).substr(7), k.secret_key))
    return common::ConfigError("key file: bad secret key line");
  if (!SodiumReady()) return common::PermanentError("libsodium initialisation failed");
  // The public key must belong to the secret key, or sealed boxes would never open.
  std::array<std::uint8_t, 32> derived{};
  crypto_scalarmult_base(derived.data(), k.secret_key.data());
  if (derived != k.public_key) return common::ConfigError("key file: public key does not match secret key");
  return k;
}

common::Result<KeyPair> LoadKeyFile(const std::filesystem::path& path) {
  std::ifstream f(path);
  if (!f) return common::ConfigError("cannot read key file " + path.string());
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseKeyFile(ss.str());
}

common::Result<std::string> OpenSealed(const KeyPair& keys, std::string_view sealed) {
  if (!SodiumReady()) return common::PermanentError("libsodium initialisation failed");
  if (sealed.size() < crypto_box_SEALBYTES) return common::PermanentError("sealed secret too short");
  std::string plain(sealed.size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           keys.public_key.data(), keys.secret_key.data()) != 0) {
    return common::PermanentError("sealed secret does not open with this key (wrong key or corrupted)");
  }
  return plain;
}

}  // namespace syncbridge::crypto
