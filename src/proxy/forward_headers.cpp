#include "proxy/forward_headers.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>

#include <fmt/format.h>

#include "net/address.hpp"

namespace foobar::proxy {

using http::iequals;

bool is_hop_by_hop(std::string_view n) noexcept {
  static constexpr std::array<std::string_view, 8> names{
      "connection", "keep-alive", "proxy-connection", "te",
      "trailer",    "transfer-encoding", "upgrade", "proxy-authenticate"};
  for (auto h : names)
    if (iequals(n, h)) return true;
  return false;
}

bool listed_in_connection(const http::Headers& h, std::string_view name, bool has_connection) noexcept {
  return has_connection && h.has_token("Connection", name);
}

void build_request_head(const http::Request& req, const tcp::endpoint& peer, bool trusted_peer,
                        std::string_view proto, const ServerConfig& server, Framing framing, std::uint64_t length,
                        std::string& out) {
  char client_buf[net::kMaxAddressText];
  const std::string_view client = net::format_ip(peer, client_buf);
  const auto* sa = peer.data();

  out.clear();
  out.append(req.method_text).append(" ").append(req.target).append(" HTTP/1.1\r\n");
  const bool has_connection = req.headers.has("Connection");
  bool has_xff = false;
  for (const auto& f : req.headers.fields) {
    if (is_hop_by_hop(f.name) || listed_in_connection(req.headers, f.name, has_connection)) continue;
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Expect") ||
        iequals(f.name, "X-Forwarded-Proto") || iequals(f.name, "X-Request-ID") || iequals(f.name, "traceparent"))
      continue;
    if (iequals(f.name, "X-Forwarded-For")) {
      has_xff = trusted_peer;
      continue;
    }
    if (!trusted_peer && iequals(f.name, "Forwarded")) continue;
    out.append(f.name).append(": ").append(f.value).append("\r\n");
  }
  if (req.host.empty()) out.append("Host: ").append(server.name()).append("\r\n");
  // One X-Forwarded-For: the client's list (all its lines, in order), then the client.
  out.append("X-Forwarded-For: ");
  if (has_xff)
    for (const auto& f : req.headers.fields)
      if (iequals(f.name, "X-Forwarded-For")) out.append(f.value).append(", ");
  out.append(client).append("\r\n");
  out.append("X-Forwarded-Proto: ").append(proto).append("\r\n");
  // The ids this tier logged, so the next one logs the same (the client's, when valid).
  out.append("X-Request-ID: ").append(req.ids.request_id()).append("\r\n");
  out.append("traceparent: ").append(req.ids.traceparent()).append("\r\n");
  out.append("Forwarded: for=");
  if (sa->sa_family == AF_INET6)
    out.append("\"[").append(client).append("]\"");
  else
    out.append(client);
  out.append(";proto=").append(proto);
  if (!req.host.empty()) {
    bool token = std::all_of(req.host.begin(), req.host.end(),
                             [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; });
    if (token)
      out.append(";host=").append(req.host);
    else if (req.host.find('"') == std::string_view::npos && req.host.find('\\') == std::string_view::npos)
      out.append(";host=\"").append(req.host).append("\"");
  }
  out.append("\r\n");
  if (framing == Framing::Length) fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", length);
  if (framing == Framing::Chunked) out.append("Transfer-Encoding: chunked\r\n");
  out.append("\r\n");
}

}  // namespace foobar::proxy
