#include "ctl/stack_file.hpp"
#include "core/files.hpp"

#include <nlohmann/json.hpp>

#include "ctl/state_dir.hpp"

namespace foobar::ctl {

using nlohmann::json;

std::string to_json(const StackRecord& s) {
  json nodes = json::array();
  for (const auto& n : s.nodes)
    nodes.push_back({{"name", n.name}, {"role", n.role}, {"address", n.address}, {"admin", n.admin},
                     {"pid", n.pid}, {"state", n.state}, {"started", n.started}, {"restarts", n.restarts},
                     {"last_exit", n.last_exit}});
  json j = {{"up_pid", s.up_pid}, {"started", s.started}, {"phase", s.phase}, {"url", s.url}, {"https_url", s.https_url},
            {"prometheus_url", s.prometheus_url}, {"alertmanager_url", s.alertmanager_url},
            {"dashboard_url", s.dashboard_url},
            {"nodes", nodes}};
  return j.dump(2) + "\n";
}

std::optional<StackRecord> read_stack(const std::filesystem::path& path) {
  std::string text = core::read_file(path);
  if (text.empty()) return std::nullopt;
  try {
    json j = json::parse(text);
    StackRecord s;
    s.up_pid = j.at("up_pid").get<pid_t>();
    s.started = j.at("started").get<std::int64_t>();
    s.phase = j.at("phase").get<std::string>();
    s.url = j.at("url").get<std::string>();
    s.https_url = j.value("https_url", "");
    s.prometheus_url = j.value("prometheus_url", "");
    s.alertmanager_url = j.value("alertmanager_url", "");
    s.dashboard_url = j.value("dashboard_url", "");
    for (const auto& n : j.at("nodes")) {
      NodeRecord r;
      r.name = n.at("name").get<std::string>();
      r.role = n.at("role").get<std::string>();
      r.address = n.at("address").get<std::string>();
      r.admin = n.value("admin", "");
      r.pid = n.value("pid", 0);
      r.state = n.value("state", "down");
      r.started = n.value("started", std::int64_t{0});
      r.restarts = n.value("restarts", 0);
      r.last_exit = n.value("last_exit", "");
      s.nodes.push_back(std::move(r));
    }
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace foobar::ctl
