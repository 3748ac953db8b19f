// `syncbridged check`: is this database ready for syncbridged?
#pragma once

#include <string>

namespace syncbridge::app {

// Prints one line per check; returns 0 when all pass, 1 otherwise.
int RunCheck(const std::string& conninfo, const std::string& slot, const std::string& publication);

}  // namespace syncbridge::app
