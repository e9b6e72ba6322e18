#pragma once
// What a query returns: an error, or rows (every value as text, NULL as nullopt)
// plus the write's metadata. Plain data; the app maps rows into its own structs.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace foobar::db {

struct Error {
  unsigned code = 0;        // server (1xxx) or client (2xxx) error number; 0 = no error
  std::string message;
  bool connection = false;  // the server is unreachable or the connection broke
  bool timeout = false;     // the operation ran past its deadline
  bool busy = false;        // the pool is saturated (no connection, wait queue full)
  // A write was sent but no answer came (connection lost, timeout): it may have
  // taken effect. Unset, a failed write certainly did not.
  bool indeterminate = false;

  explicit operator bool() const noexcept { return code != 0 || connection || busy; }
  // The server could not be reached or stopped answering (a client-side error,
  // 2xxx, or a timeout), as opposed to a server that answered with a refusal.
  bool unreachable() const noexcept { return timeout || (code >= 2000 && code < 3000); }
};

using Value = std::optional<std::string>;
using Row = std::vector<Value>;

struct Result {
  Error error;
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::uint64_t affected_rows = 0;
  std::uint64_t insert_id = 0;
  std::string last_gtid;  // GTID of the write, from the OK packet (session tracking)
  std::string server;     // which server answered ("127.0.0.1:3306"), for logs and health

  bool ok() const noexcept { return !error; }
  // Index of the named column, or -1.
  int column(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < columns.size(); ++i)
      if (columns[i] == name) return static_cast<int>(i);
    return -1;
  }
};

// A prepared-statement parameter.
using Param = std::variant<std::nullptr_t, std::int64_t, std::string_view>;

}  // namespace foobar::db
