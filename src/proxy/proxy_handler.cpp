#include "proxy/proxy_handler.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include "http/chunked.hpp"
#include "http/parser.hpp"
#include "net/endpoint.hpp"
#include "proxy/forward_headers.hpp"
#include "proxy/watchdog.hpp"

namespace foobar::proxy {

using http::BodyKind;
using http::iequals;

// ---------------------------------------------------------------- helpers

namespace {

std::uint64_t client_key(const tcp::endpoint& peer) noexcept {
  const auto a = peer.address();
  if (a.is_v4()) return mix64(a.to_v4().to_uint());
  const auto b = a.to_v6().to_bytes();
  std::uint64_t hi = 0, lo = 0;
  std::memcpy(&hi, b.data(), 8);
  std::memcpy(&lo, b.data() + 8, 8);
  return mix64(hi ^ mix64(lo));
}

// A string borrowed from a per-worker free list, so request heads reuse their
// capacity instead of allocating per request.
class ScratchString {
 public:
  explicit ScratchString(std::vector<std::string>& spare) : spare_(spare) {
    if (!spare_.empty()) {
      s_ = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  ~ScratchString() {
    if (spare_.size() < 256 && s_.capacity() <= 64 * 1024) {
      s_.clear();
      spare_.push_back(std::move(s_));
    }
  }
  ScratchString(const ScratchString&) = delete;
  ScratchString& operator=(const ScratchString&) = delete;
  std::string& str() noexcept { return s_; }

 private:
  std::vector<std::string>& spare_;
  std::string s_;
};

asio::awaitable<void> send_status(http::Exchange& ex, UpstreamGroup& g, int status, std::string_view msg,
                                  bool close = false) {
  auto& h = ex.begin(status);
  if (status == 503) h.add("Retry-After", "1");
  h.add("Content-Type", "text/plain; charset=utf-8");
  const std::string body = fmt::format("{} {}: {}\n", status, http::reason_phrase(status), msg);
  h.add("Content-Length", body.size());
  if (close) ex.close_after();
  g.count_response(status);
  co_await ex.send(body);
}

struct ActiveGuard {
  ServerCounters* c = nullptr;
  void set(ServerCounters& x) noexcept {
    release();
    c = &x;
    c->active.fetch_add(1, std::memory_order_relaxed);
  }
  void release() noexcept {
    if (c) c->active.fetch_sub(1, std::memory_order_relaxed);
    c = nullptr;
  }
  ~ActiveGuard() { release(); }
};

// Makes room at the end of c's buffer by moving unconsumed bytes to the front.
void compact(UpstreamConn& c) noexcept {
  if (c.begin == 0) return;
  std::memmove(c.buf.get(), c.buf.get() + c.begin, c.end - c.begin);
  c.end -= c.begin;
  c.begin = 0;
}

}  // namespace

// ---------------------------------------------------------------- ProxyHandler

ProxyHandler::ProxyHandler(asio::io_context& io, std::shared_ptr<UpstreamGroup> group, const ProxyOptions& opts,
                           std::shared_ptr<const std::atomic<bool>> stopping)
    : io_(io), group_(std::move(group)), opts_(opts), snap_(*group_),
      balancer_(make_balancer(opts.algorithm, *group_)),
      pool_(io, group_->size(), opts.pool, std::move(stopping)) {
  for (const auto& s : group_->servers()) {
    std::vector<tcp::endpoint> eps;  // empty: the address is not numeric (connects fail)
    if (auto ep = net::parse_endpoint(s.name())) eps.push_back(*ep);
    endpoints_.push_back(std::move(eps));
  }
}

asio::awaitable<std::unique_ptr<UpstreamConn>> ProxyHandler::connect(std::uint32_t server, error_code& ec) {
  auto c = std::make_unique<UpstreamConn>(io_.get_executor());
  if (endpoints_[server].empty()) {
    ec = asio::error::host_not_found;
    co_return nullptr;
  }
  Watchdog& dog = c->dog;
  dog.start(c->sock, opts_.connect_timeout);
  for (const auto& ep : endpoints_[server]) {
    error_code ignore;
    c->sock.close(ignore);
    auto [e] = co_await c->sock.async_connect(ep, use_nothrow);
    if (!e) {
      dog.pause();
      c->sock.set_option(tcp::no_delay(true), ignore);
      ec = {};
      co_return c;
    }
    ec = dog.expired() ? error_code(asio::error::timed_out) : e;
    if (dog.expired()) break;
  }
  co_return nullptr;
}

asio::awaitable<std::optional<std::uint32_t>> ProxyHandler::choose(const std::vector<std::uint32_t>& tried,
                                                                   std::uint64_t key, bool& queue_full) {
  queue_full = false;
  bool queued = false;
  std::chrono::steady_clock::time_point deadline;
  std::optional<asio::steady_timer> timer;
  for (;;) {
    const Snapshot& s = snap_.get();
    candidates_.clear();
    bool any_full = false;
    for (auto i : s.eligible) {
      if (std::find(tried.begin(), tried.end(), i) != tried.end()) continue;
      const auto mc = group_->servers()[i].maxconn;
      if (mc && group_->counters(i).active.load(std::memory_order_relaxed) >= static_cast<std::int64_t>(mc)) {
        any_full = true;
        continue;
      }
      candidates_.push_back(i);
    }
    if (!candidates_.empty()) {
      if (queued) --queued_;
      co_return balancer_->pick(candidates_, key);
    }
    if (!any_full) {
      if (queued) --queued_;
      co_return std::nullopt;
    }
    // Every candidate is at maxconn: wait in the (bounded) queue. Slots free up
    // on any worker, so poll briefly rather than wait for a local wake-up.
    const auto now = std::chrono::steady_clock::now();
    if (!queued) {
      if (queued_ >= opts_.max_queue) {
        queue_full = true;
        co_return std::nullopt;
      }
      ++queued_;
      queued = true;
      deadline = now + opts_.queue_timeout;
      timer.emplace(io_);
    }
    if (now >= deadline) {
      --queued_;
      queue_full = true;
      co_return std::nullopt;
    }
    timer->expires_after(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(2), deadline - now));
    co_await timer->async_wait(use_nothrow);
  }
}

asio::awaitable<void> ProxyHandler::handle(http::Exchange& ex) {
  const auto t0 = std::chrono::steady_clock::now();
  struct Observe {
    UpstreamGroup& g;
    std::chrono::steady_clock::time_point t0;
    ~Observe() {
      g.durations().observe(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0));
    }
  } observe{*group_, t0};

  const http::Request& req = ex.request();
  if (req.method == http::Method::Connect) {
    co_await send_status(ex, *group_, 501, "CONNECT is not supported", true);
    co_return;
  }
  const bool idempotent = http::is_idempotent(req.method);

  // Small bodies are read up front so a retry can send them again; a chunked
  // one that fits is sent with Content-Length (framing normalized).
  std::string body;
  bool body_buffered = req.body == BodyKind::None;
  error_code ec;
  if ((req.body == BodyKind::ContentLength && req.content_length <= opts_.replay_limit) ||
      req.body == BodyKind::Chunked) {
    while (!ex.body_done() && body.size() <= opts_.replay_limit) {
      auto piece = co_await ex.read_body(ec);
      if (ec) {
        ex.close_after();
        co_return;
      }
      if (piece.empty()) break;
      body.append(piece);
    }
    body_buffered = ex.body_done();
  }
  const bool streaming = !body_buffered;
  Framing framing = Framing::None;
  std::uint64_t length = 0;
  if (body_buffered && req.body != BodyKind::None) {
    framing = Framing::Length;
    length = body.size();
  } else if (streaming) {
    framing = req.body == BodyKind::ContentLength ? Framing::Length : Framing::Chunked;
    length = req.content_length;
  }

  const std::uint64_t key = client_key(ex.peer());
  std::vector<std::uint32_t> tried;
  ScratchString head_buf(spare_);
  std::string& head = head_buf.str();
  int fail_status = 503;
  std::string_view fail_reason = "no server available";
  bool fresh_only = false;  // after a stale pooled connection: open a new one
  ActiveGuard active;
  const unsigned max_attempts = opts_.retries + 1;

  for (unsigned attempt = 0; attempt < max_attempts; ++attempt) {
    bool queue_full = false;
    auto picked = co_await choose(tried, key, queue_full);
    if (!picked) {
      if (queue_full) {
        fail_status = 503;
        fail_reason = "server queue full";
      }
      break;
    }
    const std::uint32_t si = *picked;
    auto& counters = group_->counters(si);
    const auto& server = group_->servers()[si];
    if (attempt > 0) group_->counters(tried.empty() ? si : tried.back()).retries.fetch_add(1, std::memory_order_relaxed);
    active.set(counters);

    std::unique_ptr<UpstreamConn> conn = fresh_only ? nullptr : pool_.take(si);
    fresh_only = false;
    if (!conn) {
      conn = co_await connect(si, ec);
      if (!conn) {  // never sent: retry any method elsewhere
        counters.errors.fetch_add(1, std::memory_order_relaxed);
        group_->report_failure(si, ec == asio::error::timed_out ? "connect timeout" : "connect: " + ec.message());
        tried.push_back(si);
        fail_status = 503;
        fail_reason = "could not connect to a server";
        continue;
      }
    }
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    const bool reused = conn->reused;

    // ---- send the request head (+ buffered body)
    build_request_head(req, ex.peer(), opts_.proto, server, framing, length, head);
    Watchdog& dog = conn->dog;
    dog.start(conn->sock, opts_.server_timeout);
    std::array<asio::const_buffer, 3> out{asio::buffer(head), asio::buffer(body), asio::const_buffer()};
    if (streaming && framing == Framing::Chunked && !body.empty()) {
      // The prefix already read goes out as the first chunk.
      head.append(fmt::format("{:x}\r\n", body.size()));
      out[0] = asio::buffer(head);
      out[2] = asio::buffer("\r\n", 2);
    }
    auto [wec, wn] = co_await asio::async_write(conn->sock, out, use_nothrow);
    if (wec) {
      if (reused && idempotent && !streaming) {  // stale keep-alive connection
        fresh_only = true;
        continue;
      }
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      if (!reused) group_->report_failure(si, "send: " + wec.message());
      if (idempotent && !streaming) {
        tried.push_back(si);
        fail_status = 502;
        fail_reason = "server closed the connection";
        continue;
      }
      co_await send_status(ex, *group_, 502, "server closed the connection", streaming);
      co_return;
    }

    // ---- stream the rest of the request body
    bool answered_early = false;
    if (streaming) {
      auto sent = co_await forward_body(ex, *conn, framing == Framing::Chunked);
      if (sent == BodySent::ClientGone) {  // client gone or malformed body: nothing more to do
        ex.close_after();
        co_return;
      }
      if (sent == BodySent::ServerFailed) {
        counters.errors.fetch_add(1, std::memory_order_relaxed);
        co_await send_status(ex, *group_, 504, "server stopped reading the request body", true);
        co_return;
      }
      // The server answered (or closed) before the whole body went out: its
      // answer goes to the client, then both connections close (as HAProxy, nginx).
      answered_early = sent == BodySent::ServerAnswered;
    }

    // ---- read the response head (skipping 1xx)
    auto [error_status, error_reason, retry] =
        co_await read_response_head(*conn, req.method, idempotent && !streaming);
    http::Response& resp = conn->resp;
    if (retry) {
      if (reused) {
        fresh_only = true;  // the server closed an idle connection: not its fault
      } else {
        counters.errors.fetch_add(1, std::memory_order_relaxed);
        group_->report_failure(si, "empty response");
        tried.push_back(si);
        fail_status = 502;
        fail_reason = "server closed the connection";
      }
      continue;
    }
    if (error_status && answered_early) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      co_await send_status(ex, *group_, 502, "server stopped reading the request body", true);
      co_return;
    }
    if (error_status) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      counters.responses[static_cast<std::size_t>(error_status / 100 - 1)].fetch_add(1, std::memory_order_relaxed);
      co_await send_status(ex, *group_, error_status, error_reason, streaming);
      co_return;
    }
    group_->report_success(si);

    // ---- the response head, towards the client
    const int status = resp.status;
    auto& h = ex.begin(status);
    const bool resp_has_connection = resp.headers.has("Connection");
    for (const auto& f : resp.headers.fields) {
      if (is_hop_by_hop(f.name) || listed_in_connection(resp.headers, f.name, resp_has_connection)) continue;
      if (iequals(f.name, "Content-Length") || iequals(f.name, "Date") || iequals(f.name, "Server")) continue;
      h.add_trusted(f.name, f.value);  // validated by the response parser
    }
    counters.responses[static_cast<std::size_t>(status / 100 - 1)].fetch_add(1, std::memory_order_relaxed);
    group_->count_response(status);
    conn->begin += resp.head_size;
    if (answered_early) ex.close_after();
    auto [ok, upstream_reusable] = co_await relay_body(ex, *conn, h);
    dog.pause();
    active.release();
    if (ok && upstream_reusable && !answered_early && conn->begin == conn->end) pool_.put(si, std::move(conn));
    if (!ok) ex.close_after();
    co_return;
  }

  // Every attempt failed, or no server was available.
  co_await send_status(ex, *group_, fail_status, fail_reason, streaming);
}

// Reads and parses the server's response head into conn.resp, skipping 1xx heads.
// On failure: the status for the client (502, or 504 on timeout), or retry when
// the server closed before any byte and the request may be sent again.
asio::awaitable<ProxyHandler::HeadRead> ProxyHandler::read_response_head(UpstreamConn& conn, http::Method method,
                                                                         bool retryable) {
  http::ResponseParser parser;
  http::Response& resp = conn.resp;
  resp.clear();
  bool got_any = false;
  for (;;) {
    if (conn.end > conn.begin) {
      auto r = parser.parse(std::string_view(conn.buf.get() + conn.begin, conn.end - conn.begin), method, resp);
      if (r.status == http::ParseStatus::Error) co_return HeadRead{502, "invalid response from server"};
      if (r.status == http::ParseStatus::Complete) {
        if (resp.status >= 200) co_return HeadRead{};
        if (resp.status == 101) co_return HeadRead{502, "protocol upgrade is not supported"};
        conn.begin += resp.head_size;  // 1xx: skip it, the final head follows
        parser.reset();
        resp.clear();
        continue;
      }
    }
    if (conn.begin == conn.end) conn.begin = conn.end = 0;
    if (conn.end == upstream_buffer_size) compact(conn);
    if (conn.end == upstream_buffer_size) co_return HeadRead{502, "response head too large"};
    auto [rec, n] = co_await conn.sock.async_read_some(
        asio::buffer(conn.buf.get() + conn.end, upstream_buffer_size - conn.end), use_nothrow);
    if (rec) {
      if (conn.dog.expired()) co_return HeadRead{504, "server did not answer in time"};
      if (!got_any && retryable) co_return HeadRead{0, {}, true};  // closed or reset before any byte
      co_return HeadRead{502, got_any ? "incomplete response from server" : "server closed the connection"};
    }
    conn.dog.touch();
    got_any = true;
    conn.end += n;
  }
}

// Streams the rest of the request body to the server (as chunks when chunked).
// Stops early when the server answers before the body is all sent (413, 401,
// a redirect) or stops reading: that answer, if any, is then relayed.
asio::awaitable<ProxyHandler::BodySent> ProxyHandler::forward_body(http::Exchange& ex, UpstreamConn& conn,
                                                                   bool chunked) {
  error_code ec;
  for (;;) {
    if (conn.sock.available(ec) > 0 || ec) co_return BodySent::ServerAnswered;
    auto piece = co_await ex.read_body(ec);
    if (ec) co_return BodySent::ClientGone;
    conn.dog.touch();
    if (piece.empty()) break;
    error_code wec;
    if (chunked) {
      std::string size = fmt::format("{:x}\r\n", piece.size());
      std::array<asio::const_buffer, 3> bufs{asio::buffer(size), asio::buffer(piece), asio::buffer("\r\n", 2)};
      std::tie(wec, std::ignore) = co_await asio::async_write(conn.sock, bufs, use_nothrow);
    } else {
      std::tie(wec, std::ignore) = co_await asio::async_write(conn.sock, asio::buffer(piece), use_nothrow);
    }
    conn.dog.touch();
    if (wec) co_return conn.dog.expired() ? BodySent::ServerFailed : BodySent::ServerAnswered;
    if (ex.body_done()) break;
  }
  if (chunked) {
    auto [wec, n] = co_await asio::async_write(conn.sock, asio::buffer("0\r\n\r\n", 5), use_nothrow);
    if (wec) co_return BodySent::ServerAnswered;
  }
  co_return BodySent::Done;
}

// Streams the response body after the head h (already filled from conn.resp) to
// the client, in the framing the client can read. Returns whether it all went
// out, and whether the upstream connection can be reused afterwards.
asio::awaitable<ProxyHandler::Relayed> ProxyHandler::relay_body(http::Exchange& ex, UpstreamConn& conn,
                                                                http::ResponseHead& h) {
  const http::Request& req = ex.request();
  const http::Response& resp = conn.resp;
  const int status = resp.status;
  Watchdog& dog = conn.dog;
  bool upstream_reusable = resp.keep_alive;
  bool ok = true;
  auto avail = [&] { return std::string_view(conn.buf.get() + conn.begin, conn.end - conn.begin); };
  auto read_more = [&]() -> asio::awaitable<bool> {
    conn.begin = conn.end = 0;
    auto [e, n] = co_await conn.sock.async_read_some(asio::buffer(conn.buf.get(), upstream_buffer_size), use_nothrow);
    dog.touch();
    if (e) co_return false;
    conn.end = n;
    co_return true;
  };

  switch (resp.body) {
    case BodyKind::None: {
      if (req.method == http::Method::Head) {
        auto cl = resp.headers.get("Content-Length");
        if (!cl.empty()) h.add("Content-Length", cl);
      } else if (status != 204 && status != 304 && status >= 200) {
        h.add("Content-Length", "0");
      }
      ok = co_await ex.send();
      break;
    }
    case BodyKind::ContentLength: {
      h.add("Content-Length", resp.content_length);
      std::uint64_t left = resp.content_length;
      if (avail().size() >= left) {  // whole body already here: one writev
        auto b = avail().substr(0, left);
        conn.begin += left;
        ok = co_await ex.send(b);
        break;
      }
      ok = co_await ex.send_head();
      while (ok && left > 0) {
        bool more = !avail().empty();
        if (!more) more = co_await read_more();
        if (!more) {
          upstream_reusable = false;
          ok = false;
          ex.close_after();  // truncated: the client must see the connection end
          break;
        }
        auto b = avail().substr(0, std::min<std::uint64_t>(left, avail().size()));
        conn.begin += b.size();
        left -= b.size();
        ok = co_await ex.write(b);
        dog.touch();
      }
      break;
    }
    case BodyKind::Chunked: {
      // The chunked body is validated by the decoder and passed through as
      // received (extensions and trailers included): no re-framing cost.
      // An HTTP/1.0 client cannot read chunked: it gets the data, then the close.
      const bool dechunk = req.version == http::Version::Http10;
      if (dechunk)
        ex.close_after();
      else
        h.add("Transfer-Encoding", "chunked");
      ok = co_await ex.send_head();
      http::ChunkedDecoder dec;
      bool done = false;
      while (ok && !done) {
        std::size_t used = 0;
        bool need_more = false;
        std::string_view data;  // dechunk: decoded bytes to write
        auto in = avail();
        while (used < in.size()) {
          auto st = dec.step(in.substr(used));
          used += st.consumed;
          if (st.status == http::ChunkedDecoder::Status::Done) { done = true; break; }
          if (st.status == http::ChunkedDecoder::Status::Error) { ok = false; break; }
          if (st.status == http::ChunkedDecoder::Status::NeedMore) { need_more = true; break; }
          if (dechunk && st.status == http::ChunkedDecoder::Status::Data) { data = st.data; break; }
        }
        if (used == in.size()) need_more = true;
        if (!ok) {
          upstream_reusable = false;
          ex.close_after();
          break;
        }
        if (used > 0) {
          auto b = dechunk ? data : in.substr(0, used);
          conn.begin += used;
          if (!b.empty()) ok = co_await ex.write(b);
          dog.touch();
        }
        if (done || !ok) break;
        if (!need_more) continue;  // more decodable bytes are already buffered
        if (avail().empty())
          conn.begin = conn.end = 0;
        else
          compact(conn);
        if (conn.end == upstream_buffer_size) {  // a line longer than the buffer
          ok = false;
          upstream_reusable = false;
          ex.close_after();
          break;
        }
        auto [e, n] = co_await conn.sock.async_read_some(
            asio::buffer(conn.buf.get() + conn.end, upstream_buffer_size - conn.end), use_nothrow);
        dog.touch();
        if (e) {
          ok = false;
          upstream_reusable = false;
          ex.close_after();
          break;
        }
        conn.end += n;
      }
      break;
    }
    case BodyKind::UntilClose: {
      upstream_reusable = false;
      const bool chunk = req.version == http::Version::Http11;
      if (chunk)
        h.add("Transfer-Encoding", "chunked");
      else
        ex.close_after();
      ok = co_await ex.send_head();
      for (;;) {
        if (!ok) break;
        if (avail().empty()) {
          if (!co_await read_more()) break;  // EOF ends the body
        }
        auto b = avail();
        conn.begin = conn.end;
        if (chunk) {
          const std::string size = fmt::format("{:x}\r\n", b.size());
          ok = co_await ex.write(size);
          if (ok) ok = co_await ex.write(b);
          if (ok) ok = co_await ex.write("\r\n");
        } else {
          ok = co_await ex.write(b);
        }
        dog.touch();
      }
      if (ok && chunk) ok = co_await ex.write("0\r\n\r\n");
      break;
    }
  }
  co_return Relayed{ok, upstream_reusable};
}

}  // namespace foobar::proxy
