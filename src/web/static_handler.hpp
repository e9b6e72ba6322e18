#pragma once
// The nginx role's static part: GET/HEAD of files beneath a document root,
// with validators, conditional and range requests, precompressed siblings.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "http/exchange.hpp"
#include "web/file_cache.hpp"
#include "web/preconditions.hpp"

namespace foobar::web {

// Cache-Control for paths starting with prefix, or files ending with extension.
struct CacheControlRule {
  std::string prefix;     // "/assets/" (or empty)
  std::string extension;  // ".css" (or empty)
  std::string value;      // "public, max-age=31536000, immutable"
};

struct StaticConfig {
  std::string root;
  std::vector<CacheControlRule> cache_control;  // first match wins; see default_cache_control()
  FileCacheOptions open_file_cache;
};

// HTML revalidates on every use (ETag makes that cheap); other assets are fresh for an hour.
std::vector<CacheControlRule> default_cache_control();

// The static files' series in the web role's registry.
struct StaticMetrics {
  explicit StaticMetrics(core::metrics::Registry& registry);
  core::metrics::Counter& hits;          // files (or ranges of them) served: 200, 206
  core::metrics::Counter& not_modified;  // 304
  core::metrics::Counter& misses;        // 404
  core::metrics::Counter& sent_bytes;    // body bytes of the files served
};

class StaticHandler final : public http::Handler {
 public:
  // root_fd: the document root opened O_PATH|O_DIRECTORY, shared by all workers.
  // metrics: counted by worker `worker` (none: not counted).
  StaticHandler(std::shared_ptr<const StaticConfig> config, int root_fd, const StaticMetrics* metrics,
                unsigned worker);
  asio::awaitable<http::Outcome> handle(http::Exchange& ex) override;

 private:
  asio::awaitable<void> serve(http::Exchange& ex, const OpenFile& file, std::string_view name,
                              std::string_view encoding, bool vary);
  asio::awaitable<void> serve_multipart(http::Exchange& ex, const OpenFile& file,
                                        std::string_view type, const std::vector<ByteRange>& ranges);
  // The first rule matching the request path (prefix) and the served file (extension).
  std::string_view cache_control_for(std::string_view path, std::string_view file) const;
  void count_hit(std::uint64_t body_bytes) const noexcept;
  void count_miss() const noexcept;

  std::shared_ptr<const StaticConfig> config_;
  FileCache cache_;
  const StaticMetrics* metrics_;
  unsigned worker_;
  std::uint64_t boundary_seq_ = 0;
};

}  // namespace foobar::web
