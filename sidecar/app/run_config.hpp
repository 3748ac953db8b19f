// `syncbridged run --config FILE.toml`: the file's `key = value` lines become
// the flags they name (`slot = "syncbridge"` → `--slot syncbridge`). A flag
// on the command line, or set through its SYNCBRIDGE_* variable, wins over
// the file. CLI11 parses the TOML; unknown keys are refused by the normal
// flag parser like unknown flags.
#pragma once

#include <string>
#include <vector>

#include "common/status.hpp"

namespace syncbridge::app {

// args: the whole command line (argv[0] first). Returns it with the file's
// flags appended (and --config FILE removed), or the error reading the file.
common::Result<std::vector<std::string>> ExpandRunConfig(std::vector<std::string> args);

}  // namespace syncbridge::app
