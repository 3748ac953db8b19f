#include "metrics/registry.hpp"

#include <cmath>
#include <cstdio>

namespace syncbridge::metrics {

std::string Registry::LabelText(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"";
    for (char c : labels[i].second) {
      // The exposition format escapes backslash, quote and newline in values.
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

void Registry::Describe(const std::string& name, const std::string& type, const std::string& help) {
  std::lock_guard lock(mu_);
  auto& family = families_[name];
  family.type = type;
  family.help = help;
}

void Registry::Add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(mu_);
  families_[name].samples[LabelText(labels)] += delta;
}

void Registry::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  families_[name].samples[LabelText(labels)] = value;
}

double Registry::Get(const std::string& name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto sample = family->second.samples.find(LabelText(labels));
  return sample == family->second.samples.end() ? 0 : sample->second;
}

std::string Registry::Render() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    if (!family.help.empty()) out += "# HELP " + name + " " + family.help + "\n";
    out += "# TYPE " + name + " " + family.type + "\n";
    for (const auto& [labels, value] : family.samples) {
      char number[64];
      if (std::isnan(value))
        std::snprintf(number, sizeof number, "NaN");
      else if (value == std::trunc(value) && std::fabs(value) < 1e15)
        std::snprintf(number, sizeof number, "%.0f", value);
      else
        std::snprintf(number, sizeof number, "%.17g", value);
      out += name + labels + " " + number + "\n";
    }
  }
  return out;
}

}  // namespace syncbridge::metrics
