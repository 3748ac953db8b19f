#include "mapper/content_hash.hpp"

#include <sodium.h>

#include <cmath>

namespace syncbridge::mapper {
namespace {

using nlohmann::json;

json Canonical(const json& v) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    // Integral doubles that an int64 holds exactly are the same value as the integer.
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9007199254740992.0)
      return static_cast<std::int64_t>(d);
    return v;
  }
  if (v.is_array()) {
    json out = json::array();
    for (const auto& e : v) out.push_back(Canonical(e));
    return out;
  }
  if (v.is_object()) {
    json out = json::object();  // std::map underneath: keys come out sorted
    for (const auto& [k, e] : v.items()) out[k] = Canonical(e);
    return out;
  }
  return v;
}

}  // namespace

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string CanonicalJson(const json& value) { return Canonical(value).dump(); }

std::string FieldHash(std::string_view remote_field, const json& value) {
  std::string text = CanonicalJson(value);
  unsigned char out[16];
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof out);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(remote_field.data()), remote_field.size());
  const unsigned char separator = 0;
  crypto_generichash_update(&state, &separator, 1);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  crypto_generichash_final(&state, out, sizeof out);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

std::string ContentHash(const FieldHashes& fields) {
  unsigned char out[32];
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, sizeof out);
  for (const auto& [name, hash] : fields) {
    std::string entry = name;
    entry += '\0';
    entry += hash;
    entry += '\n';
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(entry.data()), entry.size());
  }
  crypto_generichash_final(&state, out, sizeof out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string RowKeyText(const json& key) { return CanonicalJson(key); }

}  // namespace syncbridge::mapper
