#include "proxy/pool.hpp"

namespace foobar::proxy {

namespace {
constexpr std::size_t kSpareBuffers = 16;  // per worker: the requests in flight get the rest new
}  // namespace

ConnectionPool::ConnectionPool(asio::io_context& io, std::size_t servers, PoolConfig cfg,
                               std::shared_ptr<const std::atomic<bool>> stopping)
    : cfg_(cfg), idle_(servers), timer_(io), alive_(std::make_shared<bool>(true)),
      stopping_(std::move(stopping)) {
  schedule();
}

ConnectionPool::~ConnectionPool() {
  *alive_ = false;
  timer_.cancel();
}

std::unique_ptr<http::ClientConnection> ConnectionPool::take(std::size_t server) {
  auto& q = idle_[server];
  const auto now = std::chrono::steady_clock::now();
  while (!q.empty()) {
    auto e = std::move(q.back());
    q.pop_back();
    if (now - e.since >= cfg_.idle_timeout) continue;  // too old: the server may be closing it
    e.conn->reused = true;
    lend_buffer(*e.conn);
    return std::move(e.conn);
  }
  return nullptr;
}

void ConnectionPool::put(std::size_t server, std::unique_ptr<http::ClientConnection> c) {
  auto& q = idle_[server];
  if (cfg_.idle_max == 0 || !*alive_) return;
  if (stopping_ && stopping_->load(std::memory_order_relaxed)) return;
  if (q.size() >= cfg_.idle_max) q.pop_front();  // drop the coldest
  if (auto b = c->release_buffer(); b && spare_buffers_.size() < kSpareBuffers) spare_buffers_.push_back(std::move(b));
  q.push_back({std::move(c), std::chrono::steady_clock::now()});
}

void ConnectionPool::lend_buffer(http::ClientConnection& c) {
  if (spare_buffers_.empty()) return;
  c.lend_buffer(std::move(spare_buffers_.back()));
  spare_buffers_.pop_back();
}

void ConnectionPool::sweep() {
  const auto now = std::chrono::steady_clock::now();
  for (auto& q : idle_)
    while (!q.empty() && now - q.front().since >= cfg_.idle_timeout) q.pop_front();
}

void ConnectionPool::close_all() {
  *alive_ = false;
  timer_.cancel();
  for (auto& q : idle_) q.clear();
}

void ConnectionPool::schedule() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this, alive = alive_](error_code ec) {
    if (ec || !*alive) return;
    if (stopping_ && stopping_->load(std::memory_order_relaxed)) {
      close_all();
      return;
    }
    sweep();
    schedule();
  });
}

}  // namespace foobar::proxy
