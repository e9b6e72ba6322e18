#include "net/tls_ticket_keys.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace foobar::net {
namespace {

int ex_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

template <std::size_t N>
std::string hex(const std::array<unsigned char, N>& bytes) {
  std::string out;
  for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

template <std::size_t N>
bool unhex(std::string_view text, std::array<unsigned char, N>& out) {
  if (text.size() != 2 * N) return false;
  for (std::size_t i = 0; i < N; ++i) {
    unsigned v = 0;
    if (std::sscanf(std::string(text.substr(2 * i, 2)).c_str(), "%2x", &v) != 1) return false;
    out[i] = static_cast<unsigned char>(v);
  }
  return true;
}

TicketKeys::Key fresh_key(std::int64_t now) {
  TicketKeys::Key k{};
  if (RAND_bytes(k.name.data(), k.name.size()) != 1 || RAND_bytes(k.aes.data(), k.aes.size()) != 1 ||
      RAND_bytes(k.hmac.data(), k.hmac.size()) != 1)
    throw std::runtime_error("tls ticket keys: no randomness");
  k.created = now;
  return k;
}

bool expired(const TicketKeys::Key& k, std::int64_t now) {
  return now - k.created >= (TicketKeys::kRotateEvery + TicketKeys::kLifetime).count();
}

// One key per line: created name aes hmac (hex).
std::vector<TicketKeys::Key> load(const std::string& file, std::int64_t now) {
  std::vector<TicketKeys::Key> keys;
  if (file.empty()) return keys;
  std::ifstream in(file);
  if (!in) {
    if (errno == ENOENT) return keys;
    throw std::runtime_error(fmt::format("tls ticket keys '{}': cannot read: {}", file, std::strerror(errno)));
  }
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::istringstream fields(line);
    TicketKeys::Key k{};
    std::string name, aes, hmac;
    if (!(fields >> k.created >> name >> aes >> hmac) || !unhex(name, k.name) || !unhex(aes, k.aes) ||
        !unhex(hmac, k.hmac))
      throw std::runtime_error(fmt::format("tls ticket keys '{}': line {} is not a key", file, n));
    if (!expired(k, now) && k.created <= now) keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.created > b.created; });
  return keys;
}

}  // namespace

std::int64_t TicketKeys::unix_now() noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TicketKeys::TicketKeys(std::string file, std::int64_t now) : file_(std::move(file)) {
  keys_.store(std::make_shared<const std::vector<Key>>(load(file_, now)));
  rotate(now);
}

bool TicketKeys::rotate(std::int64_t now) {
  auto current = keys_.load();
  const bool add = current->empty() || now - current->front().created >= kRotateEvery.count();
  std::vector<Key> next;
  if (add) next.push_back(fresh_key(now));
  for (const auto& k : *current)
    if (!expired(k, now)) next.push_back(k);
  if (!add && next.size() == current->size()) return false;
  // In use before it is saved: a file that cannot be written must not stop rotation.
  auto published = std::make_shared<const std::vector<Key>>(std::move(next));
  keys_.store(published);
  save(*published);
  return true;
}

// Written whole to a new file created 0600, then renamed over the old one.
void TicketKeys::save(const std::vector<Key>& keys) const {
  if (file_.empty()) return;
  std::string text;
  for (const auto& k : keys) text += fmt::format("{} {} {} {}\n", k.created, hex(k.name), hex(k.aes), hex(k.hmac));
  const std::string tmp = file_ + ".new";
  ::unlink(tmp.c_str());  // O_EXCL: a new file, so the mode is 0600 whatever an old one had
  errno = 0;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = fd >= 0 && ::fsync(fd) == 0 && ok;
  if (fd >= 0) ::close(fd);
  if (!ok || ::rename(tmp.c_str(), file_.c_str()) != 0) {
    int err = errno ? errno : EIO;
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("tls ticket keys '{}': cannot write: {}", file_, std::strerror(err)));
  }
}

void TicketKeys::attach(SSL_CTX* ctx) {
  SSL_CTX_set_ex_data(ctx, ex_index(), this);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &TicketKeys::callback);
}

// OpenSSL's ticket key callback: 1 = key set, 2 = decrypted and a fresh
// ticket is due, 0 = unknown key (full handshake), -1 = error. Fresh: under
// an old key, and always in TLS 1.3, whose tickets are single-use (RFC 8446
// section C.4; OpenSSL's clients, ours included, use each once), so a resumed
// client can resume again.
int TicketKeys::callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cipher,
                         EVP_MAC_CTX* mac, int encrypt) {
  auto* self = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index()));
  if (!self) return -1;
  auto keys = self->keys_.load();
  if (keys->empty()) return encrypt ? -1 : 0;
  const Key* key = nullptr;
  if (encrypt) {
    key = &keys->front();
    std::memcpy(name, key->name.data(), key->name.size());
    if (RAND_bytes(iv, EVP_MAX_IV_LENGTH) != 1) return -1;
  } else {
    for (const auto& k : *keys)
      if (std::memcmp(name, k.name.data(), k.name.size()) == 0) key = &k;
    if (!key) return 0;
  }
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<unsigned char*>(key->hmac.data()),
                                        key->hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>("sha256"), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(mac, params) != 1) return -1;
  if (EVP_CipherInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key->aes.data(), iv, encrypt) != 1) return -1;
  if (encrypt) return 1;
  return key == &keys->front() && SSL_version(ssl) < TLS1_3_VERSION ? 1 : 2;
}

}  // namespace foobar::net
