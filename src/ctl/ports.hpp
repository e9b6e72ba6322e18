#pragma once
// Checks that the stack's ports are free before anything starts, and names who
// holds one that is not (an error the user can act on).
#include <string>
#include <vector>

#include "ctl/topology.hpp"

namespace foobar::ctl {

// "" when e can be bound now; else e.g. "port 8080 on 127.0.0.1 (lb) is already
// in use by pid 1234 (nginx)". what names the node that wants the port.
std::string port_problem(const net::Address& address, const std::string& what);

// The process listening on TCP port (any address), as "pid 1234 (nginx)", or ""
// when unknown (e.g. another user's process and we are not root).
std::string port_owner(int port);

}  // namespace foobar::ctl
