// `syncbridged decode`: print every change of a slot as JSON lines.
#pragma once

#include <cstddef>
#include <string>

namespace syncbridge::app {

struct DecodeOptions {
  std::string conninfo;
  std::string slot;
  std::string publication = "syncbridge";
  std::string start = "0/0";
  bool confirm = false;
  int status_interval_s = 10;
  std::size_t spill_bytes = 4u << 20;  // per open transaction, then a temporary file
  std::string spill_dir;               // empty: $TMPDIR or /tmp
  int reconnect_initial_ms = 500;
  int reconnect_max_ms = 30000;
  int reconnect_attempts = 0;  // consecutive failed attempts before giving up; 0 = never
};

// Returns the process exit code.
int RunDecode(const DecodeOptions& options);

}  // namespace syncbridge::app
