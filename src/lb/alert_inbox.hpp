#pragma once
// Alertmanager's webhook into the stack (POST /alerts on the lb's admin
// listener): the latest state of each alert group, so `foobar status` shows
// what fires without asking Alertmanager. Shared by the admin workers.
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace foobar::lb {

class AlertInbox {
 public:
  // One webhook payload (Alertmanager's JSON, version 4); false when it is not one.
  bool receive(std::string_view body);
  // {"alerts": [{"name", "severity", "summary", "starts_at", "labels"}...]}: those firing now.
  std::string firing_json() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> groups_;  // groupKey -> its alerts array (JSON text)
};

}  // namespace foobar::lb
