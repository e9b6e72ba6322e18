#include "lb/alert_inbox.hpp"

#include <nlohmann/json.hpp>

namespace foobar::lb {

bool AlertInbox::receive(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("groupKey") || !j["groupKey"].is_string() ||
      !j.contains("alerts") || !j["alerts"].is_array())
    return false;
  std::lock_guard lock(mu_);
  groups_[j["groupKey"].get<std::string>()] = j["alerts"].dump();
  return true;
}

std::string AlertInbox::firing_json() const {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard lock(mu_);
  for (const auto& [key, text] : groups_)
    for (const auto& a : nlohmann::json::parse(text)) {
      if (a.value("status", "") != "firing") continue;
      const auto labels = a.value("labels", nlohmann::json::object());
      out.push_back({{"name", labels.value("alertname", "")},
                     {"severity", labels.value("severity", "")},
                     {"summary", a.value("annotations", nlohmann::json::object()).value("summary", "")},
                     {"starts_at", a.value("startsAt", "")},
                     {"labels", labels}});
    }
  return nlohmann::json{{"alerts", out}}.dump() + "\n";
}

}  // namespace foobar::lb
