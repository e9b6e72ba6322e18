#pragma once
// Per-worker open-file cache, like nginx's open_file_cache: an open fd, its
// stat, validators and (for small files) the bytes, reused for `validity`
// before the file is looked up again. Bounded in entries and in bytes held;
// the least recently used entries go first. One per worker thread: no locks.
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace foobar::web {

struct OpenFile {
  int fd = -1;
  std::uint64_t size = 0;
  std::time_t mtime = 0;
  std::string etag;           // strong: "mtime-size" in hex, quoted
  std::string last_modified;  // IMF-fixdate
  std::string content;        // whole file when small enough, else empty
  bool has_content = false;
  bool has_gzip = false;      // a precompressed sibling "<name>.gz" exists
  bool has_brotli = false;    // "<name>.br" exists
  ~OpenFile();
};

struct FileCacheOptions {
  std::chrono::milliseconds validity{1000};  // an entry is looked up again after this
  std::uint64_t max_file_bytes = 64 * 1024;  // files up to this size are kept in memory
  std::size_t max_entries = 1000;            // open fds (and cached misses) per worker
  std::uint64_t max_memory = 32 << 20;       // file bytes kept in memory per worker
};

class FileCache {
 public:
  enum class Error { None, NotFound, Forbidden, IsDirectory };
  struct Result {
    std::shared_ptr<const OpenFile> file;  // set when error == None
    Error error = Error::None;
  };

  // root_fd: an O_PATH/O_DIRECTORY fd of the document root (not owned).
  FileCache(int root_fd, FileCacheOptions options);

  // Opens relative (no leading '/', "" = root) beneath the root: symlinks may not
  // lead outside it. Directories report IsDirectory; non-regular files Forbidden.
  Result open(const std::string& relative);

 private:
  // Recency holds pointers to the map's keys: unlike iterators, they survive rehashing.
  using Recency = std::list<const std::string*>;
  struct Entry {
    Result result;
    std::chrono::steady_clock::time_point expires;
    Recency::iterator recency;
  };
  using Map = std::unordered_map<std::string, Entry>;
  Result load(const std::string& relative);
  void erase(Map::iterator it);
  int root_fd_;
  FileCacheOptions options_;
  Map entries_;
  Recency recency_;                   // most recently used first
  std::uint64_t memory_ = 0;          // content bytes held by entries_
};

}  // namespace foobar::web
