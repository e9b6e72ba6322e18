#include "proxy/retry_policy.hpp"

namespace foobar::proxy {

Decision decide(Failure failure, const Attempt& a, int bad_status) noexcept {
  const bool resendable = a.idempotent && !a.streamed;
  Decision d;
  d.close = a.streamed;
  switch (failure) {
    case Failure::Connect:  // never sent: any method may go elsewhere
      return {Next::OtherServer, 503, "could not connect to a server", true, true, false};
    case Failure::Send:
    case Failure::NoResponse:
      if (a.reused && resendable) return {Next::FreshConnection, 502, "server closed the connection"};
      d.server_error = true;
      d.mark_failed = !a.reused;
      d.reason = "server closed the connection";
      d.next = resendable ? Next::OtherServer : Next::Fail;
      return d;
    case Failure::BadResponse:
      d.server_error = true;
      d.status = bad_status;
      return d;
  }
  return d;
}

}  // namespace foobar::proxy
