// `syncbridged decode`: print every change of a slot as JSON lines.
#pragma once

#include <string>

namespace syncbridge::app {

struct DecodeOptions {
  std::string conninfo;
  std::string slot;
  std::string publication = "syncbridge";
  std::string start = "0/0";
  bool confirm = false;
  int status_interval_s = 10;
};

// Returns the process exit code.
int RunDecode(const DecodeOptions& options);

}  // namespace syncbridge::app
