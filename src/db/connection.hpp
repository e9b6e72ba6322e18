#pragma once
// One MariaDB connection driven by Connector/C's non-blocking API: every
// *_start/*_cont step that would block becomes an Asio wait on the socket, so
// the worker thread never blocks on the database. A connection belongs to one
// io_context (one worker) for its whole life.
#include <chrono>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/asio.hpp"
#include "net/address.hpp"
#include "db/result.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace foobar::db {

struct ServerOptions {
  net::Address endpoint;
  std::string user;
  std::string password;
  std::string database;  // may be empty (monitor connections)
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds query_timeout{5000};
  // Sent bytes that the server's TCP has not acknowledged within this time end
  // the connection (TCP_USER_TIMEOUT): a partitioned server fails queries in
  // about this time instead of query_timeout. A slow query is unaffected (its request
  // is acknowledged at once). 0: the kernel's default (minutes).
  std::chrono::milliseconds network_timeout{1000};
  bool track_gtid = true;  // ask the server for last_gtid in every OK packet
  // TLS required, the server's certificate (and its name or address) verified
  // against this CA file; "": plain TCP.
  std::string tls_ca;
};

// Initializes Connector/C once per process (it is not thread-safe the first time).
void init_library();

class Connection {
 public:
  Connection(asio::any_io_executor ex, std::shared_ptr<const ServerOptions> options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects within connect_timeout. A connection is connected at most once.
  asio::awaitable<Error> connect();
  // Text-protocol statement (monitoring, MASTER_GTID_WAIT...); within query_timeout.
  asio::awaitable<Result> query(std::string_view sql);
  // Prepared statement, prepared once per connection and cached by its text.
  asio::awaitable<Result> execute(std::string_view sql, std::span<const Param> params);
  asio::awaitable<Error> ping();

  // True once the connection is unusable (lost, timed out, never connected):
  // the server or the network failed.
  bool broken() const noexcept { return broken_; }
  // Makes the pool drop it instead of reusing it (e.g. abandoned mid-transaction,
  // state unknown). Unlike broken(), says nothing about the server's health.
  void discard() noexcept { discarded_ = true; }
  bool reusable() const noexcept { return !broken_ && !discarded_; }
  // Broken by our deadline (a slow or held statement: a commit waiting for a
  // semi-sync ACK), not by the network or the server going away.
  bool timed_out() const noexcept { return timed_out_; }
  // Cheap check (one poll) that an idle connection was not closed by the server.
  bool idle_ok() const noexcept;
  const ServerOptions& options() const noexcept { return *options_; }
  std::chrono::steady_clock::time_point last_used() const noexcept { return last_used_; }

 private:
  struct Io;
  struct Statement;
  asio::awaitable<Statement*> prepare(std::string_view sql, Result& r);
  asio::awaitable<int> wait(int status);
  void arm_deadline(std::chrono::milliseconds timeout);
  void disarm_deadline();
  void sync_descriptor();
  Error error_from_mysql(bool stmt_error = false, st_mysql_stmt* stmt = nullptr);
  void capture_session_track(Result& r);
  // A result naming this server; already failed ("not connected") when the connection is broken.
  Result new_result() const;

  std::shared_ptr<const ServerOptions> options_;
  std::string server_name_;  // options_->endpoint as text, for every Result
  std::shared_ptr<Io> io_;
  st_mysql* mysql_ = nullptr;
  std::map<std::string, std::unique_ptr<Statement>, std::less<>> statements_;
  std::chrono::steady_clock::time_point last_used_{};
  bool connected_ = false;
  bool broken_ = true;
  bool discarded_ = false;
  bool timed_out_ = false;
};

}  // namespace foobar::db
