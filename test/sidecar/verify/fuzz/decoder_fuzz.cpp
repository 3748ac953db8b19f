// libFuzzer target: arbitrary pgoutput frames through the Decoder and the
// Formatter of `syncbridged decode`, as the stream would feed them.
//
// Input: a sequence of frames, each a 2-byte big-endian length and that many
// payload bytes (the last one may be short). One Decoder and one Formatter see
// the whole sequence, so relation caches, open transactions and streamed
// transactions carry state from frame to frame, as in a real session. Errors
// are values and are expected; what must never happen is a crash, a leak or
// undefined behaviour (ASan/UBSan), or a formatter line that is not one line.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "pgoutput/decoder.hpp"
#include "pgoutput/formatter.hpp"
#include "pgoutput/type_registry.hpp"
#include "spill/spill_buffer.hpp"

namespace {

using syncbridge::common::Lsn;
namespace pg = syncbridge::pgoutput;

// User types at the OIDs the golden frames use from 16385 on (golden_mood is
// 16385), so mutated Relation messages reach every rendering of user types.
const pg::TypeRegistry& Types() {
  static const pg::TypeRegistry registry = [] {
    pg::TypeRegistry r;
    std::vector<pg::TypeRow> rows = {
        {16385, 'e', 0, 0, 'E', ',', "public", "mood"},
        {16386, 'b', 0, 16385, 'A', ',', "public", "_mood"},
        {16387, 'd', 23, 0, 'N', ',', "public", "posint"},
        {16388, 'b', 0, 16387, 'A', ',', "public", "_posint"},
        {16389, 'd', 1184, 0, 'D', ',', "public", "stamp"},
        {16390, 'd', 3802, 0, 'U', ',', "public", "doc"},
        {16391, 'c', 0, 0, 'C', ',', "public", "pair"},
        {16392, 'b', 0, 16391, 'A', ',', "public", "_pair"},
    };
    r.Add(rows);
    return r;
  }();
  return registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto emit = [](const std::string& line) {
    // Every change is exactly one line of stdout.
    if (line.empty() || line.find('\n') != std::string::npos) std::abort();
  };
  auto commit = [](Lsn) {};
  // A tiny memory limit, so larger transactions also go through the spill file.
  syncbridge::spill::SpillOptions spill;
  spill.memory_limit_bytes = 2048;
  pg::Formatter formatter(emit, commit, syncbridge::spill::MakeSpillFactory(spill), &Types());
  pg::Decoder decoder;

  std::size_t pos = 0;
  std::uint64_t lsn = 0x1000000;
  while (pos + 2 <= size) {
    std::size_t len = (std::size_t{data[pos]} << 8) | data[pos + 1];
    pos += 2;
    if (len > size - pos) len = size - pos;
    // An exact-size heap copy, so ASan sees any read past the frame's end.
    const std::vector<std::uint8_t> frame(data + pos, data + pos + len);
    pos += len;
    lsn += 0x28;
    auto msg = decoder.Decode(std::span<const std::uint8_t>(frame.data(), frame.size()), Lsn(lsn));
    if (!msg) continue;
    (void)formatter.Feed(msg.Value(), decoder, Lsn(lsn));
  }
  return 0;
}
