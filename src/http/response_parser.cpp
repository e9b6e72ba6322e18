// ResponseParser: RFC 9112 response heads from upstreams. Same two phases and
// field rules as requests; every malformation is a 502 for the proxy.
#include "http/parser.hpp"

namespace foobar::http {
namespace {

ParseResult bad(const char* reason) noexcept { return ParseResult{ParseStatus::Error, 502, reason}; }

// status-line = HTTP-version SP 3DIGIT SP [reason-phrase]. The SP before an
// empty reason is often omitted in practice ("HTTP/1.1 200"); that is accepted.
ParseResult parse_status_line(std::string_view line, Response& out) noexcept {
  if (line.size() < 12 || line[8] != ' ') return bad("invalid status line");
  if (detail::parse_version(line.substr(0, 8), out.version) != 1) return bad("unsupported HTTP version");
  int status = 0;
  for (std::size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return bad("invalid status code");
    status = status * 10 + (line[i] - '0');
  }
  if (status < 100 || status > 599) return bad("invalid status code");
  out.status = status;
  if (line.size() > 12) {
    if (line[12] != ' ') return bad("invalid status line");
    const std::string_view reason = line.substr(13);
    for (const char c : reason) {
      if (!detail::is(c, detail::kField)) return bad("invalid reason phrase");
    }
    out.reason = reason;
  }
  return ParseResult{ParseStatus::Complete, 0, {}};
}

}  // namespace

ParseResult ResponseParser::parse(std::string_view buf, Method request_method, Response& out) {
  if (scan_.head_end != 0) return finish(buf, request_method, out);
  const detail::ScanLimits limits{limits_.max_request_line, limits_.max_header_bytes,
                                  limits_.max_header_count, false};
  for (;;) {
    switch (detail::scan_head(buf, limits, scan_)) {
      case detail::ScanResult::Incomplete:
        return ParseResult{};
      case detail::ScanResult::StartLine: {
        Response scratch;  // early check of the status line; no allocation (empty vector)
        const ParseResult r =
            parse_status_line(buf.substr(scan_.start, scan_.start_line_end - 2 - scan_.start), scratch);
        if (r.status == ParseStatus::Error) return r;
        break;
      }
      case detail::ScanResult::Complete:
        return finish(buf, request_method, out);
      case detail::ScanResult::BareLf:
        return bad("bare LF in response head");
      case detail::ScanResult::ObsFold:
        return bad("obsolete line folding");
      case detail::ScanResult::BadFieldLine:
        return bad("invalid header field line");
      case detail::ScanResult::StartLineTooLong:
        return bad("status line too long");
      case detail::ScanResult::HeadTooLarge:
        return bad("response header too large");
      case detail::ScanResult::TooManyFields:
        return bad("too many response header fields");
    }
  }
}

ParseResult ResponseParser::finish(std::string_view buf, Method request_method, Response& out) {
  out.clear();
  if (out.headers.fields.capacity() < 32) out.headers.fields.reserve(32);
  const ParseResult r =
      parse_status_line(buf.substr(scan_.start, scan_.start_line_end - 2 - scan_.start), out);
  if (r.status == ParseStatus::Error) return r;

  detail::FramingFields f;
  if (const char* why = detail::parse_fields(buf, scan_.start_line_end, scan_.head_end - 2, out.headers, f)) {
    return bad(why);
  }
  if (f.cl_invalid) return bad("invalid Content-Length");
  if (f.te_seen) {
    // Strict on purpose: a proxy must never guess where an upstream response ends.
    if (f.cl_seen) return bad("Content-Length with Transfer-Encoding");
    if (out.version == Version::Http10) return bad("Transfer-Encoding in HTTP/1.0");
    if (f.te_invalid || !f.te_chunked_last || f.te_unknown) return bad("unsupported Transfer-Encoding");
  }
  out.content_length = f.content_length;  // also informative for HEAD and 304

  // RFC 9112 6.3: no body after HEAD, 1xx, 204, 304, or a 2xx to CONNECT (a tunnel).
  const int s = out.status;
  const bool no_body = request_method == Method::Head || s < 200 || s == 204 || s == 304 ||
                       (request_method == Method::Connect && s < 300);
  if (no_body) {
    out.body = BodyKind::None;
  } else if (f.te_seen) {
    out.body = BodyKind::Chunked;
  } else if (f.cl_seen) {
    out.body = BodyKind::ContentLength;
  } else {
    out.body = BodyKind::UntilClose;
  }
  out.keep_alive = detail::keep_alive(out.version, f) && out.body != BodyKind::UntilClose;
  out.head_size = scan_.head_end;
  return ParseResult{ParseStatus::Complete, 0, {}};
}

void ResponseParser::reset() noexcept { scan_ = {}; }

}  // namespace foobar::http
