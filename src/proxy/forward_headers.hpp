#pragma once
// The headers a proxy rewrites on the way through (RFC 9110 7.6): hop-by-hop
// fields dropped both ways, and the request head rebuilt for the server.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "http/message.hpp"
#include "proxy/upstream.hpp"

namespace foobar::proxy {

// Connection, Keep-Alive, TE, Transfer-Encoding, Upgrade... (never forwarded).
bool is_hop_by_hop(std::string_view name) noexcept;
// Headers named in Connection are hop-by-hop too (RFC 9110 7.6.1);
// has_connection: whether h has a Connection field at all (the cheap test first).
bool listed_in_connection(const http::Headers& h, std::string_view name, bool has_connection) noexcept;

enum class Framing { None, Length, Chunked };

// Writes into out the request head sent upstream: same method and target,
// HTTP/1.1, end-to-end headers only, our own framing header (Content-Length
// length, or chunked), X-Forwarded-For/-Proto and Forwarded added: the
// client's own X-Forwarded-For and Forwarded kept only when trusted_peer.
void build_request_head(const http::Request& req, const tcp::endpoint& peer, bool trusted_peer, std::string_view proto,
                        const ServerConfig& server, Framing framing, std::uint64_t length, std::string& out);

}  // namespace foobar::proxy
