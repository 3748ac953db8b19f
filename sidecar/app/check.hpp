// `syncbridged check`: is this database ready for syncbridged, and can the
// daemon reach what it syncs to?
#pragma once

#include <string>

namespace syncbridge::app {

struct CheckOptions {
  std::string conninfo;
  std::string slot;
  std::string publication = "syncbridge";
  // The sidecar key file. Empty: the checks that need it (secrets open,
  // token endpoints answer) are reported as skipped.
  std::string key_file;
};

// Prints one line per check ("ok   what", "FAIL what: why", "skip what:
// why"); returns 0 when none failed, 1 otherwise. Never prints a secret.
int RunCheck(const CheckOptions& options);

}  // namespace syncbridge::app
