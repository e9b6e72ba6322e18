// libFuzzer target: ResponseParser on arbitrary bytes, for each request method
// that changes framing (GET, HEAD, CONNECT): whole == split == bytewise, errors
// are always 502, views stay inside the head; then the chunked decoder on the rest.
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

using Outcome = foobar::http::test::ResponseSnap;

// The snapshot of a parse, after checking the invariants every result must keep.
Outcome outcome(const ParseResult& r, const Response& q, std::string_view buf, Method m) {
  if (r.status == ParseStatus::Error) check(r.error_status == 502, "response error other than 502");
  if (r.status != ParseStatus::Complete) return foobar::http::test::snap(r, q);
  check(q.head_size >= 4 && q.head_size <= buf.size(), "head_size out of range");
  const std::string_view head = buf.substr(0, q.head_size);
  check(q.status >= 100 && q.status <= 599, "status out of range");
  check(inside(q.reason, head), "reason outside the head");
  for (const Header& h : q.headers.fields) check(inside(h.name, head) && inside(h.value, head), "header outside the head");
  if (m == Method::Head || q.status < 200 || q.status == 204 || q.status == 304) check(q.body == BodyKind::None, "body where none is allowed");
  if (q.body == BodyKind::UntilClose) check(!q.keep_alive, "UntilClose but keep-alive");
  return foobar::http::test::snap(r, q);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const ParserLimits limits{};
  Outcome get;
  for (const Method m : {Method::Get, Method::Head, Method::Connect}) {
    const Exact buf(in);
    ResponseParser whole_parser(limits);
    Response res;
    const Outcome whole = outcome(whole_parser.parse(buf.view(), m, res), res, buf.view(), m);
    if (m == Method::Get) get = whole;

    const std::size_t cut = size == 0 ? 0 : foobar::fuzz::hash(in, 2) % (size + 1);
    ResponseParser split_parser(limits);
    const Exact first(in.substr(0, cut));
    ParseResult r = split_parser.parse(first.view(), m, res);
    Outcome split = outcome(r, res, first.view(), m);
    if (r.status == ParseStatus::Incomplete) split = outcome(split_parser.parse(buf.view(), m, res), res, buf.view(), m);
    check(split == whole, "split response parse differs");

    ResponseParser byte_parser(limits);
    Outcome bytewise;
    for (std::size_t k = 1; k <= size; ++k) {
      r = byte_parser.parse(buf.view().substr(0, k), m, res);
      if (r.status != ParseStatus::Incomplete) {
        bytewise = outcome(r, res, buf.view().substr(0, k), m);
        break;
      }
    }
    check(bytewise == whole, "bytewise response parse differs");
  }
  std::string_view rest = in;
  if (get.status == ParseStatus::Complete && get.body == BodyKind::Chunked) rest.remove_prefix(get.head_size);
  foobar::fuzz::check_chunked(rest);
  return 0;
}
