#include "app/site/board_handler.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "app/site/cookie.hpp"
#include "app/site/post.hpp"
#include "app/site/validation.hpp"
#include "http/error_response.hpp"

namespace foobar::app::site {

namespace {

constexpr std::string_view kInsert = "INSERT INTO posts (author, body, created_at) VALUES (?, ?, ?)";
constexpr std::string_view kSelectOne = "SELECT id, author, body, created_at FROM posts WHERE id = ?";
constexpr std::string_view kSelectPage =
    "SELECT id, author, body, created_at FROM posts WHERE id < ? ORDER BY id DESC LIMIT ?";

struct Extra {
  std::string_view set_cookie;
  std::string_view location;
};

asio::awaitable<void> send_json(http::Exchange& ex, int status, std::string_view body, Extra extra = {}) {
  auto& h = ex.begin(status);
  h.add("Content-Type", "application/json");
  h.add("Cache-Control", "no-store");
  if (!extra.set_cookie.empty()) h.add("Set-Cookie", extra.set_cookie);
  if (!extra.location.empty()) h.add("Location", extra.location);
  if (status == 503) h.add("Retry-After", "1");
  h.add("Content-Length", static_cast<std::uint64_t>(body.size()));
  co_await ex.send(body);
}

// {"error": message}; allow: the methods a 405 names.
asio::awaitable<void> send_json_error(http::Exchange& ex, int status, std::string_view message,
                                      std::string_view allow = {}) {
  const http::Header extra[] = {{"Allow", allow}};
  co_await http::send_error(ex, status, message, {.json = true, .extra = std::span(extra, allow.empty() ? 0 : 1)});
}

asio::awaitable<void> send_db_error(http::Exchange& ex, const db::Error& e) {
  int status = status_for(e);
  const auto& req = ex.request();
  spdlog::warn("app: {} {}: database error {}: {} (request {}, trace {})", http::method_name(req.method), req.path,
               e.code, e.message, req.ids.request_id(), req.ids.trace_id());
  // The client must know a write that may have been saved from one that was not.
  co_await send_json_error(ex, status,
                           e.indeterminate ? "the database did not answer in time; the write may have been saved"
                           : status == 503 ? "database unavailable, try again shortly"
                                           : "internal error");
}

bool is_get(const http::Request& r) { return r.method == http::Method::Get || r.method == http::Method::Head; }

}  // namespace

int status_for(const db::Error& e) noexcept {
  if (e.connection || e.busy || e.timeout) return 503;
  switch (e.code) {
    case 1040:  // too many connections
    case 1053:  // server shutdown in progress
    case 1205:  // lock wait timeout
    case 1213:  // deadlock
    case 1290:  // read-only (e.g. a primary being demoted)
    case 1927:  // connection killed
      return 503;
    default:
      return 500;
  }
}

asio::awaitable<http::Outcome> BoardHandler::handle(http::Exchange& ex) {
  const auto start = std::chrono::steady_clock::now();
  const Route route = co_await dispatch(ex);
  metrics_.observe(worker_, route, ex.status(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  co_return http::Outcome::Handled;
}

asio::awaitable<Route> BoardHandler::dispatch(http::Exchange& ex) {
  const auto& req = ex.request();
  std::string_view path = req.path;
  if (path == "/api/posts" && req.method == http::Method::Post) {
    co_await create_post(ex);
    co_return Route::CreatePost;
  }
  if (path == "/api/posts" && is_get(req)) {
    co_await list_posts(ex);
    co_return Route::ListPosts;
  }
  if (path.starts_with("/api/posts/") && is_get(req)) {
    co_await get_post(ex, path.substr(11));
    co_return Route::GetPost;
  }
  if (path == "/api/health" && is_get(req)) {
    co_await health(ex);
    co_return Route::Health;
  }
  if (path == "/api/posts")
    co_await send_json_error(ex, 405, "method not allowed", "GET, HEAD, POST");
  else if (path.starts_with("/api/posts/") || path == "/api/health")
    co_await send_json_error(ex, 405, "method not allowed", "GET, HEAD");
  else
    co_await send_json_error(ex, 404, "not found");
  co_return Route::Other;
}

asio::awaitable<void> BoardHandler::create_post(http::Exchange& ex) {
  const auto& req = ex.request();
  if (req.body == http::BodyKind::ContentLength && req.content_length > kMaxPostBytes) {
    co_await send_json_error(ex, 413, "request body too large (limit 64 KiB)");  // unread: the connection closes
    co_return;
  }
  std::string body;
  for (;;) {
    error_code ec;
    auto piece = co_await ex.read_body(ec);
    if (ec) co_return;  // the connection layer answered (or the client is gone)
    if (piece.empty()) break;
    if (body.size() + piece.size() > kMaxPostBytes) {
      ex.close_after();
      co_await send_json_error(ex, 413, "request body too large (limit 64 KiB)");
      co_return;
    }
    body.append(piece);
  }
  NewPost post;
  ClientError err;
  if (!parse_new_post(body, post, err)) {
    co_await send_json_error(ex, err.status, err.message);
    co_return;
  }

  auto created = now_datetime();
  db::Param params[] = {std::string_view(post.author), std::string_view(post.body), std::string_view(created)};
  auto r = co_await db_->write(kInsert, params);
  if (!r.ok()) {
    co_await send_db_error(ex, r.error);
    co_return;
  }

  Post p{r.insert_id, std::move(post.author), std::move(post.body), iso_utc(std::move(created))};
  std::string cookie;
  if (auto gtid = db::parse_gtid(r.last_gtid)) cookie = gtid_set_cookie(*gtid);
  auto location = "/api/posts/" + std::to_string(p.id);
  co_await send_json(ex, 201, post_json(p), {.set_cookie = cookie, .location = location});
}

asio::awaitable<void> BoardHandler::list_posts(http::Exchange& ex) {
  ListQuery q;
  ClientError err;
  if (!parse_list_query(ex.request().query, q, err)) {
    co_await send_json_error(ex, err.status, err.message);
    co_return;
  }
  db::Param params[] = {static_cast<std::int64_t>(q.before.value_or(std::numeric_limits<std::int64_t>::max())),
                        static_cast<std::int64_t>(q.limit)};
  auto r = co_await db_->read(kSelectPage, params, gtid_from_cookies(ex.request().headers));
  if (!r.ok()) {
    co_await send_db_error(ex, r.error);
    co_return;
  }
  std::vector<Post> posts;
  posts.reserve(r.rows.size());
  for (auto& row : r.rows) {
    Post p;
    if (post_from_row(std::move(row), p)) posts.push_back(std::move(p));
  }
  co_await send_json(ex, 200, posts_json(posts));
}

asio::awaitable<void> BoardHandler::get_post(http::Exchange& ex, std::string_view segment) {
  auto id = parse_post_id(segment);
  if (!id) {
    co_await send_json_error(ex, 404, "no such post");
    co_return;
  }
  db::Param params[] = {static_cast<std::int64_t>(*id)};
  auto r = co_await db_->read(kSelectOne, params, gtid_from_cookies(ex.request().headers));
  if (!r.ok()) {
    co_await send_db_error(ex, r.error);
    co_return;
  }
  Post p;
  if (r.rows.empty() || !post_from_row(std::move(r.rows[0]), p)) {
    co_await send_json_error(ex, 404, "no such post");
    co_return;
  }
  co_await send_json(ex, 200, post_json(p));
}

asio::awaitable<void> BoardHandler::health(http::Exchange& ex) {
  auto h = db_->health();
  auto server = [](const db::ServerHealth& s, bool replica) {
    nlohmann::json j{{"server", s.server}, {"up", s.up}};
    if (replica) {
      j["healthy"] = s.healthy;
      j["io_running"] = s.io_running;
      j["sql_running"] = s.sql_running;
      j["lag_seconds"] = s.lag_seconds ? nlohmann::json(*s.lag_seconds) : nlohmann::json(nullptr);
      j["gtid_io_pos"] = s.gtid_io_pos;
      j["gtid_slave_pos"] = s.gtid_slave_pos;
    }
    if (!s.reason.empty()) j["reason"] = s.reason;
    return j;
  };
  bool any_replica = false;
  auto replicas = nlohmann::json::array();
  for (std::size_t i = 0; i < h->nodes.size(); ++i) {
    if (!h->is_replica(i)) continue;
    auto j = server(h->nodes[i], true);
    if (!h->quarantined[i].empty()) j["quarantined"] = h->quarantined[i];
    any_replica = any_replica || h->nodes[i].healthy;
    replicas.push_back(std::move(j));
  }
  const bool primary = h->writes_refused.empty();
  const char* state = primary && (any_replica || replicas.empty()) ? "ok" : (primary || any_replica ? "degraded" : "unavailable");
  nlohmann::json body{{"status", state},
                      {"writes", primary},
                      {"reads", primary || any_replica},
                      {"primary", h->primary_health() ? server(*h->primary_health(), false) : nlohmann::json(nullptr)},
                      {"replicas", std::move(replicas)}};
  if (!primary) body["writes_refused"] = h->writes_refused;
  co_await send_json(ex, primary || any_replica ? 200 : 503,
                     body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace foobar::app::site
