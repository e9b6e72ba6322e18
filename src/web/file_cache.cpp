#include "web/file_cache.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <fmt/format.h>

#include "http/date.hpp"

namespace foobar::web {
namespace {

// Without openat2 (old kernels, valgrind): open, then check where the fd really
// points. Slower and racier than the kernel's check, but never serves outside the root.
int open_checked(int root_fd, const char* path, int flags) {
  int fd = ::openat(root_fd, path, flags);
  if (fd < 0) return fd;
  char self[64], target[PATH_MAX + 1], root[PATH_MAX + 1];
  std::snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
  ssize_t n = ::readlink(self, target, PATH_MAX);
  std::snprintf(self, sizeof self, "/proc/self/fd/%d", root_fd);
  ssize_t r = ::readlink(self, root, PATH_MAX);
  if (n > 0 && r > 0) {
    std::string_view t(target, static_cast<std::size_t>(n)), base(root, static_cast<std::size_t>(r));
    if (t.starts_with(base) && (t.size() == base.size() || t[base.size()] == '/' || base == "/")) return fd;
  }
  ::close(fd);
  errno = EXDEV;
  return -1;
}

// openat2(RESOLVE_BENEATH): the kernel refuses any resolution (.., absolute or
// relative symlinks) that would leave the root, so the check cannot race.
int open_beneath(int root_fd, const std::string& relative) {
  static std::atomic<bool> have_openat2{true};
  const int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
  const char* path = relative.empty() ? "." : relative.c_str();
  if (have_openat2) {
    open_how how{};
    how.flags = flags;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    long fd;
    do fd = syscall(SYS_openat2, root_fd, path, &how, sizeof how);
    while (fd < 0 && errno == EINTR);
    if (fd >= 0 || errno != ENOSYS) return static_cast<int>(fd);
    have_openat2 = false;
  }
  return open_checked(root_fd, path, flags);
}

std::uint64_t content_bytes(const FileCache::Result& r) noexcept { return r.file ? r.file->content.size() : 0; }

}  // namespace

OpenFile::~OpenFile() {
  if (fd >= 0) ::close(fd);
}

FileCache::FileCache(int root_fd, FileCacheOptions options) : root_fd_(root_fd), options_(options) {}

FileCache::Result FileCache::open(const std::string& relative) {
  auto now = std::chrono::steady_clock::now();
  if (auto it = entries_.find(relative); it != entries_.end()) {
    if (now < it->second.expires) {
      recency_.splice(recency_.begin(), recency_, it->second.recency);
      return it->second.result;
    }
    erase(it);
  }
  // Misses are cached too (for `validity`), so absent precompressed siblings cost nothing.
  Result r = load(relative);
  auto it = entries_.emplace(relative, Entry{r, now + options_.validity, {}}).first;
  recency_.push_front(&it->first);
  it->second.recency = recency_.begin();
  memory_ += content_bytes(r);
  // Responses still sending an evicted file keep it open through their shared_ptr.
  while (!recency_.empty() && (entries_.size() > options_.max_entries || memory_ > options_.max_memory))
    erase(entries_.find(*recency_.back()));
  return r;
}

void FileCache::erase(Map::iterator it) {
  memory_ -= content_bytes(it->second.result);
  recency_.erase(it->second.recency);
  entries_.erase(it);
}

FileCache::Result FileCache::load(const std::string& relative) {
  int fd = open_beneath(root_fd_, relative);
  if (fd < 0) return {nullptr, errno == EACCES || errno == EPERM ? Error::Forbidden : Error::NotFound};
  auto file = std::make_shared<OpenFile>();
  file->fd = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return {nullptr, Error::NotFound};
  if (S_ISDIR(st.st_mode)) return {nullptr, Error::IsDirectory};
  if (!S_ISREG(st.st_mode)) return {nullptr, Error::Forbidden};
  if (!relative.ends_with(".gz") && !relative.ends_with(".br")) {
    auto sibling_exists = [&](const char* ext) {
      int sfd = open_beneath(root_fd_, relative + ext);
      if (sfd >= 0) ::close(sfd);
      return sfd >= 0;
    };
    file->has_gzip = sibling_exists(".gz");
    file->has_brotli = sibling_exists(".br");
  }
  file->size = static_cast<std::uint64_t>(st.st_size);
  file->mtime = st.st_mtim.tv_sec;
  file->etag = fmt::format("\"{:x}-{:x}\"", st.st_mtim.tv_sec, st.st_size);
  char date[http::kHttpDateLen];
  http::format_http_date(st.st_mtim.tv_sec, date);
  file->last_modified.assign(date, sizeof date);
  if (file->size <= options_.max_file_bytes) {
    file->content.resize(file->size);
    std::size_t got = 0;
    while (got < file->size) {
      ssize_t n = ::pread(fd, file->content.data() + got, file->size - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got != file->size) return {nullptr, Error::Forbidden};  // unreadable (EIO, EISDIR...)
    file->has_content = true;
  }
  return {std::move(file), Error::None};
}

}  // namespace foobar::web
