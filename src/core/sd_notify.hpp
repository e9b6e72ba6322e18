#pragma once
// systemd's readiness protocol (sd_notify(3)) spoken directly: one datagram to
// $NOTIFY_SOCKET, so Type=notify units know when a role is listening. Without
// that variable (not under systemd) it does nothing. No libsystemd needed.
#include <string_view>

namespace foobar::core {

// Sends state ("READY=1", "STOPPING=1", "RELOADING=1"...); false when not
// under systemd or the send failed (never fatal: readiness is advisory).
bool sd_notify(std::string_view state) noexcept;

}  // namespace foobar::core
