// The /_emulator/… control plane used by tests and the demo, and the seed
// file, which holds the same objects and is applied at start.
#pragma once

#include <string>

#include "router.hpp"

namespace syncbridge::emulator {

class ControlPlane {
 public:
  ControlPlane();
  HttpResponse Handle(RequestContext& context) const;

 private:
  Router router_;
};

// Applies a seed document (see docs/emulator.md). The caller holds the
// state lock. Returns false with `error` set when the seed is invalid.
bool ApplySeed(EmulatorState& state, const nlohmann::json& seed, std::string* error);

}  // namespace syncbridge::emulator
