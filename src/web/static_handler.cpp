#include "web/static_handler.hpp"

#include <fmt/format.h>

#include "core/text.hpp"
#include "http/error_response.hpp"
#include "web/mime_types.hpp"
#include "web/preconditions.hpp"
#include "web/url_path.hpp"

namespace foobar::web {
namespace {

constexpr std::string_view kIndex = "index.html";

// Whether Accept-Encoding admits coding with a non-zero quality (RFC 9110 12.5.3).
bool accepts(std::string_view header, std::string_view coding) {
  bool star = false;
  while (!header.empty()) {
    auto params = core::pop_item(header, ',');
    auto name = core::trim_ows(core::pop_item(params, ';'));
    bool zero = false;
    if (auto eq = params.find('='); eq != std::string_view::npos) {  // ";q=0", ";q=0.000"
      auto v = core::trim_ows(params.substr(eq + 1));
      zero = v.starts_with('0') && v.find_first_not_of("0.") == std::string_view::npos;
    }
    if (http::iequals(name, coding)) return !zero;
    if (name == "*") star = !zero;
  }
  return star;
}

}  // namespace

std::vector<CacheControlRule> default_cache_control() {
  return {{"", ".html", "no-cache"}, {"", "", "public, max-age=3600"}};
}

StaticMetrics::StaticMetrics(core::metrics::Registry& r)
    : hits(r.counter("foobar_web_static_hits_total", "Files (or ranges of them) served: 200 and 206.")),
      not_modified(r.counter("foobar_web_static_not_modified_total", "304 Not Modified: the client's copy is current.")),
      misses(r.counter("foobar_web_static_misses_total", "Paths with no file to serve: 404.")),
      sent_bytes(r.counter("foobar_web_static_sent_bytes_total", "Body bytes of the files served.")) {}

StaticHandler::StaticHandler(std::shared_ptr<const StaticConfig> config, int root_fd, const StaticMetrics* metrics,
                             unsigned worker)
    : config_(std::move(config)), cache_(root_fd, config_->open_file_cache), metrics_(metrics), worker_(worker) {}

void StaticHandler::count_hit(std::uint64_t body_bytes) const noexcept {
  if (!metrics_) return;
  metrics_->hits.add(worker_);
  metrics_->sent_bytes.add(worker_, body_bytes);
}

void StaticHandler::count_miss() const noexcept {
  if (metrics_) metrics_->misses.add(worker_);
}

std::string_view StaticHandler::cache_control_for(std::string_view path, std::string_view file) const {
  for (const auto& rule : config_->cache_control) {
    if (!rule.prefix.empty() && !path.starts_with(rule.prefix)) continue;
    if (!rule.extension.empty() && !file.ends_with(rule.extension)) continue;
    return rule.value;
  }
  return {};
}

asio::awaitable<http::Outcome> StaticHandler::handle(http::Exchange& ex) {
  const auto& req = ex.request();
  if (req.method != http::Method::Get && req.method != http::Method::Head) {
    const http::Header allow[] = {{"Allow", "GET, HEAD"}};
    co_await http::send_error(ex, 405, {}, {.extra = allow});
    co_return http::Outcome::Handled;
  }
  UrlPath url = resolve_url_path(req.path);
  if (url.verdict == UrlPath::Verdict::BadRequest) {
    co_await http::send_error(ex, 400, "bad request path");
    co_return http::Outcome::Handled;
  }
  if (url.verdict == UrlPath::Verdict::NotFound) {
    count_miss();
    co_await http::send_error(ex, 404);
    co_return http::Outcome::Handled;
  }
  std::string name = std::move(url.relative);
  if (url.trailing_slash) {
    if (!name.empty()) name += '/';
    name += kIndex;
  }
  auto found = cache_.open(name);
  if (found.error == FileCache::Error::IsDirectory && !url.trailing_slash) {
    std::string location(req.path);
    location += '/';
    if (!req.query.empty()) (location += '?') += req.query;
    auto& h = ex.begin(301);
    h.add("Location", location);
    h.add("Content-Length", std::string_view("0"));
    co_await ex.send();
    co_return http::Outcome::Handled;
  }
  if (found.error == FileCache::Error::Forbidden) {
    co_await http::send_error(ex, 403);
    co_return http::Outcome::Handled;
  }
  if (found.error != FileCache::Error::None) {
    count_miss();
    co_await http::send_error(ex, 404);
    co_return http::Outcome::Handled;
  }

  // A precompressed sibling, if the client takes it (brotli first: smaller).
  const OpenFile* file = found.file.get();
  std::shared_ptr<const OpenFile> variant;
  std::string_view encoding;
  bool vary = file->has_gzip || file->has_brotli;
  if (vary) {
    auto accept = req.headers.get("accept-encoding");
    for (auto [has, coding, ext] : {std::tuple{file->has_brotli, "br", ".br"},
                                    std::tuple{file->has_gzip, "gzip", ".gz"}}) {
      if (!has || !accepts(accept, coding)) continue;
      auto v = cache_.open(name + ext);
      if (v.error != FileCache::Error::None) continue;
      variant = std::move(v.file);
      file = variant.get();
      encoding = coding;
      break;
    }
  }
  co_await serve(ex, *file, name, encoding, vary);
  co_return http::Outcome::Handled;
}

asio::awaitable<void> StaticHandler::serve(http::Exchange& ex, const OpenFile& file,
                                           std::string_view name, std::string_view encoding,
                                           bool vary) {
  const auto& req = ex.request();
  auto type = mime_type(name);
  auto add_validators = [&](http::ResponseHead& h) {
    h.add_trusted("Last-Modified", file.last_modified);
    h.add_trusted("ETag", file.etag);
    if (auto cc = cache_control_for(req.path, name); !cc.empty()) h.add("Cache-Control", cc);
    if (vary) h.add_trusted("Vary", "Accept-Encoding");
  };

  if (int status = evaluate_preconditions(req, file.etag, file.mtime)) {
    auto& h = ex.begin(status);
    if (status == 304) {
      if (metrics_) metrics_->not_modified.add(worker_);
      add_validators(h);
    } else {
      h.add("Content-Length", std::string_view("0"));
    }
    co_await ex.send();
    co_return;
  }

  auto range = evaluate_range(req, file.size, file.etag, file.mtime);
  if (range.kind == RangeRequest::Kind::Unsatisfiable) {
    auto& h = ex.begin(416);
    h.add("Content-Range", fmt::format("bytes */{}", file.size));
    h.add("Content-Length", std::string_view("0"));
    co_await ex.send();
    co_return;
  }
  if (range.kind == RangeRequest::Kind::Partial && range.ranges.size() > 1) {
    co_await serve_multipart(ex, file, type, range.ranges);
    co_return;
  }

  std::uint64_t first = 0, length = file.size;
  auto& h = ex.begin(range.kind == RangeRequest::Kind::Partial ? 206 : 200);
  h.add_trusted("Content-Type", type);  // generated or from our tables
  if (!encoding.empty()) h.add_trusted("Content-Encoding", encoding);
  if (range.kind == RangeRequest::Kind::Partial) {
    first = range.ranges[0].first;
    length = range.ranges[0].length;
    h.add("Content-Range", fmt::format("bytes {}-{}/{}", first, first + length - 1, file.size));
  }
  h.add("Content-Length", length);
  h.add_trusted("Accept-Ranges", "bytes");
  add_validators(h);
  count_hit(length);
  if (file.has_content)
    co_await ex.send(std::string_view(file.content).substr(first, length));
  else
    co_await ex.send_file(file.fd, first, length);
}

// Several ranges: one multipart/byteranges body (RFC 9110 14.6), parts streamed.
asio::awaitable<void> StaticHandler::serve_multipart(http::Exchange& ex, const OpenFile& file,
                                                     std::string_view type,
                                                     const std::vector<ByteRange>& ranges) {
  std::string boundary = fmt::format("foobar-{:016x}", ++boundary_seq_ ^ reinterpret_cast<std::uintptr_t>(this));
  std::vector<std::string> part_heads;
  std::uint64_t total = 0;
  for (const auto& r : ranges) {
    part_heads.push_back(fmt::format("\r\n--{}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                                     boundary, type, r.first, r.first + r.length - 1, file.size));
    total += part_heads.back().size() + r.length;
  }
  std::string tail = fmt::format("\r\n--{}--\r\n", boundary);
  total += tail.size();

  count_hit(total);
  auto& h = ex.begin(206);
  h.add("Content-Type", "multipart/byteranges; boundary=" + boundary);
  h.add("Content-Length", total);
  h.add_trusted("Last-Modified", file.last_modified);
  h.add_trusted("ETag", file.etag);
  if (!co_await ex.send_head()) co_return;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    if (!co_await ex.write(part_heads[i])) co_return;
    bool ok = file.has_content
                  ? co_await ex.write(std::string_view(file.content).substr(ranges[i].first, ranges[i].length))
                  : co_await ex.write_file(file.fd, ranges[i].first, ranges[i].length);
    if (!ok) co_return;
  }
  co_await ex.write(tail);
}

}  // namespace foobar::web
