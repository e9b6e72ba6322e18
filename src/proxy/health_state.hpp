#pragma once
// The rise/fall state machine of one server's health (HAProxy semantics):
// an up server goes down after `fall` consecutive failed checks, a down server
// comes back after `rise` consecutive successful ones. Not thread-safe; the
// UpstreamGroup serializes access.
namespace foobar::proxy {

class HealthState {
 public:
  // Servers start up so that the first requests do not wait for a check.
  HealthState(unsigned rise, unsigned fall, bool up = true) noexcept
      : rise_(rise ? rise : 1), fall_(fall ? fall : 1), up_(up) {}

  bool up() const noexcept { return up_; }
  // Records one check result; returns true when up() changed.
  bool on_check(bool ok) noexcept {
    if (ok) {
      fails_ = 0;
      if (up_) return false;
      if (++oks_ >= rise_) { up_ = true; oks_ = 0; return true; }
      return false;
    }
    oks_ = 0;
    if (!up_) return false;
    if (++fails_ >= fall_) { up_ = false; fails_ = 0; return true; }
    return false;
  }
  // Forces the server down (passive failure detection); true if it was up.
  bool force_down() noexcept {
    oks_ = fails_ = 0;
    if (!up_) return false;
    up_ = false;
    return true;
  }

 private:
  unsigned rise_, fall_;
  unsigned oks_ = 0, fails_ = 0;
  bool up_;
};

}  // namespace foobar::proxy
