#include "proxy/upstream.hpp"

#include <stdexcept>

namespace foobar::proxy {

std::string_view to_string(AdminState s) noexcept {
  switch (s) {
    case AdminState::Enabled: return "enabled";
    case AdminState::Draining: return "draining";
    case AdminState::Disabled: return "disabled";
  }
  return "?";
}

std::string_view to_string(ServerState s) noexcept {
  switch (s) {
    case ServerState::Up: return "up";
    case ServerState::Down: return "down";
    case ServerState::Draining: return "draining";
    case ServerState::Disabled: return "disabled";
  }
  return "?";
}

UpstreamGroup::UpstreamGroup(std::vector<ServerConfig> servers, HealthConfig health)
    : servers_(std::move(servers)), health_(health) {
  if (servers_.empty()) throw std::invalid_argument("upstream group without servers");
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    if (servers_[i].weight == 0) servers_[i].weight = 1;
    for (std::size_t j = 0; j < i; ++j)
      if (servers_[i].name() == servers_[j].name())
        throw std::invalid_argument("server listed twice: " + servers_[i].name());
  }
  counters_ = std::make_unique<ServerCounters[]>(servers_.size());
  const auto now = std::chrono::system_clock::now();
  health_state_.assign(servers_.size(), HealthState(health_.rise, health_.fall));
  admin_.assign(servers_.size(), AdminState::Enabled);
  check_.assign(servers_.size(), "none yet");
  changed_.assign(servers_.size(), now);
  history_.resize(servers_.size());
  down_since_.resize(servers_.size());
  std::lock_guard lock(mu_);
  publish_locked();
}

int UpstreamGroup::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < servers_.size(); ++i)
    if (servers_[i].name() == name) return static_cast<int>(i);
  return -1;
}

bool UpstreamGroup::set_admin(std::size_t index, AdminState s) {
  if (index >= servers_.size()) return false;
  std::lock_guard lock(mu_);
  if (admin_[index] != s) {
    admin_[index] = s;
    changed_[index] = std::chrono::system_clock::now();
    publish_locked();
  }
  return true;
}

void UpstreamGroup::report_check(std::size_t index, bool ok, std::string detail) {
  std::lock_guard lock(mu_);
  bool changed = health_state_[index].on_check(ok);
  if (!ok) ++history_[index].check_failures;
  if (ok && changed) counters_[index].consecutive_failures.store(0, std::memory_order_relaxed);
  if (changed) health_changed_locked(index);
  if (changed || check_[index] != detail) {
    check_[index] = std::move(detail);
    publish_locked();
  }
}

void UpstreamGroup::report_failure(std::size_t index, std::string_view detail) {
  auto n = counters_[index].consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
  if (health_.passive_fall == 0 || n < health_.passive_fall) return;
  std::lock_guard lock(mu_);
  if (health_state_[index].force_down()) {
    health_changed_locked(index);
    check_[index] = "passive: " + std::string(detail);
    publish_locked();
  }
}

ServerHistory UpstreamGroup::history(std::size_t index) const {
  std::lock_guard lock(mu_);
  auto h = history_[index];
  if (!health_state_[index].up()) h.downtime += std::chrono::steady_clock::now() - down_since_[index];
  return h;
}

void UpstreamGroup::health_changed_locked(std::size_t index) {
  changed_[index] = std::chrono::system_clock::now();
  ++history_[index].transitions;
  const auto now = std::chrono::steady_clock::now();
  if (health_state_[index].up())
    history_[index].downtime += now - down_since_[index];
  else
    down_since_[index] = now;
}

void UpstreamGroup::publish_locked() {
  auto s = std::make_shared<Snapshot>();
  s->version = version_.load(std::memory_order_relaxed) + 1;
  s->servers.resize(servers_.size());
  std::vector<std::uint32_t> backups;
  for (std::size_t i = 0; i < servers_.size(); ++i) {
    auto& st = s->servers[i];
    st.healthy = health_state_[i].up();
    st.admin = admin_[i];
    st.check = check_[i];
    st.changed = changed_[i];
    st.state = admin_[i] == AdminState::Disabled   ? ServerState::Disabled
               : admin_[i] == AdminState::Draining ? ServerState::Draining
               : st.healthy                        ? ServerState::Up
                                                   : ServerState::Down;
    if (st.state != ServerState::Up) continue;
    (servers_[i].backup ? backups : s->eligible).push_back(static_cast<std::uint32_t>(i));
  }
  if (s->eligible.empty() && !backups.empty()) {
    s->eligible = std::move(backups);
    s->using_backups = true;
  }
  // Publish the snapshot before the version, so a reader that sees the new
  // version also loads the new snapshot.
  snapshot_.store(std::move(s), std::memory_order_release);
  version_.store(version_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

}  // namespace foobar::proxy
