// Pure: how values of user-defined types (enums, domains, arrays of them,
// composites, ...) are rendered. Built-in OIDs are fixed and compiled into
// render.cpp; user OIDs are looked up in pg_type by the stream layer (the
// walsender only sends their names) and folded here into the built-in type
// whose JSON rendering they share.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pgoutput/messages.hpp"

namespace syncbridge::pgoutput {

// One pg_type row, as fetched by stream/type_resolver.
struct TypeRow {
  std::uint32_t oid = 0;
  char typtype = 'b';  // b base, c composite, d domain, e enum, p pseudo, r range, m multirange
  std::uint32_t basetype = 0;  // domains
  std::uint32_t elem = 0;      // arrays
  char category = 'U';         // 'A' for arrays
  char delim = ',';
  std::string schema;
  std::string name;
};

class TypeRegistry {
 public:
  // pgoutput sends Type messages for OIDs >= FirstGenbkiObjectId (10000); below
  // that the OID is a built-in whose meaning never changes.
  static bool IsUserOid(std::uint32_t oid) { return oid >= 10000; }

  // User OIDs of rel's columns that have not been resolved yet.
  std::vector<std::uint32_t> Unresolved(const Relation& rel) const;
  // Records the pg_type rows fetched for the requested OIDs (and whatever they
  // refer to). A requested OID missing from rows (dropped meanwhile, or created
  // by a transaction not yet visible) renders as text and stays unresolved.
  void Add(const std::vector<TypeRow>& rows);
  // A Type message names a user type; remember the name for logs.
  void NoteType(const Type& type);

  // The OID whose rendering a column of type `oid` uses: itself for built-ins
  // and unresolved OIDs; for resolved user types: domain → its base type's,
  // enum/composite/range/other → text (25), array of X → the built-in array of
  // X's rendering, or text[] (1009) when X renders as text.
  std::uint32_t RenderOid(std::uint32_t oid) const;
  bool Resolved(std::uint32_t oid) const { return render_oid_.count(oid) != 0; }
  std::string NameOf(std::uint32_t oid) const;

 private:
  std::map<std::uint32_t, std::uint32_t> render_oid_;
  std::map<std::uint32_t, std::string> names_;
};

}  // namespace syncbridge::pgoutput
