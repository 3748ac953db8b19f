// Lookups and JSON shapes shared by the Confluence v2 and v1 modules.
#pragma once

#include <string>

#include "state.hpp"

namespace syncbridge::emulator {

inline ConfluenceSpace* FindSpaceById(WorldState& world, const std::string& id) {
  for (auto& space : world.spaces)
    if (space.id == id) return &space;
  return nullptr;
}

inline ConfluencePage* FindPage(WorldState& world, const std::string& id) {
  if (id.empty() || id.size() > 18 || id.find_first_not_of("0123456789") != std::string::npos) return nullptr;
  auto it = world.pages.find(std::stoll(id));
  return it == world.pages.end() ? nullptr : &it->second;
}

// The page's web UI link, relative to the site's /wiki base.
inline std::string PageWebUi(const WorldState& world, const ConfluencePage& page) {
  std::string key;
  for (const auto& space : world.spaces)
    if (space.id == page.space_id) key = space.key;
  std::string title;
  for (char c : page.title) title.push_back(c == ' ' ? '+' : c);
  return "/spaces/" + key + "/pages/" + page.id + "/" + title;
}

}  // namespace syncbridge::emulator
