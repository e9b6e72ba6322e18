// Request ids across the tiers: a `foobar lb` in front of a `foobar web`, both
// logging. The lb gives a request without ids an X-Request-ID and a
// traceparent; the web server logs the same ones; a client's valid ids are
// kept, a malformed one is replaced.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/process.hpp"

using namespace foobar::test;

namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The last access-log line of path whose request target is target.
std::string line_for(const std::filesystem::path& path, const std::string& target) {
  std::string found;
  eventually([&] {
    std::istringstream in(read_all(path));
    for (std::string l; std::getline(in, l);)
      if (l.find("\"GET " + target + " ") != std::string::npos) found = l;
    return !found.empty();
  }, 5s, 50ms);  // the writers flush on their sweep tick
  return found;
}

// "REQUEST_ID" "TRACE_ID" at the end of a line.
std::pair<std::string, std::string> ids_of(const std::string& line) {
  std::smatch m;
  if (!std::regex_search(line, m, std::regex("\"([^\"]*)\" \"([^\"]*)\"$"))) return {};
  return {m[1], m[2]};
}

}  // namespace

TEST(RequestIds, TheLbsIdsReachTheWebServersLog) {
  TempDir dir;
  std::ofstream(dir / "index.html") << "ids\n";
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", dir.path().string(), "--threads", "1",
               "--access-log", (dir / "web.log").string()});
  const int web_port = web.wait_port("web");
  Process lb({foobar_bin(), "lb", "--listen", "127.0.0.1:0", "--threads", "1", "--health-check", "tcp", "--backend",
              "127.0.0.1:" + std::to_string(web_port), "--access-log", (dir / "lb.log").string()});
  const int port = lb.wait_port("lb");

  ASSERT_EQ(http_get(port, "/?fresh").status, 200);
  auto [lb_id, lb_trace] = ids_of(line_for(dir / "lb.log", "/?fresh"));
  EXPECT_TRUE(std::regex_match(lb_id, std::regex("[0-9a-f]{32}"))) << lb_id;
  EXPECT_TRUE(std::regex_match(lb_trace, std::regex("[0-9a-f]{32}"))) << lb_trace;
  EXPECT_EQ(ids_of(line_for(dir / "web.log", "/?fresh")), std::make_pair(lb_id, lb_trace));

  const std::string tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  ASSERT_EQ(http_get(port, "/?kept", {"X-Request-ID: order-42", "traceparent: " + tp}).status, 200);
  EXPECT_EQ(ids_of(line_for(dir / "lb.log", "/?kept")), std::make_pair(std::string("order-42"), tp.substr(3, 32)));
  EXPECT_EQ(ids_of(line_for(dir / "web.log", "/?kept")), std::make_pair(std::string("order-42"), tp.substr(3, 32)));

  ASSERT_EQ(http_get(port, "/?replaced", {"X-Request-ID: has spaces and \"quotes\""}).status, 200);
  auto [id, trace] = ids_of(line_for(dir / "web.log", "/?replaced"));
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
}

// access_log_format = json: one object per line, the same fields and ids as
// the combined line, hostile bytes escaped so a line stays one valid object.
TEST(RequestIds, JsonAccessLogLinesCarryTheSameFields) {
  TempDir dir;
  std::ofstream(dir / "index.html") << "json\n";
  Process web({foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", dir.path().string(), "--threads", "1",
               "--access-log", (dir / "web.log").string(), "--access-log-format", "json"});
  const int web_port = web.wait_port("web");
  Process lb({foobar_bin(), "lb", "--listen", "127.0.0.1:0", "--threads", "1", "--health-check", "tcp", "--backend",
              "127.0.0.1:" + std::to_string(web_port), "--access-log", (dir / "lb.log").string()});
  const int port = lb.wait_port("lb");

  const std::string agent = "evil \"agent\" \\ \xff\"}, {\"status\": 1";
  ASSERT_EQ(http_get(port, "/?json", {"User-Agent: " + agent, "Referer: http://ref.example/"}).status, 200);
  ASSERT_EQ(http_get(port, "/missing").status, 404);
  auto [lb_id, lb_trace] = ids_of(line_for(dir / "lb.log", "/?json"));
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(eventually([&] {
    lines.clear();
    std::istringstream in(read_all(dir / "web.log"));
    for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l, nullptr, false));
    return lines.size() == 2;
  }, 5s, 50ms)) << read_all(dir / "web.log");
  for (const auto& j : lines) ASSERT_TRUE(j.is_object()) << read_all(dir / "web.log");
  const auto& j = lines[0];
  EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << j;
  EXPECT_EQ(j["remote_addr"], "127.0.0.1");
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["target"], "/?json");
  EXPECT_EQ(j["protocol"], "HTTP/1.1");
  EXPECT_EQ(j["status"], 200);
  EXPECT_EQ(j["bytes"], 5);
  EXPECT_GE(j["duration_seconds"].get<double>(), 0.0);
  EXPECT_EQ(j["referer"], "http://ref.example/");
  EXPECT_EQ(j["user_agent"], "evil \"agent\" \\ \xef\xbf\xbd\"}, {\"status\": 1");  // the invalid byte as U+FFFD
  EXPECT_EQ(j["request_id"], lb_id);
  EXPECT_EQ(j["trace_id"], lb_trace);
  EXPECT_EQ(lines[1]["status"], 404);
  EXPECT_EQ(lines[1]["referer"], "");
}
