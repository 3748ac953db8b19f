#include "pgoutput/type_registry.hpp"

#include <set>

#include "pgoutput/render.hpp"

namespace syncbridge::pgoutput {
namespace {

constexpr std::uint32_t kTextOid = 25;
constexpr std::uint32_t kTextArrayOid = 1009;
// Domains over domains over arrays of domains...: PostgreSQL allows any depth,
// but a cycle in a corrupt answer must not hang the decoder.
constexpr int kMaxDepth = 32;

}  // namespace

std::vector<std::uint32_t> TypeRegistry::Unresolved(const Relation& rel) const {
  std::set<std::uint32_t> out;
  for (const auto& c : rel.columns)
    if (IsUserOid(c.type_oid) && !Resolved(c.type_oid)) out.insert(c.type_oid);
  return {out.begin(), out.end()};
}

void TypeRegistry::Add(const std::vector<TypeRow>& rows) {
  std::map<std::uint32_t, const TypeRow*> by_oid;
  for (const auto& r : rows) {
    by_oid[r.oid] = &r;
    if (!r.name.empty()) names_[r.oid] = r.schema + "." + r.name;
  }
  auto resolve = [&](auto& self, std::uint32_t oid, int depth) -> std::uint32_t {
    if (!IsUserOid(oid)) return oid;
    if (auto it = render_oid_.find(oid); it != render_oid_.end()) return it->second;
    auto it = by_oid.find(oid);
    if (it == by_oid.end() || depth > kMaxDepth) return kTextOid;
    const TypeRow& row = *it->second;
    if (row.typtype == 'd') return self(self, row.basetype, depth + 1);
    if (row.category == 'A' && row.elem != 0) {
      // Only the ',' delimiter is parsed as an array; anything else stays text.
      if (row.delim != ',') return kTextOid;
      std::uint32_t elem = self(self, row.elem, depth + 1);
      std::uint32_t array = BuiltinArrayOf(elem);
      return array != 0 ? array : kTextArrayOid;
    }
    return kTextOid;
  };
  for (const auto& r : rows)
    if (IsUserOid(r.oid)) render_oid_[r.oid] = resolve(resolve, r.oid, 0);
}

void TypeRegistry::NoteType(const Type& type) { names_[type.oid] = type.schema + "." + type.name; }

std::uint32_t TypeRegistry::RenderOid(std::uint32_t oid) const {
  auto it = render_oid_.find(oid);
  return it == render_oid_.end() ? oid : it->second;
}

std::string TypeRegistry::NameOf(std::uint32_t oid) const {
  auto it = names_.find(oid);
  return it == names_.end() ? std::to_string(oid) : it->second;
}

}  // namespace syncbridge::pgoutput
