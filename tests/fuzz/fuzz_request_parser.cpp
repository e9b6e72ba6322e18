// libFuzzer target: RequestParser on arbitrary bytes, with differential checks.
// Whole-buffer parse == parse split at a data-chosen point == parse fed byte by
// byte (all with the buffer moving between calls), under default and small
// limits; views stay inside the head; then the chunked decoder runs on the rest
// (the body when the head is complete and chunked, else the whole input).
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_common.hpp"
#include "http/parser.hpp"
#include "support/codec_snapshot.hpp"

namespace {

using namespace foobar::http;
using foobar::fuzz::check;
using foobar::fuzz::Exact;
using foobar::fuzz::inside;

using Outcome = foobar::http::test::RequestSnap;

// The snapshot of a parse, after checking the invariants every result must keep.
Outcome outcome(const ParseResult& r, const Request& q, std::string_view buf, const ParserLimits& limits) {
  if (r.status == ParseStatus::Error) {
    const int s = r.error_status;
    check(s == 400 || s == 414 || s == 417 || s == 431 || s == 501 || s == 505, "unexpected error status");
    check(!r.error_reason.empty(), "error without a reason");
  }
  if (r.status != ParseStatus::Complete) return foobar::http::test::snap(r, q);
  check(q.head_size >= 4 && q.head_size <= buf.size() && q.head_size <= limits.max_header_bytes, "head_size out of range");
  const std::string_view head = buf.substr(0, q.head_size);
  check(head.substr(head.size() - 4) == "\r\n\r\n", "head does not end with CRLF CRLF");
  check(inside(q.method_text, head) && inside(q.target, head) && inside(q.query, head), "view outside the head");
  check(inside(q.path, head) || q.path == "/", "path outside the head");
  check(inside(q.host, head), "host outside the head");
  check(q.headers.fields.size() <= limits.max_header_count, "too many headers accepted");
  check(!q.method_text.empty() && !q.target.empty(), "empty method or target");
  check(q.body != BodyKind::UntilClose, "UntilClose request");
  for (const Header& h : q.headers.fields) {
    check(inside(h.name, head) && inside(h.value, head), "header view outside the head");
    check(!h.name.empty(), "empty header name");
    for (const char c : h.value) check(c != '\r' && c != '\n' && c != '\0', "CR/LF/NUL in a header value");
  }
  if (q.version == Version::Http11) check(q.headers.has("host"), "HTTP/1.1 without Host accepted");
  check(!(q.headers.has("content-length") && q.headers.has("transfer-encoding")), "CL and TE accepted together");
  return foobar::http::test::snap(r, q);
}

Outcome parse_whole(std::string_view in, const ParserLimits& limits) {
  const Exact buf(in);
  RequestParser p(limits);
  Request req;
  const ParseResult r = p.parse(buf.view(), req);
  Outcome o = outcome(r, req, buf.view(), limits);
  // Parsing the same bytes again after Complete gives the same answer.
  if (r.status == ParseStatus::Complete) check(outcome(p.parse(buf.view(), req), req, buf.view(), limits) == o, "re-parse differs");
  return o;
}

// First [0, cut), then everything, each in its own allocation (the buffer moves).
Outcome parse_split(std::string_view in, std::size_t cut, const ParserLimits& limits) {
  RequestParser p(limits);
  Request req;
  const Exact first(in.substr(0, cut));
  const ParseResult r1 = p.parse(first.view(), req);
  if (r1.status != ParseStatus::Incomplete) return outcome(r1, req, first.view(), limits);
  const Exact all(in);
  return outcome(p.parse(all.view(), req), req, all.view(), limits);
}

Outcome parse_bytewise(std::string_view in, const ParserLimits& limits) {
  const Exact buf(in);
  RequestParser p(limits);
  Request req;
  for (std::size_t k = 1; k <= in.size(); ++k) {
    const std::string_view prefix = buf.view().substr(0, k);
    const ParseResult r = p.parse(prefix, req);
    if (r.status != ParseStatus::Incomplete) return outcome(r, req, prefix, limits);
  }
  return Outcome{};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const ParserLimits all_limits[] = {ParserLimits{}, ParserLimits{64, 256, 8}};
  Outcome first;  // with the default limits
  for (const ParserLimits& limits : all_limits) {
    const Outcome whole = parse_whole(in, limits);
    const std::size_t cut = size == 0 ? 0 : foobar::fuzz::hash(in, 1) % (size + 1);
    check(parse_split(in, cut, limits) == whole, "split parse differs from the whole parse");
    check(parse_bytewise(in, limits) == whole, "bytewise parse differs from the whole parse");
    if (&limits == &all_limits[0]) first = whole;
  }
  std::string_view rest = in;
  if (first.status == ParseStatus::Complete && first.body == BodyKind::Chunked) rest.remove_prefix(first.head_size);
  foobar::fuzz::check_chunked(rest);
  return 0;
}
