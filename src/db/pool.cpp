#include "db/pool.hpp"

namespace foobar::db {

struct Pool::Waiter {
  explicit Waiter(asio::any_io_executor ex) : timer(ex) {}
  asio::steady_timer timer;
  std::unique_ptr<Connection> handed;  // a connection passed on by release()
  bool woken = false;                  // woken: take `handed`, or a free slot if null
};

Lease& Lease::operator=(Lease&& o) noexcept {
  if (this != &o) {
    if (pool_ && conn_) pool_->release(std::move(conn_));
    pool_ = o.pool_;
    conn_ = std::move(o.conn_);
    o.pool_ = nullptr;
  }
  return *this;
}

Lease::~Lease() {
  if (pool_ && conn_) pool_->release(std::move(conn_));
}

Pool::Pool(asio::any_io_executor ex, ServerOptions server, PoolOptions options, const PoolSeries* series,
           unsigned worker)
    : ex_(std::move(ex)),
      server_(std::make_shared<const ServerOptions>(std::move(server))),
      options_(options),
      series_(series),
      worker_(worker) {}

Pool::~Pool() {
  for (auto* w : waiters_) w->timer.cancel();
}

void Pool::note_failure() {
  backoff_ = backoff_.count() == 0 ? options_.backoff_min : std::min(backoff_ * 2, options_.backoff_max);
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  // The server failed: idle connections to it are most likely dead too.
  total_ -= idle_.size();
  idle_.clear();
}

void Pool::publish() noexcept {
  if (!series_) return;
  series_->idle->set(worker_, idle_.size());
  series_->busy->set(worker_, leased_);
}

void Pool::release(std::unique_ptr<Connection> c) {
  --leased_;
  if (!c->reusable()) {
    --total_;
    // Only a lost connection says the server failed; a discarded one (state
    // unknown after a failed COMMIT, an abandoned transaction) or one that ran
    // past its deadline (the server answers others) is just dropped.
    if (c->broken() && !c->timed_out()) note_failure();
    c.reset();
  }
  if (!waiters_.empty()) {
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    w->woken = true;
    if (c) {
      w->handed = std::move(c);
      ++leased_;
    }
    w->timer.cancel();
    publish();
    return;
  }
  if (c) idle_.push_back(std::move(c));
  publish();
}

asio::awaitable<std::pair<Lease, Error>> Pool::acquire() {
  const auto start = std::chrono::steady_clock::now();
  auto leased = co_await take();
  if (series_) {
    series_->wait->observe(worker_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    publish();
  }
  co_return leased;
}

asio::awaitable<std::pair<Lease, Error>> Pool::take() {
  Error e;
  for (int attempt = 0; attempt < 64; ++attempt) {
    while (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      if (!c->idle_ok()) {
        --total_;
        continue;
      }
      if (std::chrono::steady_clock::now() - c->last_used() > options_.ping_after_idle) {
        ++leased_;
        auto err = co_await c->ping();
        --leased_;
        if (err) {
          --total_;
          continue;
        }
      }
      ++leased_;
      co_return std::pair{Lease(this, std::move(c)), e};
    }
    if (total_ < options_.max_size) {
      if (in_backoff()) {
        e.connection = true;
        e.code = 2003;
        e.message = "server " + server_->endpoint.str() + " unavailable (retrying soon)";
        co_return std::pair{Lease{}, e};
      }
      ++total_;
      ++leased_;
      auto c = std::make_unique<Connection>(ex_, server_);
      auto err = co_await c->connect();
      if (err) {
        --leased_;
        --total_;
        note_failure();
        co_return std::pair{Lease{}, err};
      }
      backoff_ = std::chrono::milliseconds(0);
      co_return std::pair{Lease(this, std::move(c)), e};
    }
    if (waiters_.size() >= options_.max_waiters) {
      e.busy = true;
      e.message = "too many queries waiting for a connection";
      co_return std::pair{Lease{}, e};
    }
    Waiter w(ex_);
    w.timer.expires_after(options_.acquire_timeout);
    waiters_.push_back(&w);
    auto it = std::prev(waiters_.end());
    co_await w.timer.async_wait(use_nothrow);
    if (!w.woken) {
      waiters_.erase(it);
      e.busy = true;
      e.timeout = true;
      e.message = "timed out waiting for a connection";
      co_return std::pair{Lease{}, e};
    }
    if (w.handed) co_return std::pair{Lease(this, std::move(w.handed)), e};
    // A slot was freed (a broken connection dropped): loop to connect.
  }
  e.busy = true;
  e.message = "no connection available";
  co_return std::pair{Lease{}, e};
}

}  // namespace foobar::db
