#include "proxy/proxy_handler.hpp"

#include <optional>

#include <algorithm>
#include <array>
#include <cstring>

#include "http/chunked.hpp"
#include "http/error_response.hpp"
#include "proxy/forward_headers.hpp"

namespace foobar::proxy {

using http::BodyKind;
using http::iequals;

// ---------------------------------------------------------------- helpers

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) noexcept {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

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

}  // namespace

// ---------------------------------------------------------------- ProxyHandler

ProxyHandler::ProxyHandler(asio::io_context& io, unsigned worker, std::shared_ptr<UpstreamGroup> group,
                           std::shared_ptr<const UpstreamMetrics> metrics, const ProxyOptions& opts,
                           std::shared_ptr<const std::atomic<bool>> stopping)
    : io_(io), worker_(worker), group_(std::move(group)), metrics_(std::move(metrics)), opts_(opts), snap_(*group_),
      balancer_(make_balancer(opts.algorithm, *group_)),
      pool_(io, group_->size(), opts.pool, std::move(stopping)) {}

asio::awaitable<std::unique_ptr<http::ClientConnection>> ProxyHandler::connect(std::uint32_t server,
                                                                                error_code& ec) {
  auto c = std::make_unique<http::ClientConnection>(io_.get_executor());
  pool_.lend_buffer(*c);
  ec = co_await c->connect(group_->servers()[server].address.endpoint(), opts_.connect_timeout, opts_.tls);
  if (ec) c.reset();
  co_return c;
}

asio::awaitable<std::optional<std::uint32_t>> ProxyHandler::choose(const std::vector<std::uint32_t>& tried,
                                                                   std::uint64_t key, bool& queue_full) {
  queue_full = false;
  bool queued = false;
  std::chrono::steady_clock::time_point since, deadline;
  std::optional<asio::steady_timer> timer;
  auto leave_queue = [&] {
    if (!queued) return;
    --queued_;
    metrics_->queued().set(worker_, queued_);
    metrics_->queue_wait().observe(worker_, seconds_since(since));
  };
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
      leave_queue();
      co_return balancer_->pick(candidates_, key);
    }
    if (!any_full) {
      leave_queue();
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
      metrics_->queued().set(worker_, ++queued_);
      queued = true;
      since = now;
      deadline = now + opts_.queue_timeout;
      timer.emplace(io_);
    }
    if (now >= deadline) {
      leave_queue();
      queue_full = true;
      co_return std::nullopt;
    }
    timer->expires_after(std::min<std::chrono::steady_clock::duration>(std::chrono::milliseconds(2), deadline - now));
    co_await timer->async_wait(use_nothrow);
  }
}

// The request as it goes upstream: the head (rebuilt per attempt), the body
// prefix kept for resending, and how the body is framed.
struct ProxyHandler::Outgoing {
  std::string body;  // the whole body (buffered) or the part read so far (streaming)
  bool streaming = false;
  bool idempotent = false;
  Framing framing = Framing::None;
  std::uint64_t length = 0;
  std::string* head = nullptr;
};

asio::awaitable<http::Outcome> ProxyHandler::handle(http::Exchange& ex) {
  struct Observe {
    core::metrics::Histogram& h;
    unsigned worker;
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
    ~Observe() { h.observe(worker, seconds_since(t0)); }
  } observe{metrics_->duration(), worker_};

  const http::Request& req = ex.request();
  if (req.method == http::Method::Connect) {
    co_await reply_error(ex, 501, "CONNECT is not supported", true);
    co_return http::Outcome::Handled;
  }

  // Small bodies are read up front so a retry can send them again; a chunked
  // one that fits is sent with Content-Length (framing normalized).
  Outgoing out;
  out.idempotent = http::is_idempotent(req.method);
  bool buffered = req.body == BodyKind::None;
  if ((req.body == BodyKind::ContentLength && req.content_length <= opts_.replay_limit) ||
      req.body == BodyKind::Chunked) {
    while (!ex.body_done() && out.body.size() <= opts_.replay_limit) {
      error_code ec;
      auto piece = co_await ex.read_body(ec);
      if (ec) {
        ex.close_after();
        co_return http::Outcome::Handled;
      }
      if (piece.empty()) break;
      out.body.append(piece);
    }
    buffered = ex.body_done();
  }
  out.streaming = !buffered;
  if (buffered && req.body != BodyKind::None) {
    out.framing = Framing::Length;
    out.length = out.body.size();
  } else if (out.streaming) {
    out.framing = req.body == BodyKind::ContentLength ? Framing::Length : Framing::Chunked;
    out.length = req.content_length;
  }
  ScratchString head(spare_);
  out.head = &head.str();

  const std::uint64_t key = client_key(ex.peer());
  std::vector<std::uint32_t> tried;
  int fail_status = 503;
  std::string_view fail_reason = "no server available";
  bool fresh_only = false;  // after a stale pooled connection: open a new one
  ActiveGuard active;
  std::optional<std::uint32_t> last;  // the server of the previous attempt
  for (unsigned n = 0; n <= opts_.retries; ++n) {
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
    if (last == si) metrics_->server(si).retries->add(worker_);
    else if (last) metrics_->server(*last).redispatches->add(worker_);
    last = si;
    active.set(group_->counters(si));
    auto [done, d, blame] = co_await attempt(ex, out, si, fresh_only);
    if (done) co_return http::Outcome::Handled;
    fresh_only = false;
    if (d.server_error) metrics_->server(si).errors->add(worker_);
    if (d.mark_failed) group_->report_failure(si, blame);
    if (d.next == Next::FreshConnection) {
      fresh_only = true;
      continue;
    }
    if (d.next == Next::Fail) {
      co_await reply_error(ex, d.status, d.reason, d.close);
      co_return http::Outcome::Handled;
    }
    tried.push_back(si);
    fail_status = d.status;
    fail_reason = d.reason;
  }
  // Every attempt failed, or no server was available.
  co_await reply_error(ex, fail_status, fail_reason, out.streaming);
  co_return http::Outcome::Handled;
}

asio::awaitable<ProxyHandler::Tried> ProxyHandler::attempt(http::Exchange& ex, Outgoing& out, std::uint32_t si,
                                                           bool fresh_only) {
  const http::Request& req = ex.request();
  const ServerSeries& m = metrics_->server(si);
  std::unique_ptr<http::ClientConnection> conn = fresh_only ? nullptr : pool_.take(si);
  const Attempt a{.reused = conn != nullptr, .idempotent = out.idempotent, .streamed = out.streaming};
  if (!conn) {
    error_code ec;
    conn = co_await connect(si, ec);
    if (!conn)
      co_return Tried{false, decide(Failure::Connect, a),
                      ec == asio::error::timed_out ? "connect timeout" : "connect: " + ec.message()};
  }
  m.requests->add(worker_);

  // ---- the request head, and the body kept so far
  std::string& head = *out.head;
  const bool trusted = net::any_contains(opts_.trusted_proxies, ex.peer().address());
  build_request_head(req, ex.peer(), trusted, ex.is_tls() ? "https" : "http", group_->servers()[si], out.framing,
                     out.length, head);
  auto& dog = conn->watchdog();
  dog.start(conn->socket(), opts_.server_timeout);
  std::array<asio::const_buffer, 4> bufs{asio::buffer(head), asio::const_buffer(), asio::buffer(out.body),
                                          asio::const_buffer()};
  char size[http::kMaxChunkSizeLine];
  if (out.streaming && out.framing == Framing::Chunked && !out.body.empty()) {
    bufs[1] = asio::buffer(http::chunk_size_line(size, out.body.size()));  // the prefix read so far: the first chunk
    bufs[3] = asio::buffer("\r\n", 2);
  }
  const auto sent_at = std::chrono::steady_clock::now();
  auto wec = co_await conn->write(bufs);
  if (wec) co_return Tried{false, decide(Failure::Send, a), "send: " + wec.message()};
  m.sent_bytes->add(worker_, asio::buffer_size(bufs));

  // ---- the rest of a streamed body; the server may answer before it is all sent
  bool answered_early = false;
  if (out.streaming) {
    auto sent = co_await forward_body(ex, *conn, out.framing == Framing::Chunked, m);
    if (sent == BodySent::ClientGone) {  // client gone or malformed body: nothing more to do
      ex.close_after();
      co_return Tried{};
    }
    if (sent == BodySent::ServerFailed) {
      co_return Tried{false, {.status = 504, .reason = "server stopped reading the request body",
                              .server_error = true, .close = true}};
    }
    // Its answer goes to the client, then both connections close (as HAProxy, nginx).
    answered_early = sent == BodySent::ServerAnswered;
  }

  // ---- the response
  auto head_error = co_await conn->read_response_head(req.method);
  using HeadError = http::ClientConnection::HeadError;
  if (head_error == HeadError::Closed && !answered_early)
    co_return Tried{false, decide(Failure::NoResponse, a), "empty response"};
  if (head_error != HeadError::None) {
    auto d = decide(Failure::BadResponse, a, http::ClientConnection::status_for(head_error));
    d.reason = answered_early ? "server stopped reading the request body" : http::ClientConnection::describe(head_error);
    d.close = d.close || answered_early;
    m.responses[static_cast<std::size_t>(d.status / 100 - 1)]->add(worker_);
    co_return Tried{false, d, {}};
  }
  m.response_time->observe(worker_, seconds_since(sent_at));
  group_->report_success(si);
  const int status = conn->response().status;
  m.responses[static_cast<std::size_t>(status / 100 - 1)]->add(worker_);
  metrics_->count_response(worker_, status);
  if (answered_early) ex.close_after();
  const bool ok = co_await relay_response(ex, *conn, m);
  dog.pause();
  if (ok && !answered_early && conn->reusable()) pool_.put(si, std::move(conn));
  if (!ok) ex.close_after();
  co_return Tried{};
}

// Streams the rest of the request body to the server (as chunks when chunked).
// Stops early when the server answers before the body is all sent (413, 401,
// a redirect) or stops reading: that answer, if any, is then relayed.
asio::awaitable<ProxyHandler::BodySent> ProxyHandler::forward_body(http::Exchange& ex, http::ClientConnection& up,
                                                                   bool chunked, const ServerSeries& m) {
  auto& dog = up.watchdog();
  for (;;) {
    if (up.has_input()) co_return BodySent::ServerAnswered;
    error_code ec;
    auto piece = co_await ex.read_body(ec);
    if (ec) co_return BodySent::ClientGone;
    dog.touch();
    if (piece.empty()) break;
    char size[http::kMaxChunkSizeLine];
    std::array<asio::const_buffer, 3> framed{asio::buffer(http::chunk_size_line(size, piece.size())),
                                             asio::buffer(piece), asio::buffer("\r\n", 2)};
    std::array<asio::const_buffer, 1> plain{asio::buffer(piece)};
    error_code wec;
    if (chunked)
      wec = co_await up.write(framed);
    else
      wec = co_await up.write(plain);
    if (wec) co_return dog.expired() ? BodySent::ServerFailed : BodySent::ServerAnswered;
    m.sent_bytes->add(worker_, chunked ? asio::buffer_size(framed) : piece.size());
    if (ex.body_done()) break;
  }
  if (chunked) {
    auto wec = co_await up.write("0\r\n\r\n");
    if (wec) co_return BodySent::ServerAnswered;
    m.sent_bytes->add(worker_, 5);
  }
  co_return BodySent::Done;
}

asio::awaitable<bool> ProxyHandler::relay_response(http::Exchange& ex, http::ClientConnection& up,
                                                   const ServerSeries& m) {
  const http::Request& req = ex.request();
  const http::Response& resp = up.response();
  auto& h = ex.begin(resp.status);
  const bool resp_has_connection = resp.headers.has("Connection");
  for (const auto& f : resp.headers.fields) {
    if (is_hop_by_hop(f.name) || listed_in_connection(resp.headers, f.name, resp_has_connection)) continue;
    if (iequals(f.name, "Content-Length") || iequals(f.name, "Date") || iequals(f.name, "Server")) continue;
    // Over backend TLS, the server's HSTS is about its own listener; the
    // client's is this role's to send (its hsts_max_age).
    if (opts_.tls && iequals(f.name, "Strict-Transport-Security")) continue;
    h.add_trusted(f.name, f.value);  // validated by the response parser
  }
  // The body's length; for HEAD, the length a GET would have had. Otherwise
  // the exchange streams it in whatever framing the client reads.
  if (resp.body == BodyKind::ContentLength) {
    h.add("Content-Length", resp.content_length);
  } else if (req.method == http::Method::Head) {
    if (auto cl = resp.headers.get("Content-Length"); !cl.empty()) h.add_trusted("Content-Length", cl);
  }
  if (auto whole = up.take_buffered_body()) {  // already here: head and body in one writev
    m.received_bytes->add(worker_, whole->size());
    const bool ok = co_await ex.send(*whole);
    co_return ok;
  }
  if (!co_await ex.send_head()) co_return false;
  auto& dog = up.watchdog();
  for (;;) {
    error_code ec;
    auto piece = co_await up.read_body(ec);
    if (ec) {
      ex.close_after();  // truncated: the client must see the connection end
      co_return false;
    }
    if (piece.empty()) break;
    m.received_bytes->add(worker_, piece.size());
    if (!co_await ex.write(piece)) co_return false;
    dog.touch();
  }
  const bool ok = co_await ex.end();
  co_return ok;
}

asio::awaitable<void> ProxyHandler::reply_error(http::Exchange& ex, int status, std::string_view reason, bool close) {
  metrics_->count_response(worker_, status);
  co_await http::send_error(ex, status, reason, {.close = close});
}

}  // namespace foobar::proxy
