// Time and identifier helpers: ISO 8601 formatting as the services print it,
// GUIDs, and opaque random tokens.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace syncbridge::emulator {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// "2024-05-01T12:00:00Z" (Graph prints whole seconds).
std::string FormatIsoSeconds(TimePoint t);
// "2024-05-01T12:00:00.123Z" (Confluence prints milliseconds).
std::string FormatIsoMillis(TimePoint t);
// Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with optional "Z" or
// "+HH:MM"; nullopt when malformed.
std::optional<TimePoint> ParseIso(std::string_view text);
// The UTC instant of a civil date and time (fields already validated).
TimePoint UtcTimePoint(int year, int month, int day, int hour, int minute, int second);
// Lowercase GUID "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string NewGuid();
// Random URL-safe token of `bytes` random bytes.
std::string NewOpaqueToken(size_t bytes);
// Uniform double in [0, 1) from a thread-local generator.
double RandomUnit();

}  // namespace syncbridge::emulator
