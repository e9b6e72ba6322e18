#pragma once
// A deliberately simple blocking HTTP/1.1 client for tests: raw bytes in, parsed
// response out. It parses independently of src/http so tests check the server
// against a second implementation.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace foobar::test {

struct CaseLess {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct HttpResponse {
  int status = 0;               // 0: no (complete) response
  std::string version;
  std::multimap<std::string, std::string, CaseLess> headers;
  std::string body;             // de-chunked
  bool closed = false;          // server closed the connection after this response

  std::string header(const std::string& name) const;  // first value or ""
};

// A client connection to 127.0.0.1:port (or ipv4:port, from the local address
// source when given: 127.0.0.x poses as another client); a refused connect
// throws. Every read has a timeout; none hangs.
class HttpConnection {
 public:
  explicit HttpConnection(int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));
  HttpConnection(const std::string& ipv4, int port, std::chrono::milliseconds timeout = std::chrono::seconds(5),
                 const std::string& source = "");
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool send(std::string_view bytes);
  // Reads one response (for a HEAD request pass head=true: no body expected).
  HttpResponse read_response(bool head = false);
  // Reads everything until the peer closes or the timeout; returns the raw bytes.
  std::string read_all();
  // True when the server closed the connection (read returns 0 / reset) within the timeout.
  bool wait_closed();

 private:
  bool fill();  // reads more into buf_; false on close/timeout
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buf_;
};

// One request on a fresh connection: "GET path" with Host and Connection: close.
HttpResponse http_get(int port, const std::string& path,
                      const std::vector<std::string>& extra_headers = {});
// Sends raw bytes on a fresh connection and reads one response.
HttpResponse http_raw(int port, std::string_view raw, bool head = false);

}  // namespace foobar::test
