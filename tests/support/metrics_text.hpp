#pragma once
// A /metrics scrape (Prometheus text format) as a map of samples.
#include <map>
#include <sstream>
#include <string>

namespace foobar::test {

// Every sample line "name{labels} value" -> value.
inline std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

}  // namespace foobar::test
