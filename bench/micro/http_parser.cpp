// Parse throughput of the HTTP/1.1 codec (bytes/s and requests/s), steady state:
// the parser and Request are reused, as on a keep-alive connection.
#include <benchmark/benchmark.h>

#include <string>

#include "http/chunked.hpp"
#include "http/parser.hpp"
#include "http/response_head.hpp"

namespace {

using namespace foobar::http;

// A typical browser navigation: ~500 bytes, 10 header fields.
const std::string kBrowserGet =
    "GET /static/css/site.css?v=20240101 HTTP/1.1\r\n"
    "Host: www.foobar.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
    "Accept: text/css,*/*;q=0.1\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Referer: https://www.foobar.com/\r\n"
    "Connection: keep-alive\r\n"
    "Cookie: session=0123456789abcdef0123456789abcdef; theme=dark; _ga=GA1.2.1234567890.1700000000\r\n"
    "Sec-Fetch-Dest: style\r\n"
    "If-None-Match: \"65a1f2c3-1a2b\"\r\n"
    "\r\n";

// What wrk sends by default.
const std::string kMinimalGet = "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";

void parse_loop(benchmark::State& state, const std::string& raw) {
  RequestParser parser;
  Request req;
  for (auto _ : state) {
    parser.reset();
    const ParseResult r = parser.parse(raw, req);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(req.head_size);
  }
  if (parser.parse(raw, req).status != ParseStatus::Complete) state.SkipWithError("parse failed");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ParseBrowserGet(benchmark::State& state) { parse_loop(state, kBrowserGet); }
BENCHMARK(BM_ParseBrowserGet);

void BM_ParseMinimalGet(benchmark::State& state) { parse_loop(state, kMinimalGet); }
BENCHMARK(BM_ParseMinimalGet);

// The browser GET arriving in 4 reads (the incremental path: re-entry must stay cheap).
void BM_ParseBrowserGetIn4Reads(benchmark::State& state) {
  RequestParser parser;
  Request req;
  const std::string_view raw = kBrowserGet;
  const std::size_t q = raw.size() / 4;
  for (auto _ : state) {
    parser.reset();
    for (std::size_t end : {q, 2 * q, 3 * q, raw.size()}) {
      const ParseResult r = parser.parse(raw.substr(0, end), req);
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseBrowserGetIn4Reads);

// Chunked body of state.range(0) total bytes in chunks of state.range(1) bytes, with a trailer.
void BM_ChunkedDecode(benchmark::State& state) {
  const auto total = static_cast<std::size_t>(state.range(0));
  const auto chunk = static_cast<std::size_t>(state.range(1));
  std::string raw;
  char size[32];
  for (std::size_t done = 0; done < total; done += chunk) {
    const std::size_t n = std::min(chunk, total - done);
    raw.append(size, static_cast<std::size_t>(std::snprintf(size, sizeof size, "%zx;ext=1\r\n", n)));
    raw.append(n, 'd');
    raw.append("\r\n");
  }
  raw.append("0\r\nX-Trailer: ok\r\n\r\n");
  ChunkedDecoder dec;
  for (auto _ : state) {
    dec.reset();
    std::string_view in = raw;
    std::size_t data = 0;
    for (;;) {
      const ChunkedDecoder::Step s = dec.step(in);
      in.remove_prefix(s.consumed);
      if (s.status != ChunkedDecoder::Status::Data) break;
      data += s.data.size();
    }
    benchmark::DoNotOptimize(data);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));  // bodies
}
BENCHMARK(BM_ChunkedDecode)->Args({64 * 1024, 4096})->Args({64 * 1024, 64})->Args({1024, 16});

void BM_ParseResponse(benchmark::State& state) {
  const std::string raw =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
      "Content-Type: text/html\r\nContent-Length: 4096\r\nLast-Modified: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
      "Connection: keep-alive\r\nETag: \"6592ad00-1000\"\r\nAccept-Ranges: bytes\r\n\r\n";
  ResponseParser parser;
  Response res;
  for (auto _ : state) {
    parser.reset();
    const ParseResult r = parser.parse(raw, Method::Get, res);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ParseResponse);

void BM_SerializeResponseHead(benchmark::State& state) {
  ResponseHead head;
  for (auto _ : state) {
    head.start(200);
    head.add("Server", "foobar");
    head.add("Date", "Mon, 01 Jan 2024 00:00:00 GMT");
    head.add("Content-Type", "text/html");
    head.add("Content-Length", std::uint64_t{4096});
    head.add("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT");
    head.add("ETag", "\"6592ad00-1000\"");
    head.finish();
    benchmark::DoNotOptimize(head.data().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * head.data().size()));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_SerializeResponseHead);

}  // namespace
