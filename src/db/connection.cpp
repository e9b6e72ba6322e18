#include "db/connection.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <mutex>
#include <vector>

namespace foobar::db {

void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

// The Asio side of the connection, shared with the deadline timer's handler so
// the handler may outlive the Connection safely.
struct Connection::Io {
  explicit Io(asio::any_io_executor ex) : descriptor(ex), timer(ex), deadline(ex) {}
  asio::posix::stream_descriptor descriptor;
  asio::steady_timer timer;     // Connector/C's own timeouts (MYSQL_WAIT_TIMEOUT)
  asio::steady_timer deadline;  // our per-operation deadline
  int fd = -1;                  // the socket the descriptor watches
  bool timed_out = false;
  unsigned generation = 0;      // which operation the deadline belongs to
};

// A prepared statement with its bindings, kept from one execution to the next
// so that running it again allocates nothing for them.
struct Connection::Statement {
  explicit Statement(MYSQL_STMT* s) : stmt(s) {}
  ~Statement() { mysql_stmt_close(stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  MYSQL_STMT* stmt;
  std::vector<MYSQL_BIND> params;
  std::vector<long long> ints;
  std::vector<MYSQL_BIND> columns;
  std::vector<std::string> buffers;  // one per column, grown to the result's longest value
  std::vector<unsigned long> lengths;
  std::vector<my_bool> nulls, errors;
};

Connection::Connection(asio::any_io_executor ex, std::shared_ptr<const ServerOptions> options)
    : options_(std::move(options)), server_name_(options_->endpoint.str()), io_(std::make_shared<Io>(ex)) {
  init_library();
}

Connection::~Connection() {
  disarm_deadline();
  error_code ignored;
  if (io_->descriptor.is_open()) io_->descriptor.release();
  io_->fd = -1;
  statements_.clear();  // before mysql_close: statements belong to the connection
  if (mysql_) mysql_close(mysql_);
}

bool Connection::idle_ok() const noexcept {
  if (broken_ || !mysql_) return false;
  int fd = static_cast<int>(mysql_get_socket(mysql_));
  if (fd < 0) return false;
  // An idle connection has nothing to read: readable means EOF or an error packet.
  pollfd p{fd, POLLIN, 0};
  int n = ::poll(&p, 1, 0);
  return n == 0;
}

void Connection::sync_descriptor() {
  int fd = mysql_ ? static_cast<int>(mysql_get_socket(mysql_)) : -1;
  if (fd == io_->fd) return;
  // Release before anything else on this thread could reuse the fd number.
  if (io_->descriptor.is_open()) io_->descriptor.release();
  io_->fd = -1;
  if (fd >= 0) {
    error_code ec;
    io_->descriptor.assign(fd, ec);
    if (!ec) io_->fd = fd;
  }
}

void Connection::arm_deadline(std::chrono::milliseconds timeout) {
  auto io = io_;
  io->timed_out = false;
  unsigned gen = ++io->generation;
  io->deadline.expires_after(timeout);
  io->deadline.async_wait([io, gen](error_code ec) {
    if (ec || gen != io->generation) return;
    io->timed_out = true;
    // Shutting the socket down makes Connector/C's next read/write fail, so its
    // state machine finishes with an error instead of being abandoned midway.
    if (io->fd >= 0) ::shutdown(io->fd, SHUT_RDWR);
    error_code ignored;
    io->timer.cancel();
  });
}

void Connection::disarm_deadline() {
  ++io_->generation;
  io_->deadline.cancel();
}

asio::awaitable<int> Connection::wait(int status) {
  if (status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE)) {
    sync_descriptor();
    if (io_->fd < 0) co_return status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
    auto what = (status & MYSQL_WAIT_WRITE) ? asio::posix::stream_descriptor::wait_write
                                            : asio::posix::stream_descriptor::wait_read;
    co_await io_->descriptor.async_wait(what, use_nothrow);
    co_return status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
  }
  if (status & MYSQL_WAIT_TIMEOUT) {
    if (!io_->timed_out) {
      io_->timer.expires_after(std::chrono::milliseconds(mysql_get_timeout_value_ms(mysql_)));
      co_await io_->timer.async_wait(use_nothrow);
    }
    co_return MYSQL_WAIT_TIMEOUT;
  }
  co_return 0;
}

Error Connection::error_from_mysql(bool stmt_error, st_mysql_stmt* stmt) {
  Error e;
  e.code = stmt_error ? mysql_stmt_errno(stmt) : mysql_errno(mysql_);
  e.message = stmt_error ? mysql_stmt_error(stmt) : mysql_error(mysql_);
  if (e.code == 0) e.code = CR_UNKNOWN_ERROR;
  // Client-side errors (2000-2999) mean the connection itself is unusable.
  if (e.code >= 2000 && e.code < 3000) e.connection = true;
  if (io_->timed_out) {
    e.connection = true;
    e.timeout = true;
    e.message = "timed out";
    timed_out_ = true;
  }
  if (e.connection) broken_ = true;
  return e;
}

#define FOOBAR_DRIVE(status, cont_call)                     \
  while (status) {                                          \
    int ready_ = co_await wait(status);                     \
    status = cont_call;                                     \
  }                                                         \
  sync_descriptor()

asio::awaitable<Error> Connection::connect() {
  Error e;
  if (connected_ || mysql_) {
    e.code = CR_ALREADY_CONNECTED;
    e.message = "already connected";
    co_return e;
  }
  mysql_ = mysql_init(nullptr);
  if (!mysql_) {
    e.code = CR_OUT_OF_MEMORY;
    e.connection = true;
    e.message = "out of memory";
    co_return e;
  }
  mysql_options(mysql_, MYSQL_OPT_NONBLOCK, nullptr);
  unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_options(mysql_, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_options(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const auto& o = *options_;
  if (!o.tls_ca.empty()) {
    const my_bool on = 1;
    mysql_options(mysql_, MYSQL_OPT_SSL_CA, o.tls_ca.c_str());
    mysql_options(mysql_, MYSQL_OPT_SSL_ENFORCE, &on);
    mysql_options(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
  }
  arm_deadline(o.connect_timeout);
  MYSQL* ret = nullptr;
  // The connector keeps this pointer past _start (its error messages name the
  // host): it must live until the connect ends, not be a temporary.
  const std::string host = o.endpoint.host();
  int status = mysql_real_connect_start(&ret, mysql_, host.c_str(), o.user.c_str(), o.password.c_str(),
                                        o.database.empty() ? nullptr : o.database.c_str(), o.endpoint.port(),
                                        nullptr, 0);
  FOOBAR_DRIVE(status, mysql_real_connect_cont(&ret, mysql_, ready_));
  if (!ret) {
    e = error_from_mysql();
    e.connection = true;
    broken_ = true;
    disarm_deadline();
    co_return e;
  }
  if (o.track_gtid) {
    static constexpr std::string_view sql = "SET SESSION session_track_system_variables='last_gtid'";
    int err = 0;
    status = mysql_real_query_start(&err, mysql_, sql.data(), sql.size());
    FOOBAR_DRIVE(status, mysql_real_query_cont(&err, mysql_, ready_));
    if (err) {
      e = error_from_mysql();
      broken_ = true;
      disarm_deadline();
      co_return e;
    }
  }
  disarm_deadline();
  if (o.network_timeout.count() > 0) {
    const unsigned ms = static_cast<unsigned>(o.network_timeout.count());
    ::setsockopt(static_cast<int>(mysql_get_socket(mysql_)), IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
  }
  connected_ = true;
  broken_ = false;
  last_used_ = std::chrono::steady_clock::now();
  co_return e;
}

asio::awaitable<Error> Connection::ping() {
  Error e;
  if (broken_) {
    e.connection = true;
    e.message = "not connected";
    co_return e;
  }
  arm_deadline(options_->query_timeout);
  int err = 0;
  int status = mysql_ping_start(&err, mysql_);
  FOOBAR_DRIVE(status, mysql_ping_cont(&err, mysql_, ready_));
  if (err) e = error_from_mysql();
  disarm_deadline();
  last_used_ = std::chrono::steady_clock::now();
  co_return e;
}

void Connection::capture_session_track(Result& r) {
  const char* data = nullptr;
  size_t len = 0;
  if (mysql_session_track_get_first(mysql_, SESSION_TRACK_SYSTEM_VARIABLES, &data, &len) != 0) return;
  // Items come as name, value, name, value...
  bool is_name = true;
  bool want = false;
  do {
    std::string_view item(data, len);
    if (is_name) {
      want = item == "last_gtid";
    } else if (want) {
      r.last_gtid.assign(item);
    }
    is_name = !is_name;
  } while (mysql_session_track_get_next(mysql_, SESSION_TRACK_SYSTEM_VARIABLES, &data, &len) == 0);
}

Result Connection::new_result() const {
  Result r;
  r.server = server_name_;  // formatted once per connection, not per query
  if (broken_) {
    r.error.connection = true;
    r.error.message = "not connected";
  }
  return r;
}

asio::awaitable<Result> Connection::query(std::string_view sql) {
  Result r = new_result();
  if (broken_) co_return r;
  arm_deadline(options_->query_timeout);
  int err = 0;
  int status = mysql_real_query_start(&err, mysql_, sql.data(), sql.size());
  FOOBAR_DRIVE(status, mysql_real_query_cont(&err, mysql_, ready_));
  if (err) {
    r.error = error_from_mysql();
    disarm_deadline();
    co_return r;
  }
  if (mysql_field_count(mysql_) > 0) {
    MYSQL_RES* res = nullptr;
    status = mysql_store_result_start(&res, mysql_);
    FOOBAR_DRIVE(status, mysql_store_result_cont(&res, mysql_, ready_));
    if (!res) {
      r.error = error_from_mysql();
      disarm_deadline();
      co_return r;
    }
    unsigned n = mysql_num_fields(res);
    MYSQL_FIELD* fields = mysql_fetch_fields(res);
    for (unsigned i = 0; i < n; ++i) r.columns.emplace_back(fields[i].name);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* lengths = mysql_fetch_lengths(res);
      Row out(n);
      for (unsigned i = 0; i < n; ++i)
        if (row[i]) out[i].emplace(row[i], lengths[i]);
      r.rows.push_back(std::move(out));
    }
    mysql_free_result(res);
  } else {
    r.affected_rows = mysql_affected_rows(mysql_);
    r.insert_id = mysql_insert_id(mysql_);
    capture_session_track(r);
  }
  disarm_deadline();
  last_used_ = std::chrono::steady_clock::now();
  co_return r;
}

// The statement for sql, prepared on first use; nullptr with r.error set on failure.
asio::awaitable<Connection::Statement*> Connection::prepare(std::string_view sql, Result& r) {
  if (auto it = statements_.find(sql); it != statements_.end()) co_return it->second.get();
  MYSQL_STMT* stmt = mysql_stmt_init(mysql_);
  if (!stmt) {
    r.error = error_from_mysql();
    co_return nullptr;
  }
  auto owned = std::make_unique<Statement>(stmt);
  my_bool one = 1;
  mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &one);
  int err = 0;
  int status = mysql_stmt_prepare_start(&err, stmt, sql.data(), sql.size());
  FOOBAR_DRIVE(status, mysql_stmt_prepare_cont(&err, stmt, ready_));
  if (err) {
    r.error = error_from_mysql(true, stmt);
    co_return nullptr;
  }
  auto* st = owned.get();
  st->params.resize(mysql_stmt_param_count(stmt));
  st->ints.resize(st->params.size());
  statements_.emplace(std::string(sql), std::move(owned));
  co_return st;
}

asio::awaitable<Result> Connection::execute(std::string_view sql, std::span<const Param> params) {
  Result r = new_result();
  if (broken_) co_return r;
  arm_deadline(options_->query_timeout);
  struct Disarm {
    Connection& c;
    ~Disarm() { c.disarm_deadline(); }
  } disarm{*this};

  Statement* st = co_await prepare(sql, r);
  if (!st) co_return r;
  MYSQL_STMT* stmt = st->stmt;
  if (st->params.size() != params.size()) {
    r.error.code = CR_PARAMS_NOT_BOUND;
    r.error.message = "wrong number of parameters";
    co_return r;
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto& b = st->params[i];
    b = MYSQL_BIND{};
    if (std::holds_alternative<std::nullptr_t>(params[i])) {
      b.buffer_type = MYSQL_TYPE_NULL;
    } else if (auto* v = std::get_if<std::int64_t>(&params[i])) {
      st->ints[i] = *v;
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &st->ints[i];
    } else {
      auto s = std::get<std::string_view>(params[i]);
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = const_cast<char*>(s.data());
      b.buffer_length = s.size();
      b.length_value = s.size();
    }
  }
  if (!params.empty() && mysql_stmt_bind_param(stmt, st->params.data())) {
    r.error = error_from_mysql(true, stmt);
    co_return r;
  }
  int err = 0;
  int status = mysql_stmt_execute_start(&err, stmt);
  FOOBAR_DRIVE(status, mysql_stmt_execute_cont(&err, stmt, ready_));
  if (err) {
    r.error = error_from_mysql(true, stmt);
    co_return r;
  }
  const unsigned n = mysql_stmt_field_count(stmt);
  if (n == 0) {
    r.affected_rows = mysql_stmt_affected_rows(stmt);
    r.insert_id = mysql_stmt_insert_id(stmt);
    capture_session_track(r);
    last_used_ = std::chrono::steady_clock::now();
    co_return r;
  }
  status = mysql_stmt_store_result_start(&err, stmt);
  FOOBAR_DRIVE(status, mysql_stmt_store_result_cont(&err, stmt, ready_));
  if (err) {
    r.error = error_from_mysql(true, stmt);
    co_return r;
  }
  struct FreeResult {
    MYSQL_STMT* s;
    ~FreeResult() { mysql_stmt_free_result(s); }
  } free_result{stmt};

  // Bind every column as text, in buffers sized to this result's longest value
  // (STMT_ATTR_UPDATE_MAX_LENGTH): no value needs a second fetch.
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
  MYSQL_FIELD* fields = meta ? mysql_fetch_fields(meta) : nullptr;
  st->columns.resize(n);
  st->buffers.resize(n);
  st->lengths.resize(n);
  st->nulls.resize(n);
  st->errors.resize(n);
  r.columns.reserve(n);
  for (unsigned i = 0; i < n; ++i) {
    if (fields) r.columns.emplace_back(fields[i].name);
    const std::size_t size = (fields ? std::max<std::size_t>(fields[i].max_length, 64) : 256) + 1;
    if (st->buffers[i].size() < size) st->buffers[i].resize(size);
    auto& b = st->columns[i];
    b = MYSQL_BIND{};
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = st->buffers[i].data();
    b.buffer_length = st->buffers[i].size();
    b.length = &st->lengths[i];
    b.is_null = &st->nulls[i];
    b.error = &st->errors[i];
  }
  if (meta) mysql_free_result(meta);
  if (mysql_stmt_bind_result(stmt, st->columns.data())) {
    r.error = error_from_mysql(true, stmt);
    co_return r;
  }
  // store_result has the rows in memory: fetching does no I/O.
  r.rows.reserve(mysql_stmt_num_rows(stmt));
  for (;;) {
    int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) {
      r.error = error_from_mysql(true, stmt);
      break;
    }
    Row& row = r.rows.emplace_back(n);
    for (unsigned i = 0; i < n; ++i) {
      if (st->nulls[i]) continue;
      if (st->lengths[i] <= st->buffers[i].size()) {
        row[i].emplace(st->buffers[i].data(), st->lengths[i]);
      } else {  // longer than max_length said: fetch it whole
        std::string big(st->lengths[i], '\0');
        MYSQL_BIND b{};
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = big.data();
        b.buffer_length = big.size();
        mysql_stmt_fetch_column(stmt, &b, i, 0);
        row[i] = std::move(big);
      }
    }
  }
  last_used_ = std::chrono::steady_clock::now();
  co_return r;
}

}  // namespace foobar::db
#undef FOOBAR_DRIVE
