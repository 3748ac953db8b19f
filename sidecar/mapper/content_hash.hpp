// Pure: the hashes the ledger keeps to tell a real change from a replay, an
// echo or a no-op update, per field and for the whole remote item.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace syncbridge::mapper {

// remote field name → FieldHash(); the ledger's field_hashes column.
using FieldHashes = std::map<std::string, std::string>;

// A value's canonical JSON text: object keys sorted, and integral numbers
// written as integers whatever JSON number form carried them (Graph may
// answer 412.0 for the 412 we sent).
std::string CanonicalJson(const nlohmann::json& value);

// BLAKE2b-128 of the field's name and canonical value, lowercase hex.
std::string FieldHash(std::string_view remote_field, const nlohmann::json& value);

// BLAKE2b-256 over the sorted field hashes: the ledger's content_hash
// (32 raw bytes). Equal content hashes mean equal remote items.
std::string ContentHash(const FieldHashes& fields);

// The row key as the text stored in the remote item's hidden key field and
// looked up after a crash: canonical JSON of the key object.
std::string RowKeyText(const nlohmann::json& key);

std::string ToHex(std::string_view bytes);

}  // namespace syncbridge::mapper
