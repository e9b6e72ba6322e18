#pragma once
// Per-worker open-file cache, like nginx's open_file_cache: an open fd, its
// stat, validators and (for small files) the bytes, reused for `validity`
// before the file is looked up again. One per worker thread: no locks.
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
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

class FileCache {
 public:
  enum class Error { None, NotFound, Forbidden, IsDirectory };
  struct Result {
    std::shared_ptr<const OpenFile> file;  // set when error == None
    Error error = Error::None;
  };

  // root_fd: an O_PATH/O_DIRECTORY fd of the document root (not owned).
  FileCache(int root_fd, std::chrono::milliseconds validity, std::uint64_t max_content_bytes);

  // Opens relative (no leading '/', "" = root) beneath the root: symlinks may not
  // lead outside it. Directories report IsDirectory; non-regular files Forbidden.
  Result open(const std::string& relative);

 private:
  struct Entry {
    Result result;
    std::chrono::steady_clock::time_point expires;
  };
  Result load(const std::string& relative);
  int root_fd_;
  std::chrono::milliseconds validity_;
  std::uint64_t max_content_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace foobar::web
