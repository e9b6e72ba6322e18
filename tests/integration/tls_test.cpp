// TLS listeners driven by real clients, each run as a subprocess: curl,
// openssl s_client and python3's ssl module, against a real `foobar web` (and
// one `foobar lb`). The certificates come from a throwaway CA made with the
// openssl CLI at test time (`openssl ca`, so its index.txt is real and
// `openssl ocsp` can answer for it): ECDSA P-256 and RSA 2048 leaves for
// localhost/127.0.0.1, and one for other.test (SNI).
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "lb_fixture.hpp"  // the fake backend that echoes request heads (lb case)
#include "support/eventually.hpp"
#include "support/http_client.hpp"
#include "support/loopback_capture.hpp"
#include "support/process.hpp"

using namespace foobar::test;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t npos = std::string::npos;
const std::string kIndex = "hello over tls\n";
const std::string kLocalNames = "DNS:localhost,IP:127.0.0.1";

void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Written beside, then renamed over: a reload never sees half a file.
void replace_file(const fs::path& target, const std::string& content) {
  fs::path tmp = target.string() + ".tmp";
  write_file(tmp, content);
  fs::rename(tmp, target);
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 977) & 0xff);
  return s;
}

// ------------------------------------------------------------ running clients

struct Ran {
  int status = -1;
  std::string out;  // stdout and stderr together
  bool has(const std::string& s) const { return out.find(s) != npos; }
};

// Runs one program with its arguments through the shell (no pipes), stdin
// from `input`, bounded by timeout(1) so no client can hang the test.
Ran sh(const std::string& command, const fs::path& input = "/dev/null") {
  Ran r;
  r.out = run("timeout -k 5 30 " + command + " < " + input.string() + " 2>&1", &r.status);
  return r;
}

bool have(const std::string& tool) {
  int status = -1;
  run("command -v " + tool + " >/dev/null 2>&1", &status);
  return status == 0;
}

#define REQUIRE_TOOL(tool) \
  if (!have(tool)) GTEST_SKIP() << tool << " is not installed"

// The first PEM certificate in text ("" if none): what s_client printed as
// "Server certificate", or a certificate file.
std::string first_pem(const std::string& text) {
  static const std::string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
  auto b = text.find(begin);
  auto e = b == npos ? npos : text.find(end, b);
  return e == npos ? "" : text.substr(b, e + end.size() - b);
}

// ------------------------------------------------------------ the test CA

enum class KeyType { Ecdsa, Rsa };
struct Leaf {
  std::string cert, key;
};

class Pki {
 public:
  explicit Pki(fs::path dir) : dir_(std::move(dir)) {
    fs::create_directories(dir_ / "newcerts");
    write_file(dir_ / "index.txt", "");
    write_file(dir_ / "serial", "1000\n");
    write_file(dir_ / "ca.cnf", "[ca]\ndefault_ca = test_ca\n"
                                "[test_ca]\n"
                                "database = " + (dir_ / "index.txt").string() + "\n"
                                "new_certs_dir = " + (dir_ / "newcerts").string() + "\n"
                                "serial = " + (dir_ / "serial").string() + "\n"
                                "certificate = " + ca() + "\n"
                                "private_key = " + ca_key() + "\n"
                                "default_md = sha256\ndefault_days = 30\npolicy = any_name\n"
                                "unique_subject = no\ncopy_extensions = copy\n"
                                "[any_name]\ncommonName = supplied\n"
                                "[leaf]\nbasicConstraints = CA:FALSE\nkeyUsage = digitalSignature, keyEncipherment\n"
                                "extendedKeyUsage = serverAuth\n");
    openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=foobar-test-ca -keyout " +
            ca_key() + " -out " + ca());
  }
  std::string ca() const { return (dir_ / "ca.pem").string(); }
  std::string ca_key() const { return (dir_ / "ca.key").string(); }

  // A new key and a certificate for it (CN cn, subjectAltName san) signed by
  // the CA; validity: openssl ca options (default: 30 days from now).
  Leaf issue(const std::string& name, KeyType type, const std::string& cn, const std::string& san,
             const std::string& validity = "") {
    Leaf l{(dir_ / (name + ".pem")).string(), (dir_ / (name + ".key")).string()};
    const std::string csr = (dir_ / (name + ".csr")).string();
    openssl(std::string("genpkey ") +
            (type == KeyType::Ecdsa ? "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
                                    : "-algorithm RSA -pkeyopt rsa_keygen_bits:2048") +
            " -out " + l.key);
    openssl("req -new -key " + l.key + " -subj /CN=" + cn + " -addext subjectAltName=" + san + " -out " + csr);
    openssl("ca -batch -notext -config " + (dir_ / "ca.cnf").string() + " -extensions leaf " + validity + " -in " +
            csr + " -out " + l.cert);
    return l;
  }

  // The CA's OCSP answer for leaf, where the server staples it from: <cert>.ocsp.
  void write_ocsp_response(const Leaf& leaf) const {
    openssl("ocsp -index " + (dir_ / "index.txt").string() + " -rsigner " + ca() + " -rkey " + ca_key() + " -CA " +
            ca() + " -issuer " + ca() + " -cert " + leaf.cert + " -respout " + leaf.cert + ".ocsp -ndays 1");
  }

  // "1003": as python's getpeercert() spells serialNumber.
  static std::string serial(const std::string& cert) {
    auto out = openssl("x509 -noout -serial -in " + cert);
    return out.substr(out.find('=') + 1, out.find_last_not_of("\r\n") - out.find('='));
  }

 private:
  static std::string openssl(const std::string& args) {
    Ran r = sh("openssl " + args);
    if (r.status != 0) throw std::runtime_error("openssl " + args + " failed:\n" + r.out);
    return r.out;
  }
  fs::path dir_;
};

// ------------------------------------------------------------ servers

struct Server {
  std::unique_ptr<Process> proc;
  int port = 0;      // plain listener
  int tls_port = 0;  // first TLS listener
  int admin = 0;     // /metrics
};

int tls_port_of(Process& p, const std::string& role) {
  return std::stoi(p.wait_for(role + " listening on [^\\s]*:(\\d+) \\(tls\\)"));
}

// foobar_tls_handshake_failures_total on an admin listener (-1: not found).
long handshake_failures(int admin, const std::string& role = "web") {
  auto body = http_get(admin, "/metrics").body;
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("foobar_tls_handshake_failures_total\\{role=\"" + role + "\"\\} (\\d+)")))
    return -1;
  return std::stol(m[1]);
}

std::vector<std::string> pairs(const std::vector<Leaf>& leaves) {
  std::vector<std::string> flags;
  for (const auto& l : leaves) flags.insert(flags.end(), {"--tls-cert", l.cert, "--tls-key", l.key});
  return flags;
}

std::string https(int port, const std::string& path, const std::string& host = "localhost") {
  return "https://" + host + ":" + std::to_string(port) + path;
}

// Sequential TLS requests, each on a new connection verified against the CA,
// until the stop file appears (at most 3000). One line per request: "ok
// SERIAL" (200 and the right body), "bad SERIAL" or "fail WHY".
const char* kLoadClient = R"(
import os, socket, ssl, sys
port, cafile, stop, body = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4].encode()
ctx = ssl.create_default_context(cafile=cafile)
for i in range(3000):
    if os.path.exists(stop):
        break
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                serial = s.getpeercert()["serialNumber"]
                s.sendall(b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                data = b""
                while True:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
        good = data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"\r\n\r\n" + body)
        print(("ok " if good else "bad ") + serial, flush=True)
    except Exception as e:
        print("fail", repr(e), flush=True)
print("done", flush=True)
)";

// One TLS session, requests in every shape a reader must cope with: two
// pipelined in one record, a head far larger than a connection's 64 early
// bytes, one split across writes with a pause between, one after an idle
// pause. Prints "ok N" with the number of good responses.
const char* kShapesClient = R"(
import socket, ssl, sys, time
port, cafile, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
ctx = ssl.create_default_context(cafile=cafile)
raw = socket.create_connection(("127.0.0.1", port), timeout=10)
s = ctx.wrap_socket(raw, server_hostname="localhost")
get = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n"
big = b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nX-Pad: " + b"p" * 3000 + b"\r\n\r\n"
buf = b""
def response():
    global buf
    while b"\r\n\r\n" not in buf:
        buf += s.recv(65536)
    head, _, buf = buf.partition(b"\r\n\r\n")
    length = int([l.split(b":")[1] for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0])
    while len(buf) < length:
        buf += s.recv(65536)
    got, buf = buf[:length], buf[length:]
    return head.startswith(b"HTTP/1.1 200 ") and got == body
good = 0
s.sendall(get + get)
good += response() + response()
s.sendall(big)
good += response()
s.sendall(get[:10]); time.sleep(0.2); s.sendall(get[10:])
good += response()
time.sleep(0.3)
s.sendall(get)
good += response()
print("ok", good, flush=True)
)";

int count_lines(const std::string& text, const std::string& line_start) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(line_start, 0) == 0) ++n;
  return n;
}

class Tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!have("openssl")) return;  // every test skips
    dir_ = new TempDir();
    write_file(root() / "index.html", kIndex);
    write_file(root() / "big.bin", pattern(1 << 20));
    write_file(get_request(), "GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    pki_ = new Pki(dir_->path() / "pki");
    ecdsa_ = pki_->issue("ecdsa", KeyType::Ecdsa, "localhost", kLocalNames);
    rsa_ = pki_->issue("rsa", KeyType::Rsa, "localhost", kLocalNames);
    other_ = pki_->issue("other", KeyType::Ecdsa, "other.test", "DNS:other.test");
  }
  static void TearDownTestSuite() {
    delete pki_;
    delete dir_;
    pki_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!pki_) GTEST_SKIP() << "openssl is not installed";
  }

  static fs::path root() { return dir_->path() / "root"; }
  static fs::path get_request() { return dir_->path() / "get.txt"; }
  static fs::path scratch(const std::string& name) { return dir_->path() / name; }

  // foobar web serving root() on a plain, a TLS (tls_listen) and an admin listener.
  static Server web(const std::vector<std::string>& args, const std::string& tls_listen = "127.0.0.1:0") {
    Server s;
    std::vector<std::string> argv{foobar_bin(), "web", "--listen", "127.0.0.1:0", "--listen-tls", tls_listen,
                                  "--admin", "127.0.0.1:0", "--root", root(), "--threads", "2"};
    argv.insert(argv.end(), args.begin(), args.end());
    s.proc = std::make_unique<Process>(argv);
    s.port = s.proc->wait_port("web");
    s.tls_port = tls_port_of(*s.proc, "web");
    s.admin = s.proc->wait_port("admin");
    return s;
  }

  // A foobar web that must refuse to start: its exit code and what it printed.
  static Ran web_fails(const std::vector<std::string>& args) {
    std::vector<std::string> argv{foobar_bin(), "web", "--listen", "127.0.0.1:0", "--root", root()};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv);
    auto rc = p.wait_exit(10s);
    return {rc.value_or(-1), p.output()};
  }

  // openssl s_client verifying against the CA, sending GET /index.html with
  // Connection: close and reading until the server closes. SNI localhost
  // unless args says otherwise.
  static Ran s_client(int port, const std::string& args) {
    std::string sni = args.find("servername") == npos ? " -servername localhost" : "";
    return sh("openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -CAfile " + pki_->ca() +
                  " -verify_return_error -ign_eof" + sni + " " + args,
              get_request());
  }

  // curl trusting the CA, localhost resolved to 127.0.0.1; args hold the URLs (https()).
  static Ran curl(int port, const std::string& args) {
    return sh("curl -sS --cacert " + pki_->ca() + " --resolve localhost:" + std::to_string(port) + ":127.0.0.1 " + args);
  }

  // The Strict-Transport-Security value of a TLS response ("" if none), and its status code.
  static std::pair<std::string, std::string> hsts_over_tls(int port, const std::string& path = "/index.html") {
    Ran r = curl(port, "-D - -o /dev/null " + https(port, path));
    std::smatch status, hsts;
    std::regex_search(r.out, status, std::regex("HTTP/1.1 (\\d+)"));
    std::regex_search(r.out, hsts, std::regex("\r\nStrict-Transport-Security: ([^\r]*)\r\n", std::regex::icase));
    return {hsts.size() > 1 ? hsts[1].str() : "", status.size() > 1 ? status[1].str() : r.out};
  }

  static void expect_served(const Ran& r, const std::string& what) {
    EXPECT_EQ(r.status, 0) << what << "\n" << r.out;
    EXPECT_TRUE(r.has("HTTP/1.1 200 OK") && r.has(kIndex)) << what << ": the file must be served\n" << r.out;
  }

  static inline TempDir* dir_ = nullptr;
  static inline Pki* pki_ = nullptr;
  static inline Leaf ecdsa_, rsa_, other_;
};

// ------------------------------------------------------------ 1. protocol versions

TEST_F(Tls, Tls10And11AreRefusedWithAProtocolVersionAlert) {
  auto w = web(pairs({ecdsa_}));
  for (std::string v : {"-tls1", "-tls1_1"}) {
    // SECLEVEL=0: Debian's openssl may otherwise refuse to offer them at all;
    // the alert then shows that the server, not the client, said no.
    Ran r = s_client(w.tls_port, v + " -cipher DEFAULT@SECLEVEL=0");
    EXPECT_NE(r.status, 0) << v << "\n" << r.out;
    EXPECT_TRUE(r.has("alert protocol version")) << v << ": the server must answer with a protocol_version alert\n"
                                                 << r.out;
    EXPECT_FALSE(r.has(kIndex)) << v;
  }
}

// A client that fell back to TLS 1.2 after a failed attempt says so
// (TLS_FALLBACK_SCSV, RFC 7507); the server, which speaks 1.3, refuses it.
TEST_F(Tls, AFallbackToTls12IsRefused) {
  auto w = web(pairs({ecdsa_}));
  Ran fallback = s_client(w.tls_port, "-tls1_2 -fallback_scsv");
  EXPECT_NE(fallback.status, 0) << fallback.out;
  EXPECT_TRUE(fallback.has("inappropriate fallback")) << fallback.out;
  Ran plain12 = s_client(w.tls_port, "-tls1_2");
  EXPECT_TRUE(plain12.has("Protocol  : TLSv1.2")) << "TLS 1.2 itself is served\n" << plain12.out;
}

TEST_F(Tls, Tls12And13ServeTheFileWithCurl) {
  REQUIRE_TOOL("curl");
  auto w = web(pairs({ecdsa_}));
  const std::string big = pattern(1 << 20);
  for (auto [flags, version] : {std::pair{"--tlsv1.2 --tls-max 1.2", "TLSv1.2"}, std::pair{"--tlsv1.3", "TLSv1.3"}}) {
    const auto got_big = scratch("got-big.bin"), got_index = scratch("got-index.html");
    fs::remove(got_big);
    fs::remove(got_index);
    // Two files on one keep-alive connection: a large one (read and encrypted
    // in records, or kernel TLS) and a small one.
    Ran r = curl(w.tls_port, std::string("-v ") + flags + " " + https(w.tls_port, "/big.bin") + " -o " +
                                 got_big.string() + " " + https(w.tls_port, "/index.html") + " -o " +
                                 got_index.string());
    EXPECT_EQ(r.status, 0) << version << "\n" << r.out;
    EXPECT_TRUE(r.has("SSL connection using " + std::string(version))) << r.out;
    EXPECT_TRUE(r.has("Re-using existing connection")) << version << ": keep-alive over TLS\n" << r.out;
    EXPECT_TRUE(read_file(got_big) == big) << version << ": /big.bin arrived with other bytes ("
                                           << read_file(got_big).size() << " bytes)";
    EXPECT_EQ(read_file(got_index), kIndex) << version;
  }
}

// One TLS 1.3 ticket per handshake, as nginx sends (OpenSSL's default is two).
TEST_F(Tls, OneSessionTicketPerHandshake) {
  auto w = web(pairs({ecdsa_}));
  Ran r = s_client(w.tls_port, "-tls1_3 -msg");
  EXPECT_TRUE(r.has("HTTP/1.1 200")) << r.out;
  int tickets = 0;
  for (std::size_t at = r.out.find(", NewSessionTicket"); at != npos; at = r.out.find(", NewSessionTicket", at + 1))
    ++tickets;
  EXPECT_EQ(tickets, 1) << r.out;
}

TEST_F(Tls, KeepAliveRequestsOfEveryShapeOnOneSession) {
  REQUIRE_TOOL("python3");
  auto w = web(pairs({ecdsa_}));
  Process client({"python3", "-c", kShapesClient, std::to_string(w.tls_port), pki_->ca(), kIndex});
  EXPECT_EQ(client.wait_exit(30s), 0) << client.output();
  EXPECT_NE(client.output().find("ok 5"), std::string::npos) << client.output();
}

// ------------------------------------------------------------ 2. ECDSA and RSA side by side

TEST_F(Tls, TheClientsSignatureAlgorithmsChooseEcdsaOrRsa) {
  auto w = web(pairs({ecdsa_, rsa_}));
  Ran ec = s_client(w.tls_port, "-sigalgs ecdsa_secp256r1_sha256");
  expect_served(ec, "ECDSA client");
  EXPECT_TRUE(ec.has("Peer signature type: ECDSA") && ec.has("Server public key is 256 bit")) << ec.out;
  EXPECT_EQ(first_pem(ec.out), first_pem(read_file(ecdsa_.cert)));

  Ran rsa = s_client(w.tls_port, "-sigalgs rsa_pss_rsae_sha256");
  expect_served(rsa, "RSA-PSS client");
  EXPECT_TRUE(rsa.has("Peer signature type: RSA-PSS") && rsa.has("Server public key is 2048 bit")) << rsa.out;
  EXPECT_EQ(first_pem(rsa.out), first_pem(read_file(rsa_.cert)));

  Ran rsa12 = s_client(w.tls_port, "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256");
  expect_served(rsa12, "TLS 1.2 ECDHE-RSA client");
  EXPECT_TRUE(rsa12.has("Cipher is ECDHE-RSA-AES128-GCM-SHA256") && rsa12.has("Server public key is 2048 bit"))
      << rsa12.out;

  Ran both = s_client(w.tls_port, "");  // can verify either: the cheaper ECDSA one
  expect_served(both, "default client");
  EXPECT_TRUE(both.has("Server public key is 256 bit")) << both.out;
}

// ------------------------------------------------------------ 3. SNI

TEST_F(Tls, SniPicksTheCertificateOfTheNameAndTheFirstOneOtherwise) {
  auto w = web(pairs({ecdsa_, rsa_, other_}));
  Ran other = s_client(w.tls_port, "-servername other.test -verify_hostname other.test");
  expect_served(other, "SNI other.test");
  EXPECT_TRUE(other.has("subject=CN = other.test")) << other.out;

  for (std::string args : {"-noservername", "-servername unknown.test"}) {
    Ran r = s_client(w.tls_port, args);
    expect_served(r, args);
    EXPECT_TRUE(r.has("subject=CN = localhost")) << args << ": the default (first) certificate\n" << r.out;
  }
  if (have("curl")) {  // curl checks the name against the certificate it gets
    const auto p = std::to_string(w.tls_port);
    Ran c = curl(w.tls_port, "--resolve other.test:" + p + ":127.0.0.1 " + https(w.tls_port, "/index.html", "other.test"));
    EXPECT_EQ(c.status, 0) << c.out;
    EXPECT_EQ(c.out, kIndex);
  }
}

// RFC 6066 section 3: a server "MUST NOT accept the request to resume the
// session if the server_name extension contains a different name"; the
// session was authenticated with another site's certificate.
TEST_F(Tls, ASessionOfOneNameDoesNotResumeUnderAnother) {
  auto w = web(pairs({ecdsa_, other_}));
  const std::string sess = scratch("localhost-session.pem").string();
  for (std::string mode : {"-tls1_3", "-tls1_2", "-tls1_2 -no_ticket"}) {
    fs::remove(sess);
    expect_served(s_client(w.tls_port, mode + " -servername localhost -sess_out " + sess), mode);
    EXPECT_TRUE(s_client(w.tls_port, mode + " -servername localhost -sess_in " + sess).has("\nReused, "))
        << mode << ": the same name resumes";
    Ran other = s_client(w.tls_port, mode + " -servername other.test -sess_in " + sess);
    expect_served(other, mode);
    EXPECT_TRUE(other.has("\nNew, ")) << mode << ": a localhost session resumed for other.test\n" << other.out;
    EXPECT_TRUE(other.has("subject=CN = other.test")) << mode;
  }
}

// ------------------------------------------------------------ 4. ALPN

TEST_F(Tls, AlpnNegotiatesHttp11AndRefusesAnH2OnlyClient) {
  REQUIRE_TOOL("curl");
  auto w = web(pairs({ecdsa_}));
  Ran c = curl(w.tls_port, "-v " + https(w.tls_port, "/index.html"));  // offers h2 and http/1.1
  EXPECT_EQ(c.status, 0) << c.out;
  EXPECT_TRUE(std::regex_search(c.out, std::regex("ALPN[:,] server accepted (to use )?http/1\\.1"))) << c.out;

  Ran h2 = s_client(w.tls_port, "-alpn h2");
  EXPECT_NE(h2.status, 0) << h2.out;
  EXPECT_TRUE(h2.has("alert no application protocol")) << h2.out;
  EXPECT_FALSE(h2.has(kIndex));

  Ran both = s_client(w.tls_port, "-alpn h2,http/1.1");
  expect_served(both, "ALPN h2,http/1.1");
  EXPECT_TRUE(both.has("ALPN protocol: http/1.1")) << both.out;
  expect_served(s_client(w.tls_port, ""), "a client without ALPN");
}

// ------------------------------------------------------------ 5. resumption

TEST_F(Tls, SessionsResumeOnEveryWorkerThread) {
  // --threads 2: SO_REUSEPORT spreads connections over both workers by their
  // source port, so a session kept per thread would fail one of 8 resumptions
  // (all 8 on the first one's thread: 1 in 128).
  auto w = web(pairs({ecdsa_}));
  const std::string sess = scratch("session.pem").string();
  for (std::string mode : {"-tls1_3", "-tls1_2", "-tls1_2 -no_ticket"}) {
    fs::remove(sess);
    Ran first = s_client(w.tls_port, mode + " -sess_out " + sess);
    expect_served(first, mode);
    EXPECT_TRUE(first.has("\nNew, ")) << first.out;
    for (int i = 0; i < 8; ++i) {
      Ran again = s_client(w.tls_port, mode + " -sess_in " + sess);
      expect_served(again, mode);
      EXPECT_TRUE(again.has("\nReused, ")) << mode << " connection " << i << " did not resume\n" << again.out;
    }
  }
}

TEST_F(Tls, TicketKeysFileKeepsResumptionAcrossARestart) {
  const std::string keys = scratch("ticket-keys").string();
  fs::remove(keys);
  const std::string tls_addr = "127.0.0.1:" + std::to_string(free_port());
  const auto args = pairs({ecdsa_}) + std::vector<std::string>{"--tls-ticket-keys", keys};
  const std::string s13 = scratch("keep13.pem").string(), s12 = scratch("keep12.pem").string();
  {
    auto w = web(args, tls_addr);
    expect_served(s_client(w.tls_port, "-tls1_3 -sess_out " + s13), "TLS 1.3");
    expect_served(s_client(w.tls_port, "-tls1_2 -sess_out " + s12), "TLS 1.2");
    w.proc->stop();
    EXPECT_FALSE(w.proc->running());
  }
  struct stat st {};
  ASSERT_EQ(::stat(keys.c_str(), &st), 0) << "the ticket key file must exist";
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "ticket keys are secrets";
  EXPECT_GT(st.st_size, 0);

  auto w = web(args, tls_addr);
  for (const auto& [sess, mode] : {std::pair{s13, "-tls1_3"}, std::pair{s12, "-tls1_2"}}) {
    Ran r = s_client(w.tls_port, std::string(mode) + " -sess_in " + sess);
    expect_served(r, mode);
    EXPECT_TRUE(r.has("\nReused, ")) << mode << ": a ticket from before the restart must still resume\n" << r.out;
  }
}

TEST_F(Tls, WithoutTheTicketKeysFileARestartLosesTheSessions) {
  const std::string tls_addr = "127.0.0.1:" + std::to_string(free_port());
  const std::string sess = scratch("lost13.pem").string();
  {
    auto w = web(pairs({ecdsa_}), tls_addr);
    expect_served(s_client(w.tls_port, "-tls1_3 -sess_out " + sess), "first server");
    EXPECT_TRUE(s_client(w.tls_port, "-tls1_3 -sess_in " + sess).has("\nReused, ")) << "resumes before the restart";
  }
  auto w = web(pairs({ecdsa_}), tls_addr);
  Ran r = s_client(w.tls_port, "-tls1_3 -sess_in " + sess);
  expect_served(r, "after the restart");
  EXPECT_TRUE(r.has("\nNew, ")) << "keys in memory only: the old ticket cannot be decrypted\n" << r.out;
}

// ------------------------------------------------------------ 6. redirect and HSTS

TEST_F(Tls, RedirectHttpsSendsPlainRequestsToTheTlsPort) {
  REQUIRE_TOOL("curl");
  auto w = web(pairs({ecdsa_}) + std::vector<std::string>{"--redirect-https"});
  const std::string tls = std::to_string(w.tls_port);
  auto get = http_raw(w.port, "GET /a?b=1 HTTP/1.1\r\nHost: example.test:8080\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(get.status, 301);
  EXPECT_EQ(get.header("Location"), "https://example.test:" + tls + "/a?b=1");
  EXPECT_EQ(get.header("Strict-Transport-Security"), "") << "never on plain HTTP";
  auto post = http_raw(w.port, "POST /a?b=1 HTTP/1.1\r\nHost: example.test:8080\r\nContent-Length: 3\r\n"
                               "Connection: close\r\n\r\nx=1");
  EXPECT_EQ(post.status, 308) << "a redirect that keeps the method and body";
  EXPECT_EQ(post.header("Location"), "https://example.test:" + tls + "/a?b=1");
  auto v6 = http_raw(w.port, "GET /p HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(v6.header("Location"), "https://[::1]:" + tls + "/p");
  // The TLS listener serves instead of redirecting.
  auto [hsts, status] = hsts_over_tls(w.tls_port);
  EXPECT_EQ(status, "200");
  EXPECT_EQ(hsts, "max-age=63072000");
}

TEST_F(Tls, HstsOnTlsResponsesOnly) {
  REQUIRE_TOOL("curl");
  {
    auto w = web(pairs({ecdsa_}));
    auto [hsts, status] = hsts_over_tls(w.tls_port);
    EXPECT_EQ(status, "200");
    EXPECT_EQ(hsts, "max-age=63072000");
    EXPECT_EQ(hsts_over_tls(w.tls_port, "/missing").first, "max-age=63072000") << "error responses too";
    auto plain = http_get(w.port, "/index.html");
    EXPECT_EQ(plain.status, 200);
    EXPECT_EQ(plain.header("Strict-Transport-Security"), "");
  }
  {
    auto w = web(pairs({ecdsa_}) + std::vector<std::string>{"--hsts-include-subdomains"});
    EXPECT_EQ(hsts_over_tls(w.tls_port).first, "max-age=63072000; includeSubDomains");
    EXPECT_EQ(http_get(w.port, "/index.html").header("Strict-Transport-Security"), "");
  }
  {
    auto w = web(pairs({ecdsa_}) + std::vector<std::string>{"--hsts-max-age", "0"});
    auto [hsts, status] = hsts_over_tls(w.tls_port);
    EXPECT_EQ(status, "200");
    EXPECT_EQ(hsts, "") << "--hsts-max-age 0: no header";
  }
}

// ------------------------------------------------------------ 7, 8. bad clients

TEST_F(Tls, PlainHttpOnTheTlsPortGets400ThenCloseAndIsCounted) {
  auto w = web(pairs({ecdsa_}));
  const long before = handshake_failures(w.admin);
  ASSERT_GE(before, 0) << http_get(w.admin, "/metrics").body;
  HttpConnection c(w.tls_port);
  c.send("GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n");
  auto r = c.read_response();
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("HTTPS"), npos) << r.body;
  EXPECT_TRUE(r.closed || c.wait_closed()) << "the connection must close after the 400";
  EXPECT_TRUE(eventually([&] { return handshake_failures(w.admin) == before + 1; }, 2s))
      << "foobar_tls_handshake_failures_total: " << handshake_failures(w.admin) << ", before " << before;
  expect_served(s_client(w.tls_port, ""), "TLS afterwards");
}

const std::string kHalfClientHello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);  // promises 512 bytes

TEST_F(Tls, StalledHandshakesAreClosedAfterTheHandshakeTimeout) {
  auto w = web(pairs({ecdsa_}) + std::vector<std::string>{"--tls-handshake-timeout-ms", "500"});
  HttpConnection silent(w.tls_port, 3s), half(w.tls_port, 3s);  // the defaults would keep them 10 s
  ASSERT_TRUE(half.send(kHalfClientHello));
  EXPECT_TRUE(silent.wait_closed()) << "a connection that never starts its handshake must be closed";
  EXPECT_TRUE(half.wait_closed()) << "a connection stuck in the middle of a ClientHello must be closed";
  expect_served(s_client(w.tls_port, ""), "a prompt client still");
}

TEST_F(Tls, TimedOutHandshakesAreCounted) {
  auto w = web(pairs({ecdsa_}) + std::vector<std::string>{"--tls-handshake-timeout-ms", "300"});
  const auto counted_after = [&](const std::string& first_bytes) {
    const long before = handshake_failures(w.admin);
    HttpConnection c(w.tls_port, 3s);
    if (!first_bytes.empty()) c.send(first_bytes);
    const bool closed = c.wait_closed();
    const bool counted = eventually([&] { return handshake_failures(w.admin) == before + 1; }, 2s);
    return closed && counted;
  };
  EXPECT_TRUE(counted_after(kHalfClientHello)) << "half a ClientHello, then silence";
  EXPECT_TRUE(counted_after("")) << "connected, never sent a byte: a handshake timeout like any other "
                                    "(docs/configuration.md: failed handshakes ... a timeout ... are counted)";
}

// ------------------------------------------------------------ 9. start-up errors

TEST_F(Tls, StartUpErrorsExit2NamingTheFileAndTheReason) {
  const Leaf expired = pki_->issue("expired", KeyType::Ecdsa, "localhost", kLocalNames,
                                   "-startdate 20200101000000Z -enddate 20200102000000Z");
  const std::string missing = scratch("missing.pem").string();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--tls-cert", missing, "--tls-key", ecdsa_.key}, "tls certificate '" + missing + "': cannot read: No such file"},
      {{"--tls-cert", ecdsa_.cert, "--tls-key", rsa_.key},
       "tls key '" + rsa_.key + "': does not match certificate '" + ecdsa_.cert + "'"},
      {{"--tls-cert", expired.cert, "--tls-key", expired.key},
       "tls certificate '" + expired.cert + "': expired on Jan  2 00:00:00 2020 GMT"},
      {{"--tls-cert", ecdsa_.cert, "--tls-cert", rsa_.cert, "--tls-key", ecdsa_.key},
       "certificates and keys pair up by position: 2 certificates, 1 keys"},
  };
  for (const auto& [flags, message] : cases) {
    Ran r = web_fails(std::vector<std::string>{"--listen-tls", "127.0.0.1:0"} + flags);
    EXPECT_EQ(r.status, 2) << message << "\n" << r.out;
    EXPECT_TRUE(r.has(message)) << "expected: " << message << "\ngot: " << r.out;
    EXPECT_FALSE(r.has("listening on")) << r.out;
  }
}

TEST_F(Tls, TlsTableOfTheConfigFile) {
  const std::string keys = scratch("config-ticket-keys").string();
  const auto config = [&](const std::string& extra_line) {
    const auto file = scratch("web.toml");
    write_file(file, "[web]\n"
                     "root = \"" + root().string() + "\"\n"
                     "listen = \"127.0.0.1:0\"\n"
                     "\n"
                     "[web.tls]\n"
                     "listen = \"127.0.0.1:0\"\n"
                     "cert = [\"" + ecdsa_.cert + "\", \"" + rsa_.cert + "\"]\n"
                     "key = [\"" + ecdsa_.key + "\", \"" + rsa_.key + "\"]\n"
                     "handshake_timeout_ms = 2000\n"
                     "ticket_keys = \"" + keys + "\"\n"
                     "redirect_https = true\n"
                     "hsts_include_subdomains = true\n" +
                     extra_line);  // line 13
    return file.string();
  };
  for (const auto& [line, message] :
       {std::pair<std::string, std::string>{"hsts_max_age = -1\n", ":13: key 'web.tls.hsts_max_age': must be between 0"},
        {"hsts_maxage = 5\n", ":13: key 'web.tls.hsts_maxage': unknown key"}}) {
    const auto file = config(line);
    Process p({foobar_bin(), "web", "--config", file});
    EXPECT_EQ(p.wait_exit(10s), 2) << p.output();
    EXPECT_TRUE(p.output().find(file + message) != npos) << "expected: " << file << message << "\ngot: " << p.output();
  }
  // With a good line every key takes effect.
  Process p({foobar_bin(), "web", "--config", config("hsts_max_age = 600\n")});
  const int port = p.wait_port("web"), tls_port = tls_port_of(p, "web");
  auto redirect = http_get(port, "/x");
  EXPECT_EQ(redirect.status, 301) << p.output();
  EXPECT_EQ(redirect.header("Location"), "https://127.0.0.1:" + std::to_string(tls_port) + "/x");
  if (have("curl")) {
    EXPECT_EQ(hsts_over_tls(tls_port).first, "max-age=600; includeSubDomains");
  }
  EXPECT_TRUE(s_client(tls_port, "-sigalgs rsa_pss_rsae_sha256").has("Server public key is 2048 bit"));
  struct stat st {};
  EXPECT_EQ(::stat(keys.c_str(), &st), 0) << "ticket_keys: the file is created";
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// ------------------------------------------------------------ 10. reload

TEST_F(Tls, SighupSwapsTheCertificateUnderLoadWithoutAFailedRequest) {
  REQUIRE_TOOL("python3");
  const Leaf live{scratch("live.pem").string(), scratch("live.key").string()};
  replace_file(live.cert, read_file(ecdsa_.cert));
  replace_file(live.key, read_file(ecdsa_.key));
  const Leaf next = pki_->issue("next", KeyType::Ecdsa, "localhost", kLocalNames);
  const std::string old_serial = Pki::serial(ecdsa_.cert), new_serial = Pki::serial(next.cert);
  ASSERT_NE(old_serial, new_serial);

  auto w = web(pairs({live}));
  const std::string stop = scratch("stop-load").string();
  fs::remove(stop);
  Process load({"python3", "-c", kLoadClient, std::to_string(w.tls_port), pki_->ca(), stop, kIndex});
  ASSERT_TRUE(eventually([&] { return count_lines(load.output(), "ok ") >= 50; }, 30s)) << load.output();

  replace_file(live.cert, read_file(next.cert));
  replace_file(live.key, read_file(next.key));
  w.proc->signal(SIGHUP);
  w.proc->wait_for("tls: certificates reloaded");
  EXPECT_TRUE(eventually([&] { return count_lines(load.output(), "ok " + new_serial) >= 50; }, 30s))
      << load.output();
  write_file(stop, "");
  EXPECT_EQ(load.wait_exit(30s), 0);

  const std::string out = load.output();
  EXPECT_TRUE(out.find("\ndone") != npos) << out;
  EXPECT_EQ(count_lines(out, "fail") + count_lines(out, "bad"), 0) << out;
  EXPECT_GE(count_lines(out, "ok " + old_serial), 50);
  // Handshakes are sequential: once one saw the new certificate, every later one does.
  const auto first_new = out.find("ok " + new_serial);
  EXPECT_EQ(out.find("ok " + old_serial + "\n", first_new), npos) << "old certificate after the new one\n" << out;
  EXPECT_EQ(first_pem(s_client(w.tls_port, "").out), first_pem(read_file(next.cert)));

  // A broken file: the reload fails, says why, and the server keeps the certificate it has.
  replace_file(live.cert, "this is not a certificate\n");
  w.proc->signal(SIGHUP);
  const std::string why = w.proc->wait_for("tls reload failed[^\n]*");
  EXPECT_NE(why.find(live.cert), npos) << why;
  Ran after = s_client(w.tls_port, "");
  expect_served(after, "after a failed reload");
  EXPECT_EQ(first_pem(after.out), first_pem(read_file(next.cert)));
  EXPECT_TRUE(w.proc->running());
}

// ------------------------------------------------------------ 11. OCSP stapling

TEST_F(Tls, OcspResponseBesideTheCertificateIsStapled) {
  const Leaf stapled = pki_->issue("stapled", KeyType::Ecdsa, "localhost", kLocalNames);
  pki_->write_ocsp_response(stapled);
  auto w = web(pairs({stapled, rsa_}));  // the RSA certificate has no .ocsp file
  Ran ec = s_client(w.tls_port, "-status");
  expect_served(ec, "ECDSA, stapled");
  EXPECT_TRUE(ec.has("OCSP Response Status: successful")) << ec.out;
  EXPECT_TRUE(ec.has("Cert Status: good")) << ec.out;
  Ran rsa = s_client(w.tls_port, "-status -sigalgs rsa_pss_rsae_sha256");
  expect_served(rsa, "RSA, no OCSP file");
  EXPECT_TRUE(rsa.has("OCSP response: no response sent")) << rsa.out;
}

// ------------------------------------------------------------ 12. lb terminates TLS

TEST_F(Tls, LbTerminatesTlsAndTheBackendHearsHttps) {
  REQUIRE_TOOL("curl");
  lbtest::Backend backend("a");
  lbtest::Lb lb(lbtest::Lb::backends({&backend}) + std::vector<std::string>{"--listen-tls", "127.0.0.1:0"} +
                pairs({ecdsa_}));
  const int tls_port = tls_port_of(*lb.proc, "lb");
  const auto body = scratch("echo.txt");
  fs::remove(body);
  Ran r = curl(tls_port, "-H 'X-Forwarded-Proto: http' -o " + body.string() + " " + https(tls_port, "/echo"));
  EXPECT_EQ(r.status, 0) << r.out;
  const std::string head = read_file(body);
  EXPECT_NE(head.find("GET /echo HTTP/1.1\r\n"), npos) << head;
  EXPECT_NE(head.find("X-Forwarded-Proto: https\r\n"), npos) << head;
  EXPECT_EQ(head.find("X-Forwarded-Proto: http\r\n"), npos) << "the client's value must be replaced\n" << head;
  EXPECT_NE(head.find(";proto=https;"), npos) << head;
  // The plain listener still says http.
  EXPECT_NE(http_get(lb.port, "/echo").body.find("X-Forwarded-Proto: http\r\n"), npos);
}

// ------------------------------------------------------------ 8. re-encryption towards backends

// Handshakes a TLS listener completed, new or resumed (-1: not found).
long handshakes(int admin, const std::string& session, const std::string& role = "web") {
  auto body = http_get(admin, "/metrics").body;
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("foobar_tls_handshakes_total\\{role=\"" + role + "\",session=\"" +
                                             session + "\"\\} (\\d+)")))
    return -1;
  return std::stol(m[1]);
}

std::vector<std::string> backend_tls(const std::string& ca, const std::vector<std::string>& more = {}) {
  std::vector<std::string> flags{"--backend-tls", "--backend-tls-ca", ca};
  flags.insert(flags.end(), more.begin(), more.end());
  return flags;
}

std::string lb_backend(const Server& w) { return "127.0.0.1:" + std::to_string(w.tls_port); }

// The lb speaks TLS to the web server: the capture of the loopback holds the
// request's canary on the lb's plain port and neither it nor any HTTP text on
// the web server's TLS port, which carries TLS records.
TEST_F(Tls, TheLbReencryptsTowardsTheWebServersAndNothingCrossesInClear) {
  auto w = web(pairs({ecdsa_}));
  lbtest::Lb lb(std::vector<std::string>{"--backend", lb_backend(w), "--health-check", "http:/index.html"} +
                backend_tls(pki_->ca()));
  ASSERT_TRUE(eventually([&] { return lb.stats().find("\"up\"") != npos; }, 10s, 50ms)) << lb.stats();
  LoopbackCapture capture({{lb.port}, {w.tls_port}});
  ASSERT_TRUE(capture.ok()) << "no AF_PACKET socket (the test runs as root)";
  const std::string canary = "canary-7c21d0";
  auto r = http_raw(lb.port, "GET /index.html?" + canary + " HTTP/1.1\r\nHost: localhost\r\nX-Canary: " + canary +
                                 "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, kIndex);
  EXPECT_EQ(r.header("Strict-Transport-Security"), "") << "the web server's HSTS is for its own listener";
  std::this_thread::sleep_for(300ms);  // the last frames
  const auto taken = capture.taken();
  const std::string &front = taken[0], &back = taken[1];
  ASSERT_NE(front.find(canary), npos) << "the capture misses what travels in clear";
  EXPECT_GT(back.size(), 200u) << "nothing captured on the web server's TLS port";
  for (const std::string& clear : {canary, std::string("HTTP/1.1"), std::string("X-Forwarded-For"), kIndex})
    EXPECT_EQ(back.find(clear), npos) << "'" << clear << "' in clear between the lb and the web server";
  EXPECT_NE(back.find("\x17\x03\x03"), npos) << "no TLS application data record on the TLS port";
  EXPECT_GE(handshakes(w.admin, "new") + handshakes(w.admin, "resumed"), 1);
}

// The web role's proxied routes go over TLS to the app servers the same way.
TEST_F(Tls, TheWebRoleReencryptsTowardsTheAppServers) {
  write_file(root() / "api" / "hello.txt", "hello from the app tier\n");
  auto app = web(pairs({ecdsa_}));
  auto front = web(pairs({ecdsa_}) + std::vector<std::string>{"--proxy", "/api/=" + lb_backend(app)} +
                   backend_tls(pki_->ca()));
  auto r = http_get(front.port, "/api/hello.txt");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "hello from the app tier\n");
  EXPECT_GE(handshakes(app.admin, "new"), 1) << "the app server saw no TLS handshake";
}

// A backend is used only when its certificate chains to the CA and names
// what is expected: the server's IP by default, else --backend-tls-name,
// which is also sent as SNI (so the server picks that name's certificate).
TEST_F(Tls, ABackendIsUsedOnlyWithACertificateThatVerifies) {
  Pki stranger(scratch("stranger-pki"));
  auto w = web(pairs({ecdsa_, other_}));
  auto status_through = [&](const std::vector<std::string>& tls) {
    lbtest::Lb lb(std::vector<std::string>{"--backend", lb_backend(w), "--health-check", "http:/index.html",
                                           "--health-interval-ms", "100"} + tls);
    std::this_thread::sleep_for(500ms);  // a few checks
    auto r = http_get(lb.port, "/index.html");
    return std::pair{r.status, lb.stats()};
  };
  auto [ok, ok_stats] = status_through(backend_tls(pki_->ca()));
  EXPECT_EQ(ok, 200) << ok_stats;
  auto [sni, sni_stats] = status_through(backend_tls(pki_->ca(), {"--backend-tls-name", "other.test"}));
  EXPECT_EQ(sni, 200) << "SNI other.test must get other.test's certificate\n" << sni_stats;
  auto [wrong_ca, wrong_ca_stats] = status_through(backend_tls(stranger.ca()));
  EXPECT_EQ(wrong_ca, 503);
  EXPECT_NE(wrong_ca_stats.find("certificate verify failed"), npos) << wrong_ca_stats;
  auto [wrong_name, wrong_name_stats] = status_through(backend_tls(pki_->ca(), {"--backend-tls-name", "elsewhere.test"}));
  EXPECT_EQ(wrong_name, 503) << wrong_name_stats;
  EXPECT_NE(wrong_name_stats.find("certificate verify failed"), npos) << wrong_name_stats;
  auto [plain, plain_stats] = status_through({});  // plain HTTP to a TLS port: the server answers 400
  EXPECT_NE(plain, 200) << plain_stats;
}

// Without keep-alive towards the backend every request is a new connection:
// all but the first resume the session (TLS 1.3 tickets are single-use, so
// each resumption must bring a fresh one).
TEST_F(Tls, ReconnectionsToABackendResumeTheSession) {
  auto w = web(pairs({ecdsa_}));
  const auto config = scratch("no-pool-lb.toml");
  write_file(config, "[lb]\npool_idle_max = 0\nhealth_check = \"none\"\n");
  lbtest::Lb lb(std::vector<std::string>{"--config", config.string(), "--backend", lb_backend(w)} +
                backend_tls(pki_->ca()));
  for (int i = 0; i < 20; ++i) {
    auto r = http_get(lb.port, "/index.html");
    ASSERT_EQ(r.status, 200) << i;
  }
  EXPECT_EQ(handshakes(w.admin, "new"), 1);
  EXPECT_EQ(handshakes(w.admin, "resumed"), 19);
}

// --tls-only (a tier behind a re-encrypting proxy): TLS listeners alone, the
// --listen address stays closed; without a TLS listener it refuses to start.
TEST_F(Tls, TlsOnlyOpensNoPlainListener) {
  const int plain = free_port();
  Process p(std::vector<std::string>{foobar_bin(), "web", "--listen", "127.0.0.1:" + std::to_string(plain),
                                     "--listen-tls", "127.0.0.1:0", "--tls-only", "--root", root()} +
            pairs({ecdsa_}));
  const int tls_port = tls_port_of(p, "web");
  EXPECT_TRUE(s_client(tls_port, "").has("HTTP/1.1 200")) << p.output();
  EXPECT_ANY_THROW(http_get(plain, "/index.html")) << "the plain listener is open";
  EXPECT_EQ(p.output().find("web listening on 127.0.0.1:" + std::to_string(plain)), npos) << p.output();
  Ran alone = web_fails({"--tls-only"});
  EXPECT_EQ(alone.status, 2) << alone.out;
  EXPECT_TRUE(alone.has("--tls-only needs a TLS listener")) << alone.out;
}

TEST_F(Tls, BackendTlsStartUpErrorsExit2NamingTheReason) {
  auto lb_fails = [](const std::vector<std::string>& args) {
    std::vector<std::string> argv{foobar_bin(), "lb", "--listen", "127.0.0.1:0", "--backend", "127.0.0.1:9"};
    argv.insert(argv.end(), args.begin(), args.end());
    Process p(argv);
    auto rc = p.wait_exit(10s);
    return Ran{rc.value_or(-1), p.output()};
  };
  Ran missing = lb_fails(backend_tls(scratch("no-such-ca.pem").string()));
  EXPECT_EQ(missing.status, 2) << missing.out;
  EXPECT_TRUE(missing.has("no-such-ca.pem")) << missing.out;
  Ran off = lb_fails({"--backend-tls-ca", pki_->ca()});
  EXPECT_EQ(off.status, 2) << off.out;
  EXPECT_TRUE(off.has("backend TLS is off")) << off.out;
  Ran bad_name = web_fails({"--backend-tls", "--backend-tls-name", "not a name"});
  EXPECT_EQ(bad_name.status, 2) << bad_name.out;
  EXPECT_TRUE(bad_name.has("--backend-tls-name")) << bad_name.out;
  write_file(scratch("bad-web.toml"), "[web]\nbackend_tls = true\nbackend_tls_name = \"a b\"\n");
  Ran bad_key = web_fails({"--config", scratch("bad-web.toml").string()});
  EXPECT_EQ(bad_key.status, 2) << bad_key.out;
  EXPECT_TRUE(bad_key.has("bad-web.toml") && bad_key.has("backend_tls_name")) << bad_key.out;
}

}  // namespace
