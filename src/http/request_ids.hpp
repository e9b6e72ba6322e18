#pragma once
// Request ids across the tiers: the client's X-Request-ID when it is a sane
// token (1..128 of A-Z a-z 0-9 . _ - :), else 32 random hex digits; the
// client's W3C traceparent when valid, else a new one (version 00, sampled).
// The server assigns both to every request; the proxy forwards them, so web
// and app see the lb's; every access-log line and app error names them.
#include <array>
#include <string_view>

namespace foobar::http {

struct Headers;

class RequestIds {
 public:
  // From the request's headers (views into them stay valid as long as the request).
  void assign(const Headers& headers) noexcept;
  void clear() noexcept { from_client_id_ = from_client_trace_ = false, client_id_ = client_trace_ = {}; }
  std::string_view request_id() const noexcept { return from_client_id_ ? client_id_ : std::string_view(own_id_.data(), 32); }
  std::string_view traceparent() const noexcept {
    return from_client_trace_ ? client_trace_ : std::string_view(own_trace_.data(), own_trace_.size());
  }
  std::string_view trace_id() const noexcept { return traceparent().substr(3, 32); }

  static bool valid_request_id(std::string_view v) noexcept;
  static bool valid_traceparent(std::string_view v) noexcept;

 private:
  bool from_client_id_ = false, from_client_trace_ = false;
  std::string_view client_id_, client_trace_;
  std::array<char, 32> own_id_{};
  std::array<char, 55> own_trace_{};  // "00-" 32 hex "-" 16 hex "-01"
};

}  // namespace foobar::http
