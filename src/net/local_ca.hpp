#pragma once
// The local certificate authority that lets `foobar up` serve HTTPS by default: a CA kept in
// the state dir (trust ca.pem once) and a short-lived server certificate it signs, re-issued
// before it expires. Keys are ECDSA P-256, files PEM:
//   ca.pem, ca-key.pem          the CA (10 years)
//   server.pem, server-key.pem  the server certificate, then the CA (the chain a server sends)
#include <chrono>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace foobar::net {

struct LocalCertificates {
  std::filesystem::path ca_cert;      // ca.pem
  std::filesystem::path server_cert;  // server.pem: leaf + CA
  std::filesystem::path server_key;   // server-key.pem
};

// Where the files are (or will be) in dir. leaf names the server certificate's files
// (<leaf>.pem, <leaf>-key.pem): one CA signs certificates for several servers.
LocalCertificates local_certificate_paths(const std::filesystem::path& dir, std::string_view leaf = "server");

// Ensures dir (created if missing) holds the CA and a server certificate for names (DNS names
// or IP addresses; the first is the subject CN), and returns their paths. Keeps what is valid;
// creates the CA when ca.pem or ca-key.pem is missing (or it nears its end); re-issues the
// server certificate when it expires within renew_before, its names differ, or it is unreadable
// or not from this CA. Keys are written 0600, certificates 0644, each atomically (temp + rename).
// Throws std::runtime_error naming the file and OpenSSL's reason, also for an unreadable CA:
// browsers may trust it, so it is never replaced silently. Callers serialize (foobar up holds
// the stack lock).
LocalCertificates ensure_local_certificates(const std::filesystem::path& dir, std::span<const std::string> names,
                                            std::chrono::seconds renew_before = std::chrono::days(30),
                                            std::string_view leaf = "server");

// Ensures dir holds the CA only (as above); returns ca.pem's path.
std::filesystem::path ensure_local_ca(const std::filesystem::path& dir,
                                      std::chrono::seconds renew_before = std::chrono::days(30));

}  // namespace foobar::net
