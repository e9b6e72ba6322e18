// RequestParser: RFC 9112 request heads. Phase 1 (detail::scan_head) finds the
// end of the head incrementally and enforces the size limits; the request line
// is validated as soon as it is complete; phase 2 parses the complete head once.
#include "http/parser.hpp"

namespace foobar::http {
namespace {

using detail::is;

ParseResult error(int status, const char* reason) noexcept {
  return ParseResult{ParseStatus::Error, status, reason};
}

Method method_from(std::string_view m) noexcept {
  switch (m.size()) {
    case 3:
      if (m == "GET") return Method::Get;
      if (m == "PUT") return Method::Put;
      break;
    case 4:
      if (m == "HEAD") return Method::Head;
      if (m == "POST") return Method::Post;
      break;
    case 5:
      if (m == "PATCH") return Method::Patch;
      if (m == "TRACE") return Method::Trace;
      break;
    case 6:
      if (m == "DELETE") return Method::Delete;
      break;
    case 7:
      if (m == "OPTIONS") return Method::Options;
      if (m == "CONNECT") return Method::Connect;
      break;
    default:
      break;
  }
  return Method::Other;  // methods are case-sensitive: "get" is some other method
}

void split_path_query(std::string_view t, Request& out) noexcept {
  const std::size_t q = t.find('?');
  out.path = t.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

// authority-form (CONNECT only): uri-host ":" port.
bool valid_authority_form(std::string_view t) noexcept {
  const std::size_t colon = t.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == t.size()) return false;
  for (std::size_t i = colon + 1; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return detail::valid_host(t.substr(0, colon));
}

// absolute-form: "http" / "https" "://" authority [path-abempty] ["?" query].
// The authority becomes out.host (RFC 9112 3.2.2: it overrides the Host header).
bool parse_absolute_form(std::string_view t, Request& out) noexcept {
  static constexpr std::string_view kRoot = "/";  // path of "http://h" and "http://h?q"
  const std::size_t colon = t.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view scheme = t.substr(0, colon);
  if (!iequals(scheme, "http") && !iequals(scheme, "https")) return false;
  std::string_view rest = t.substr(colon + 1);
  if (rest.substr(0, 2) != "//") return false;
  rest.remove_prefix(2);
  const std::size_t auth_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, auth_end);
  // No userinfo ('@' is not a host byte): RFC 9110 4.2.4 deprecates it; an empty host is invalid.
  if (authority.empty() || !detail::valid_host(authority)) return false;
  out.host = authority;
  const std::string_view after = auth_end == std::string_view::npos ? std::string_view{} : rest.substr(auth_end);
  if (after.empty() || after.front() == '?') {
    out.path = kRoot;
    out.query = after.empty() ? std::string_view{} : after.substr(1);
  } else {
    split_path_query(after, out);
  }
  return true;
}

// request-line = method SP request-target SP HTTP-version, single spaces, no CR/LF inside.
ParseResult parse_request_line(std::string_view line, Request& out) noexcept {
  std::size_t i = 0;
  while (i < line.size() && is(line[i], detail::kToken)) ++i;
  if (i == 0 || i == line.size() || line[i] != ' ') return error(400, "invalid method");
  out.method_text = line.substr(0, i);
  out.method = method_from(out.method_text);

  const std::size_t t = i + 1;
  std::size_t te = t;
  while (te < line.size() && is(line[te], detail::kTarget)) ++te;
  if (te == t || te == line.size() || line[te] != ' ') return error(400, "invalid request target");
  out.target = line.substr(t, te - t);

  const int v = detail::parse_version(line.substr(te + 1), out.version);
  if (v == 0) return error(505, "HTTP version not supported");
  if (v < 0) return error(400, "invalid HTTP version");

  const std::string_view target = out.target;
  if (out.method == Method::Connect) {
    if (!valid_authority_form(target)) return error(400, "CONNECT needs host:port");
    out.path = {};
    out.query = {};
  } else if (target.front() == '/') {
    split_path_query(target, out);
  } else if (target == "*") {
    if (out.method != Method::Options) return error(400, "asterisk-form is for OPTIONS only");
    out.path = target;
    out.query = {};
  } else if (!parse_absolute_form(target, out)) {
    return error(400, "invalid request target");
  }
  return ParseResult{ParseStatus::Complete, 0, {}};
}

}  // namespace

ParseResult RequestParser::parse(std::string_view buf, Request& out) {
  if (scan_.head_end != 0) return finish(buf, out, false);  // called again after Complete
  const detail::ScanLimits limits{limits_.max_request_line, limits_.max_header_bytes,
                                  limits_.max_header_count, true};
  bool line_parsed = false;  // out holds this buffer's request line already
  for (;;) {
    switch (detail::scan_head(buf, limits, scan_)) {
      case detail::ScanResult::Incomplete:
        return ParseResult{};
      case detail::ScanResult::StartLine: {
        // Validate now: a bad request line is rejected before the rest of the head arrives.
        out.clear();
        const std::size_t len = scan_.start_line_end - 2 - scan_.start;
        ParseResult r = parse_request_line(buf.substr(scan_.start, len), out);
        if (r.status == ParseStatus::Error) return r;
        line_parsed = true;
        break;
      }
      case detail::ScanResult::Complete:
        return finish(buf, out, line_parsed);
      case detail::ScanResult::BareLf:
        return error(400, "bare LF in request head");
      case detail::ScanResult::ObsFold:
        return error(400, "obsolete line folding");
      case detail::ScanResult::BadFieldLine:
        return error(400, "invalid header field line");
      case detail::ScanResult::StartLineTooLong:
        return error(414, "request line too long");
      case detail::ScanResult::HeadTooLarge:
        return error(431, "request header too large");
      case detail::ScanResult::TooManyFields:
        return error(431, "too many header fields");
    }
  }
}

ParseResult RequestParser::finish(std::string_view buf, Request& out, bool line_parsed) {
  if (!line_parsed) {
    out.clear();
    const std::size_t len = scan_.start_line_end - 2 - scan_.start;
    ParseResult r = parse_request_line(buf.substr(scan_.start, len), out);
    if (r.status == ParseStatus::Error) return r;
  }
  // Sized once per Request object; clear() keeps the capacity across requests.
  if (out.headers.fields.capacity() < 32) out.headers.fields.reserve(32);

  detail::FramingFields f;
  if (const char* why = detail::parse_fields(buf, scan_.start_line_end, scan_.head_end - 2, out.headers, f)) {
    return error(400, why);
  }

  if (f.host_count > 1) return error(400, "duplicate Host");
  if (f.host_count == 0 && out.version == Version::Http11) return error(400, "missing Host");
  if (f.host_invalid) return error(400, "invalid Host");
  if (out.host.empty()) out.host = f.host;  // absolute-form already set it from the target

  if (f.te_seen) {
    // RFC 9112 6.1 / 6.3: these framings cannot be trusted (request smuggling).
    if (out.version == Version::Http10) return error(400, "Transfer-Encoding in HTTP/1.0");
    if (f.cl_seen || f.cl_invalid) return error(400, "Content-Length with Transfer-Encoding");
    if (f.te_invalid || !f.te_chunked_last) return error(400, "final transfer coding is not chunked");
    if (f.te_unknown) return error(501, "unsupported transfer coding");
    out.body = BodyKind::Chunked;
  } else if (f.cl_invalid) {
    return error(400, "invalid Content-Length");
  } else if (f.cl_seen) {
    out.body = BodyKind::ContentLength;
    out.content_length = f.content_length;
  }

  if (f.expect_other) return error(417, "unsupported expectation");
  // RFC 9110 10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored.
  out.expect_continue = f.expect_continue && out.version == Version::Http11;
  out.keep_alive = detail::keep_alive(out.version, f);
  out.head_size = scan_.head_end;
  return ParseResult{ParseStatus::Complete, 0, {}};
}

void RequestParser::reset() noexcept { scan_ = {}; }

}  // namespace foobar::http
