#include "db/replica_status.hpp"

#include <charconv>

namespace foobar::db {

std::optional<ReplicaStatus> parse_replica_status(const Result& r) {
  const int name_col = r.column("Connection_name");
  const Row* row = nullptr;
  for (const auto& candidate : r.rows)
    if (name_col < 0 || !candidate[name_col] || candidate[name_col]->empty()) {
      row = &candidate;
      break;
    }
  if (!row) return std::nullopt;
  auto field = [&](std::string_view name) -> std::string_view {
    int i = r.column(name);
    if (i < 0 || !(*row)[i]) return {};
    return *(*row)[i];
  };
  ReplicaStatus s;
  s.io_state = field("Slave_IO_Running");
  s.io_running = s.io_state == "Yes";
  s.io_connected = s.io_running && field("Slave_IO_State").find("onnecting") == std::string_view::npos;
  s.sql_running = field("Slave_SQL_Running") == "Yes";
  auto sbm = field("Seconds_Behind_Master");
  double behind = 0;
  if (!sbm.empty() && std::from_chars(sbm.data(), sbm.data() + sbm.size(), behind).ec == std::errc{})
    s.seconds_behind = behind;
  s.gtid_io_pos = field("Gtid_IO_Pos");
  s.gtid_slave_pos = field("Gtid_Slave_Pos");
  // Formatted as net::Address::str(), so it compares with a configured endpoint.
  if (auto host = field("Master_Host"); !host.empty())
    s.master = (host.find(':') != std::string_view::npos ? "[" + std::string(host) + "]" : std::string(host)) + ":" +
               std::string(field("Master_Port"));
  auto number = [&](std::string_view name) {
    unsigned v = 0;
    auto text = field(name);
    std::from_chars(text.data(), text.data() + text.size(), v);
    return v;
  };
  s.last_errno = number("Last_IO_Errno");
  auto beats = field("Slave_received_heartbeats");
  std::from_chars(beats.data(), beats.data() + beats.size(), s.received_heartbeats);
  s.last_error = field("Last_IO_Error");
  if (s.last_errno == 0) {
    s.last_errno = number("Last_SQL_Errno");
    s.last_error = field("Last_SQL_Error");
  }
  return s;
}

}  // namespace foobar::db
