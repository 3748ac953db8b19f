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

#include "pgoutput/decoder.hpp"
#include "pgoutput/formatter.hpp"

#if __has_include("common/record_buffer.hpp")
#define SB_FUZZ_RECORD_BUFFER 1
#include <map>
#include <memory>
#include <vector>

#include "common/record_buffer.hpp"
#if __has_include("spill/spill_buffer.hpp")
#define SB_FUZZ_SPILL 1
#include "spill/spill_buffer.hpp"
#endif
#endif

namespace {

using syncbridge::common::Lsn;
namespace pg = syncbridge::pgoutput;

#if defined(SB_FUZZ_RECORD_BUFFER)
std::unique_ptr<syncbridge::common::RecordBuffer> NewBuffer() {
#if defined(SB_FUZZ_SPILL)
  // A tiny memory limit, so larger transactions also go through the spill file.
  syncbridge::spill::SpillOptions options;
  options.memory_limit_bytes = 2048;
  return std::make_unique<syncbridge::spill::SpillBuffer>(options);
#else
#error "record_buffer.hpp without spill/spill_buffer.hpp: give the fuzzer an in-memory RecordBuffer"
#endif
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t lines = 0;
  auto emit = [&](const std::string& line) {
    // Every change is exactly one line of stdout.
    if (line.empty() || line.find('\n') != std::string::npos) std::abort();
    ++lines;
  };
  auto commit = [&](Lsn) {};
#if defined(SB_FUZZ_RECORD_BUFFER)
  pg::Formatter formatter(emit, commit, NewBuffer);
#else
  pg::Formatter formatter(emit, commit);
#endif
  pg::Decoder decoder;

  std::size_t pos = 0;
  std::uint64_t lsn = 0x1000000;
  while (pos + 2 <= size) {
    std::size_t len = (std::size_t{data[pos]} << 8) | data[pos + 1];
    pos += 2;
    if (len > size - pos) len = size - pos;
    // An exact-size heap copy, so ASan sees any read past the frame's end.
    std::unique_ptr<std::uint8_t[]> frame(new std::uint8_t[len ? len : 1]);
    std::copy(data + pos, data + pos + len, frame.get());
    pos += len;
    lsn += 0x28;
    auto msg = decoder.Decode(std::span<const std::uint8_t>(frame.get(), len), Lsn(lsn));
    if (!msg) continue;
    (void)formatter.Feed(msg.Value(), decoder, Lsn(lsn));
  }
  return 0;
}
