#pragma once
// www.foobar.com's JSON API (the message board), one instance per worker:
//   POST /api/posts            create a post -> 201 + read-your-writes cookie
//   GET  /api/posts?limit&before   newest first
//   GET  /api/posts/ID         one post or 404
//   GET  /api/health           primary and replicas as the monitor sees them
// Every answer is JSON; errors are {"error": "..."}; the database being
// unavailable is a 503 with Retry-After, never a 500 with internals.
#include <memory>

#include "app/site/route_metrics.hpp"
#include "db/cluster.hpp"
#include "http/exchange.hpp"

namespace foobar::app::site {

class BoardHandler : public http::Handler {
 public:
  BoardHandler(std::unique_ptr<db::Cluster> cluster, const RouteMetrics& metrics, unsigned worker)
      : db_(std::move(cluster)), metrics_(metrics), worker_(worker) {}
  asio::awaitable<http::Outcome> handle(http::Exchange& ex) override;

 private:
  asio::awaitable<Route> dispatch(http::Exchange& ex);
  asio::awaitable<void> create_post(http::Exchange& ex);
  asio::awaitable<void> list_posts(http::Exchange& ex);
  asio::awaitable<void> get_post(http::Exchange& ex, std::string_view id);
  asio::awaitable<void> health(http::Exchange& ex);

  std::unique_ptr<db::Cluster> db_;
  const RouteMetrics& metrics_;
  unsigned worker_;
};

// The HTTP answer for a failed query: 503 (+ Retry-After) when the database is
// unreachable, busy or timed out, else 500; the message never carries SQL details.
int status_for(const db::Error& e) noexcept;

}  // namespace foobar::app::site
