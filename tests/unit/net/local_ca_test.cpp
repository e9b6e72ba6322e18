#include "net/local_ca.hpp"
#include "core/files.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>


namespace foobar::net {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const { Free(p); }
};
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;

const std::vector<std::string> names{"localhost", "127.0.0.1", "::1", "www.foobar.com"};

struct Dir {
  fs::path path;
  Dir() {
    std::string tmpl = (fs::temp_directory_path() / "foobar-ca-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~Dir() { fs::remove_all(path); }
  std::string read(const char* name) const { return core::read_file(path / name); }
};

// Every certificate in a PEM file, in order.
std::vector<Cert> read_certs(const fs::path& path) {
  std::vector<Cert> out;
  std::unique_ptr<BIO, Deleter<BIO_free>> bio(BIO_new_file(path.c_str(), "r"));
  while (bio)
    if (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
      out.emplace_back(c);
    else
      break;
  ERR_clear_error();  // the end of the file reads as "no start line"
  return out;
}

unsigned mode(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 07777;
}

// X509_V_OK when leaf chains to ca for name (a host or an IP address) as a TLS client checks
// it, strictly (the flag Python 3.13 sets by default).
int verify(X509* leaf, X509* ca, const std::string& name) {
  std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  X509_STORE_add_cert(store.get(), ca);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  if (name.find(':') != std::string::npos || name.find_first_not_of("0123456789.") == std::string::npos)
    X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  else
    X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

std::string common_name(X509* cert) {
  char buf[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
  return buf;
}

long days_valid(X509* cert) {
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
  return days;
}

bool is_p256(X509* cert) {
  char group[64] = "";
  size_t len = 0;
  return EVP_PKEY_get_group_name(X509_get0_pubkey(cert), group, sizeof group, &len) == 1 &&
         std::string(group) == "prime256v1";
}

TEST(LocalCa, CreatesFilesWithModes) {
  Dir d;
  // With no umask the create mode alone keeps keys private; certificates are readable.
  mode_t old = ::umask(0);
  LocalCertificates files;
  try {
    files = ensure_local_certificates(d.path / "tls", names);
  } catch (...) {
    ::umask(old);
    throw;
  }
  ::umask(old);
  EXPECT_EQ(files.ca_cert, d.path / "tls" / "ca.pem");
  EXPECT_EQ(files.server_cert, d.path / "tls" / "server.pem");
  EXPECT_EQ(files.server_key, d.path / "tls" / "server-key.pem");
  EXPECT_EQ(mode(d.path / "tls" / "ca.pem"), 0644u);
  EXPECT_EQ(mode(d.path / "tls" / "ca-key.pem"), 0600u);
  EXPECT_EQ(mode(d.path / "tls" / "server.pem"), 0644u);
  EXPECT_EQ(mode(d.path / "tls" / "server-key.pem"), 0600u);
  // Nothing left over from the atomic writes.
  EXPECT_EQ(std::distance(fs::directory_iterator(d.path / "tls"), fs::directory_iterator()), 4);
}

// One CA, a certificate per server (foobar render: each database host its own key).
TEST(LocalCa, NamedLeavesShareTheCaAndLeaveEachOtherAlone) {
  Dir d;
  auto lb = ensure_local_certificates(d.path, names);
  const std::string lb_cert = d.read("server.pem");
  const std::vector<std::string> db1{"10.0.0.41"}, db2{"10.0.0.42"};
  auto a = ensure_local_certificates(d.path, db1, 30 * 24h, "db-db1");
  auto b = ensure_local_certificates(d.path, db2, 30 * 24h, "db-db2");
  EXPECT_EQ(a.server_cert, d.path / "db-db1.pem");
  EXPECT_EQ(a.server_key, d.path / "db-db1-key.pem");
  EXPECT_EQ(mode(b.server_key), 0600u);
  EXPECT_EQ(a.ca_cert, lb.ca_cert);
  auto ca = read_certs(lb.ca_cert);
  ASSERT_EQ(ca.size(), 1u);
  EXPECT_EQ(verify(read_certs(a.server_cert).at(0).get(), ca[0].get(), "10.0.0.41"), X509_V_OK);
  EXPECT_EQ(verify(read_certs(b.server_cert).at(0).get(), ca[0].get(), "10.0.0.42"), X509_V_OK);
  EXPECT_NE(verify(read_certs(b.server_cert).at(0).get(), ca[0].get(), "10.0.0.41"), X509_V_OK);
  EXPECT_EQ(d.read("server.pem"), lb_cert);  // untouched by the others
  const std::string a_cert = d.read("db-db1.pem");
  ensure_local_certificates(d.path, db1, 30 * 24h, "db-db1");
  EXPECT_EQ(d.read("db-db1.pem"), a_cert);  // still current: kept
}

TEST(LocalCa, CertificateProfiles) {
  Dir d;
  auto files = ensure_local_certificates(d.path, names);
  auto chain = read_certs(files.server_cert);
  auto cas = read_certs(files.ca_cert);
  ASSERT_EQ(chain.size(), 2u) << "server.pem holds the leaf, then the CA";
  ASSERT_EQ(cas.size(), 1u);
  X509* leaf = chain[0].get();
  X509* ca = cas[0].get();
  EXPECT_EQ(X509_cmp(chain[1].get(), ca), 0);

  EXPECT_TRUE(is_p256(leaf));
  EXPECT_EQ(common_name(leaf), "localhost");
  EXPECT_EQ(X509_check_ca(leaf), 0);
  EXPECT_TRUE(X509_get_extended_key_usage(leaf) & XKU_SSL_SERVER);
  EXPECT_EQ(X509_get_key_usage(leaf), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(days_valid(leaf), 90);  // plus the hour it is backdated
  EXPECT_NE(X509_get0_subject_key_id(leaf), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(leaf), nullptr);
  std::unique_ptr<BIGNUM, Deleter<BN_free>> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr));
  EXPECT_GT(BN_num_bits(serial.get()), 64);  // 128 random bits; fewer than 65 once in 2^63

  EXPECT_TRUE(is_p256(ca));
  EXPECT_EQ(common_name(ca).rfind("foobar local CA (", 0), 0u) << common_name(ca);
  EXPECT_EQ(X509_check_ca(ca), 1);
  EXPECT_EQ(X509_get_pathlen(ca), 0);
  EXPECT_TRUE(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(days_valid(ca), 3650);
  EXPECT_EQ(X509_check_issued(ca, leaf), X509_V_OK);
}

TEST(LocalCa, VerifiesForEachNameOnly) {
  Dir d;
  auto files = ensure_local_certificates(d.path, names);
  auto chain = read_certs(files.server_cert);
  auto cas = read_certs(files.ca_cert);
  ASSERT_EQ(chain.size(), 2u);
  ASSERT_EQ(cas.size(), 1u);
  for (const std::string& name : names)
    EXPECT_EQ(verify(chain[0].get(), cas[0].get(), name), X509_V_OK) << name;
  EXPECT_EQ(verify(chain[0].get(), cas[0].get(), "example.com"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(verify(chain[0].get(), cas[0].get(), "127.0.0.2"), X509_V_ERR_IP_ADDRESS_MISMATCH);
  EXPECT_EQ(verify(chain[0].get(), cas[0].get(), "::2"), X509_V_ERR_IP_ADDRESS_MISMATCH);

  // Not trusted by another CA.
  Dir other;
  auto other_cas = read_certs(ensure_local_certificates(other.path, names).ca_cert);
  ASSERT_EQ(other_cas.size(), 1u);
  EXPECT_NE(verify(chain[0].get(), other_cas[0].get(), "localhost"), X509_V_OK);
}

TEST(LocalCa, SecondCallReusesEverything) {
  Dir d;
  ensure_local_certificates(d.path, names);
  std::vector<std::string> before;
  for (const char* f : {"ca.pem", "ca-key.pem", "server.pem", "server-key.pem"}) before.push_back(d.read(f));
  ensure_local_certificates(d.path, names);
  int i = 0;
  for (const char* f : {"ca.pem", "ca-key.pem", "server.pem", "server-key.pem"}) {
    EXPECT_FALSE(before[i].empty()) << f;
    EXPECT_EQ(d.read(f), before[i++]) << f;
  }
}

TEST(LocalCa, RenewsServerCertificateExpiringSoonAndKeepsTheCa) {
  Dir d;
  ensure_local_certificates(d.path, names);
  std::string ca = d.read("ca.pem"), ca_key = d.read("ca-key.pem");
  std::string server = d.read("server.pem"), server_key = d.read("server-key.pem");

  // The certificate lasts 90 days, so it "expires within" 91.
  auto files = ensure_local_certificates(d.path, names, std::chrono::days(91));
  EXPECT_EQ(d.read("ca.pem"), ca);
  EXPECT_EQ(d.read("ca-key.pem"), ca_key);
  EXPECT_NE(d.read("server.pem"), server);
  EXPECT_NE(d.read("server-key.pem"), server_key);
  auto chain = read_certs(files.server_cert);
  auto cas = read_certs(files.ca_cert);
  ASSERT_EQ(chain.size(), 2u);
  ASSERT_EQ(cas.size(), 1u);
  EXPECT_EQ(verify(chain[0].get(), cas[0].get(), "www.foobar.com"), X509_V_OK);

  // Renewed, it is kept again.
  server = d.read("server.pem");
  ensure_local_certificates(d.path, names);
  EXPECT_EQ(d.read("server.pem"), server);
}

TEST(LocalCa, ReissuesWhenNamesDiffer) {
  Dir d;
  const std::vector<std::string> some{"localhost"};
  ensure_local_certificates(d.path, some);
  std::string ca = d.read("ca.pem"), server = d.read("server.pem");
  auto files = ensure_local_certificates(d.path, names);
  EXPECT_EQ(d.read("ca.pem"), ca);
  EXPECT_NE(d.read("server.pem"), server);
  auto chain = read_certs(files.server_cert);
  auto cas = read_certs(files.ca_cert);
  ASSERT_EQ(chain.size(), 2u);
  ASSERT_EQ(cas.size(), 1u);
  EXPECT_EQ(verify(chain[0].get(), cas[0].get(), "::1"), X509_V_OK);
}

TEST(LocalCa, ReissuesAnUnreadableServerKey) {
  Dir d;
  ensure_local_certificates(d.path, names);
  std::string ca = d.read("ca.pem"), server = d.read("server.pem");
  core::write_file_atomic(d.path / "server-key.pem", "garbage", 0600);
  ensure_local_certificates(d.path, names);
  EXPECT_EQ(d.read("ca.pem"), ca);
  EXPECT_NE(d.read("server.pem"), server);
  EXPECT_NE(d.read("server-key.pem"), "garbage");
}

TEST(LocalCa, UnreadableCaThrowsAndIsKept) {
  Dir d;
  ensure_local_certificates(d.path, names);
  core::write_file_atomic(d.path / "ca.pem", "garbage\n");
  try {
    ensure_local_certificates(d.path, names);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find((d.path / "ca.pem").string()), std::string::npos) << what;
    EXPECT_NE(what.find("no start line"), std::string::npos) << what;  // OpenSSL's reason
  }
  EXPECT_EQ(d.read("ca.pem"), "garbage\n");
}

TEST(LocalCa, MissingCaKeyMakesANewCa) {
  Dir d;
  ensure_local_certificates(d.path, names);
  std::string ca = d.read("ca.pem");
  fs::remove(d.path / "ca-key.pem");
  auto files = ensure_local_certificates(d.path, names);
  EXPECT_NE(d.read("ca.pem"), ca);
  auto chain = read_certs(files.server_cert);
  auto cas = read_certs(files.ca_cert);
  ASSERT_EQ(chain.size(), 2u);
  ASSERT_EQ(cas.size(), 1u);
  EXPECT_EQ(verify(chain[0].get(), cas[0].get(), "localhost"), X509_V_OK);  // re-issued by the new CA
}

TEST(LocalCa, RejectsBadNames) {
  Dir d;
  EXPECT_THROW(ensure_local_certificates(d.path, std::vector<std::string>{}), std::runtime_error);
  EXPECT_THROW(ensure_local_certificates(d.path, std::vector<std::string>{"a.example,IP:10.0.0.1"}),
               std::runtime_error);
  EXPECT_THROW(ensure_local_certificates(d.path, std::vector<std::string>{""}), std::runtime_error);
  EXPECT_FALSE(fs::exists(d.path / "ca.pem"));
}

// The openssl command line as a real client: exit status and output.
std::pair<int, std::string> run(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  return {::pclose(p), out};
}

TEST(LocalCa, OpensslCliVerifiesEachName) {
  if (!fs::exists("/usr/bin/openssl")) GTEST_SKIP() << "no /usr/bin/openssl";
  Dir d;
  auto files = ensure_local_certificates(d.path, names);
  auto verify_cmd = [&](const std::string& option) {
    return fmt::format("/usr/bin/openssl verify -x509_strict -purpose sslserver -CAfile '{}' {} '{}'",
                       files.ca_cert.string(), option, files.server_cert.string());
  };
  for (const std::string& name : names) {
    bool ip = name == "127.0.0.1" || name == "::1";
    auto [status, out] = run(verify_cmd((ip ? "-verify_ip " : "-verify_hostname ") + name));
    EXPECT_EQ(status, 0) << name << ": " << out;
    EXPECT_NE(out.find("server.pem: OK"), std::string::npos) << name << ": " << out;
  }
  auto [status, out] = run(verify_cmd("-verify_hostname example.com"));
  EXPECT_NE(status, 0) << out;
}

}  // namespace
}  // namespace foobar::net
