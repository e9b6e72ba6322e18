// Steady state allocates nothing: parsing a request on a reused Request, decoding
// a chunked body and serializing a head on a reused ResponseHead. Counted with a
// replacement global operator new (it forwards to malloc; only deltas are checked).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "http/chunked.hpp"
#include "http/parser.hpp"
#include "http/response_head.hpp"

namespace {
std::atomic<long> g_allocations{0};
}

// GCC flags free() in a replacement operator delete as mismatched; here it is the match.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace foobar::http {
namespace {

const std::string kRequest =
    "POST /api/items?x=1 HTTP/1.1\r\nHost: www.foobar.com\r\nUser-Agent: test\r\nAccept: */*\r\n"
    "Content-Type: application/json\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;e=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n";

TEST(Allocation, SteadyStateParsingAllocatesNothing) {
  RequestParser parser;
  Request req;
  ResponseHead head;
  ChunkedDecoder dec;
  auto one_exchange = [&] {
    parser.reset();
    ASSERT_EQ(parser.parse(kRequest, req).status, ParseStatus::Complete);
    std::string_view body = std::string_view(kRequest).substr(req.head_size);
    dec.reset();
    for (ChunkedDecoder::Step s = dec.step(body); s.status != ChunkedDecoder::Status::Done; s = dec.step(body)) {
      ASSERT_NE(s.status, ChunkedDecoder::Status::Error);
      body.remove_prefix(s.consumed);
    }
    head.start(200);
    head.add("Content-Type", "application/json");
    head.add("Content-Length", std::uint64_t{12345});
    head.finish();
  };
  one_exchange();  // warm-up: the headers vector and the head buffer get their capacity
  const long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) one_exchange();
  EXPECT_EQ(g_allocations.load() - before, 0);
}

}  // namespace
}  // namespace foobar::http
