#pragma once
// Session ticket keys shared by every worker thread (one SSL_CTX serves them
// all), rotated: the newest key encrypts new tickets, older ones still decrypt
// for a ticket lifetime. TLS 1.2 and 1.3 tickets both go through it. Kept in a
// file (mode 0600) so a restart or reload does not log every client out of
// resumption.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <openssl/ssl.h>

namespace foobar::net {

class TicketKeys {
 public:
  struct Key {
    std::array<unsigned char, 16> name;  // sent in the ticket: finds the key again
    std::array<unsigned char, 32> aes;   // AES-256-CBC
    std::array<unsigned char, 32> hmac;  // HMAC-SHA256
    std::int64_t created;                // unix seconds
  };
  // A new key every rotate_every; each decrypts for lifetime after it stops
  // encrypting (the ticket lifetime the server announces).
  static constexpr std::chrono::seconds kRotateEvery{4 * 3600};
  static constexpr std::chrono::seconds kLifetime{24 * 3600};

  // Loads the live keys in file ("" for none), and rotates (saving) if the
  // newest is due. Throws std::runtime_error naming the file when it cannot be
  // read or written.
  explicit TicketKeys(std::string file, std::int64_t now = unix_now());

  // Adds a key when the newest is kRotateEvery old, drops expired ones, and
  // saves the file. Returns whether the set changed. Called from one thread;
  // the handshakes of every thread read the published set.
  bool rotate(std::int64_t now = unix_now());
  // Makes ctx use these keys (the callback reads them without a lock).
  void attach(SSL_CTX* ctx);
  std::shared_ptr<const std::vector<Key>> keys() const { return keys_.load(); }  // newest first

  static std::int64_t unix_now() noexcept;

 private:
  static int callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                      EVP_MAC_CTX* mac, int encrypt);
  void save(const std::vector<Key>& keys) const;

  std::string file_;
  std::atomic<std::shared_ptr<const std::vector<Key>>> keys_;
};

}  // namespace foobar::net
