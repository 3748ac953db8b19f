#include "app/run_config.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>

namespace syncbridge::app {

namespace {

// SYNCBRIDGE_ + the flag's name in upper case with '_' for '-'.
std::string EnvNameOf(const std::string& flag) {
  std::string env = "SYNCBRIDGE_";
  for (char c : flag) env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return env;
}

}  // namespace

common::Result<std::vector<std::string>> ExpandRunConfig(std::vector<std::string> args) {
  auto run = std::find(args.begin(), args.end(), "run");
  if (run == args.end()) return args;
  std::string path;
  std::set<std::string> given;  // flags on the command line
  for (auto it = run + 1; it != args.end();) {
    if (*it == "--config" || it->rfind("--config=", 0) == 0) {
      if (*it == "--config") {
        if (it + 1 == args.end()) return common::ConfigError("--config needs a file");
        path = *(it + 1);
        it = args.erase(it, it + 2);
      } else {
        path = it->substr(9);
        it = args.erase(it);
      }
      continue;
    }
    if (it->rfind("--", 0) == 0) given.insert(it->substr(2, it->find('=') == std::string::npos ? std::string::npos
                                                                                             : it->find('=') - 2));
    ++it;
  }
  if (path.empty()) return args;
  std::ifstream in(path);
  if (!in) return common::ConfigError("--config " + path + ": cannot read the file");
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_config(in);
  } catch (const CLI::Error& e) {
    return common::ConfigError("--config " + path + ": " + e.what());
  }
  for (const auto& item : items) {
    if (item.name == "++" || item.name == "--") continue;  // CLI11's section markers
    if (!item.parents.empty())
      return common::ConfigError("--config " + path + ": \"" + item.fullname() +
                                 "\": sections are not used; write the flags at the top level");
    if (given.count(item.name) || std::getenv(EnvNameOf(item.name).c_str())) continue;
    for (const auto& value : item.inputs) {
      args.push_back("--" + item.name);
      args.push_back(value);
    }
  }
  return args;
}

}  // namespace syncbridge::app
