// Counters and gauges with labels, rendered in the Prometheus text format.
// Written by the daemon's loop, read by the metrics endpoint's thread.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace syncbridge::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Registry {
 public:
  // Declares a family once: its type ("counter" or "gauge") and help text.
  void Describe(const std::string& name, const std::string& type, const std::string& help);
  void Add(const std::string& name, const Labels& labels, double delta = 1);
  void Set(const std::string& name, const Labels& labels, double value);
  double Get(const std::string& name, const Labels& labels) const;
  // The exposition text (version 0.0.4): families sorted by name, each with
  // its HELP and TYPE lines, then its samples.
  std::string Render() const;

 private:
  struct Family {
    std::string type = "gauge";
    std::string help;
    std::map<std::string, double> samples;  // rendered label set → value
  };
  static std::string LabelText(const Labels& labels);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

}  // namespace syncbridge::metrics
