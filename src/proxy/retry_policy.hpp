#pragma once
// What the proxy does after an attempt to forward a request failed: the whole
// decision in one pure function (unit-tested branch by branch), so the
// forwarding loop only carries it out. HAProxy's rules: a request that never
// reached a server may go to another one; one that may have reached it is
// resent only when it is idempotent and its body was kept (not streamed); a
// pooled connection the server closed while idle is not the server's fault.
#include <string_view>

namespace foobar::proxy {

enum class Failure {
  Connect,         // could not connect (nothing was sent)
  Send,            // writing the request failed
  NoResponse,      // the server closed before sending a byte of its response
  BadResponse,     // timeout, invalid or truncated head: the status says which
};

struct Attempt {
  bool reused = false;      // the connection came from the pool
  bool idempotent = false;  // the method is (RFC 9110 9.2.2)
  bool streamed = false;    // the request body was streamed, so it cannot be sent again
};

enum class Next {
  FreshConnection,  // same server, a new connection (a stale pooled one failed)
  OtherServer,      // another server (the next pick)
  Fail,             // answer the client with status
};

struct Decision {
  Next next = Next::Fail;
  int status = 502;             // for the client, when every attempt is used up or next == Fail
  std::string_view reason;      // the client's error text
  bool server_error = false;    // count an error against this server
  bool mark_failed = false;     // report it to passive health (it failed, not the pool)
  bool close = false;           // close the client connection (its body was not all read)
};

// bad_status: the status for a BadResponse (502 or 504).
Decision decide(Failure failure, const Attempt& attempt, int bad_status = 502) noexcept;

}  // namespace foobar::proxy
