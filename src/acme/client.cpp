#include "acme/client.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/x509v3.h>

#include "acme/jws.hpp"
#include "core/blocking.hpp"
#include "http/client.hpp"
#include "net/tls_client_context.hpp"

namespace foobar::acme {

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using Req = std::unique_ptr<X509_REQ, net::ossl::Deleter<X509_REQ_free>>;

struct Url {
  std::string host, port, target;
};

Url parse_url(const std::string& url) {
  constexpr std::string_view scheme = "https://";
  if (!url.starts_with(scheme)) throw AcmeError("ACME: not an https URL: " + url);
  const auto rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  Url u{authority, "443", slash == std::string::npos ? "/" : rest.substr(slash)};
  const auto colon = authority.rfind(':');
  const auto bracket = authority.rfind(']');
  if (colon != std::string::npos && (bracket == std::string::npos || colon > bracket)) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  }
  if (u.host.starts_with('[') && u.host.ends_with(']')) u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty() || u.port.empty()) throw AcmeError("ACME: no host in " + url);
  return u;
}

// The server's problem document as one line (RFC 8555 §6.7).
std::string problem(const http::FetchResult& r) {
  auto j = json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("detail"))
    return fmt::format("{} ({})", j.value("detail", ""), j.value("type", ""));
  return fmt::format("HTTP {}", r.status);
}

// A new P-256 key and a CSR for domains, DER.
std::pair<net::ossl::Key, std::string> key_and_csr(const std::vector<std::string>& domains) {
  net::ossl::Key key(EVP_EC_gen("P-256"));
  Req req(X509_REQ_new());
  std::string san;
  for (const auto& d : domains) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  auto* exts = sk_X509_EXTENSION_new_null();
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
  const bool ok =
      key && req && exts && ext && sk_X509_EXTENSION_push(exts, ext) && X509_REQ_set_version(req.get(), 0) &&
      X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req.get()), "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(domains.front().c_str()), -1, -1, 0) &&
      X509_REQ_add_extensions(req.get(), exts) && X509_REQ_set_pubkey(req.get(), key.get()) &&
      X509_REQ_sign(req.get(), key.get(), EVP_sha256()) > 0;
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
  if (!ok) throw AcmeError("ACME: cannot make the certificate request: " + net::ossl::last_error());
  const int len = i2d_X509_REQ(req.get(), nullptr);
  std::string der(static_cast<std::size_t>(std::max(len, 0)), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  if (len <= 0 || i2d_X509_REQ(req.get(), &p) != len) throw AcmeError("ACME: cannot encode the certificate request");
  return {std::move(key), std::move(der)};
}

// The payloads of newAccount, newOrder and finalize (RFC 8555 §7.3, §7.4).
std::string account_request(const std::string& email) {
  json j{{"termsOfServiceAgreed", true}};
  if (!email.empty()) j["contact"] = json::array({"mailto:" + email});
  return j.dump();
}
std::string order_request(const std::vector<std::string>& domains) {
  json ids = json::array();
  for (const auto& d : domains) ids.push_back({{"type", "dns"}, {"value", d}});
  return json{{"identifiers", ids}}.dump();
}
std::string finalize_request(const std::string& csr_der) { return json{{"csr", base64url(csr_der)}}.dump(); }

// One ACME conversation: the directory, the nonce, the account's URL.
class Session {
 public:
  Session(asio::any_io_executor ex, AcmeConfig c)
      : ex_(std::move(ex)), c_(std::move(c)), key_(AccountKey::load_or_create(c_.account_key)) {
    const Url u = parse_url(c_.directory);
    error_code ec;
    asio::ip::make_address(u.host, ec);
    // A name is sent as SNI and checked in the certificate; an address is checked as
    // one. Every URL of a CA's directory is on its host (Let's Encrypt's, Pebble's).
    tls_ = net::TlsClientContext::load({true, c_.ca_file, ec ? u.host : ""});
  }

  asio::awaitable<Certificate> run(const PublishChallenge& publish) {
    auto dir = co_await request(http::Method::Get, c_.directory);
    directory_ = parse(dir, "the directory");
    co_await fresh_nonce();
    const std::string account = account_request(c_.email);
    auto acct = co_await post(url_of("newAccount"), account, /*with_jwk=*/true);
    kid_ = acct.header("Location");
    if (kid_.empty()) throw AcmeError("ACME: the account has no URL (no Location)");

    // (Braced JSON is built before each co_await: GCC 12 miscompiles an
    // initializer list that lives across one.)
    const std::string new_order = order_request(c_.domains);
    auto created = co_await post(url_of("newOrder"), new_order);
    const std::string order_url = created.header("Location");
    if (order_url.empty()) throw AcmeError("ACME: the order has no URL (no Location)");
    json order = parse(created, "the order");
    for (const auto& authz : order.value("authorizations", json::array()))
      co_await authorize(authz.get<std::string>(), publish);

    // Finalized once ready (every authorization valid), then valid once issued (§7.4).
    order = co_await poll(order_url, "the order", "ready");
    auto made = key_and_csr(c_.domains);  // key, CSR
    const std::string finalize = finalize_request(made.second);
    co_await post(order.value("finalize", ""), finalize);
    order = co_await poll(order_url, "the order", "valid");
    const std::string cert_url = order.value("certificate", "");
    if (cert_url.empty()) throw AcmeError("ACME: the valid order names no certificate");
    auto cert = co_await post(cert_url, "");
    if (cert.body.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
      throw AcmeError("ACME: the certificate download is not PEM");
    std::string key = net::ossl::to_pem({}, made.first.get());
    if (key.empty()) throw AcmeError("ACME: cannot encode the key: " + net::ossl::last_error());
    co_return Certificate{cert.body, std::move(key)};
  }

 private:
  // Answers one http-01 challenge of an authorization and waits for its verdict.
  asio::awaitable<void> authorize(const std::string& url, const PublishChallenge& publish) {
    json authz = parse(co_await post(url, ""), "an authorization");
    if (authz.value("status", "") == "valid") co_return;
    const std::string domain = authz["identifier"].value("value", "");
    json challenge;
    for (const auto& ch : authz.value("challenges", json::array()))
      if (ch.value("type", "") == "http-01") challenge = ch;
    if (!challenge.is_object()) throw AcmeError("ACME: no http-01 challenge offered for " + domain);
    const std::string token = challenge.value("token", "");
    publish(token, token + "." + key_.thumbprint());
    try {
      co_await post(challenge.value("url", ""), "{}");
      co_await poll(url, "the authorization of " + domain, "valid");
    } catch (...) {
      publish(token, "");
      throw;
    }
    publish(token, "");
  }

  // POST-as-GET url (an authorization or an order) until its status is want
  // (or valid, which follows ready), within validation_wait, at the pace the
  // server's Retry-After asks (§8.2); any status but those of work in progress
  // is a failure, thrown with the challenge's error when there is one.
  asio::awaitable<json> poll(const std::string& url, const std::string& what, std::string_view want) {
    const auto until = Clock::now() + c_.validation_wait;
    for (;;) {
      auto r = co_await post(url, "");
      json j = parse(r, what);
      const std::string status = j.value("status", "");
      if (status == want || status == "valid") co_return j;
      if (status != "pending" && status != "processing" && status != "ready") {
        std::string why;
        for (const auto& ch : j.value("challenges", json::array()))
          if (ch.contains("error")) why = ch["error"].value("detail", "");
        if (why.empty() && j.contains("error")) why = j["error"].value("detail", "");
        throw AcmeError(fmt::format("ACME: {} is {}{}", what, status, why.empty() ? "" : ": " + why));
      }
      if (Clock::now() >= until) throw AcmeError(fmt::format("ACME: {} still {} after the wait", what, status));
      if (stopped()) throw AcmeError("ACME: stopped");
      // Retry-After in seconds, from 1 to 10; 500 ms without one.
      std::chrono::milliseconds pause(500);
      if (const auto after = r.header("Retry-After"); !after.empty() && std::isdigit(static_cast<unsigned char>(after[0])))
        pause = std::chrono::seconds(std::clamp(std::atoi(after.c_str()), 1, 10));
      asio::steady_timer t(ex_, pause);
      co_await t.async_wait(asio::use_awaitable);
    }
  }

  std::string url_of(const char* name) const {
    if (!directory_.contains(name)) throw AcmeError(std::string("ACME: the directory has no ") + name);
    return directory_[name].get<std::string>();
  }

  static json parse(const http::FetchResult& r, const std::string& what) {
    auto j = json::parse(r.body, nullptr, false);
    if (!j.is_object()) throw AcmeError("ACME: " + what + " is not a JSON object");
    return j;
  }

  asio::awaitable<void> fresh_nonce() {
    auto r = co_await request(http::Method::Head, url_of("newNonce"));
    nonce_ = r.header("Replay-Nonce");
    if (nonce_.empty()) throw AcmeError("ACME: no Replay-Nonce from " + url_of("newNonce"));
  }

  // A signed POST; a rejected nonce is retried once with the fresh one it brought.
  asio::awaitable<http::FetchResult> post(const std::string& url, const std::string& payload, bool with_jwk = false) {
    for (int attempt = 0;; ++attempt) {
      const std::string body = key_.sign(payload, url, nonce_, with_jwk ? "" : kid_);
      auto r = co_await request(http::Method::Post, url, body);
      if (auto n = r.header("Replay-Nonce"); !n.empty()) nonce_ = n;
      if (r.status >= 200 && r.status < 300) co_return r;
      const bool bad_nonce = r.body.find("urn:ietf:params:acme:error:badNonce") != std::string::npos;
      if (!bad_nonce || attempt > 0) throw AcmeError(fmt::format("ACME: {}: {}", url, problem(r)));
    }
  }

  bool stopped() const { return c_.stop && *c_.stop; }

  asio::awaitable<http::FetchResult> request(http::Method method, const std::string& url, std::string body = "") {
    if (stopped()) throw AcmeError("ACME: stopped");
    const Url u = parse_url(url);
    asio::ip::tcp::resolver resolver(ex_);
    auto [ec, found] = co_await resolver.async_resolve(u.host, u.port, use_nothrow);
    if (ec || found.empty()) throw AcmeError(fmt::format("ACME: cannot resolve {}: {}", u.host, ec.message()));
    std::string raw = fmt::format("{} {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: foobar/{}\r\nConnection: close\r\n",
                                  http::method_name(method), u.target, u.host, u.port, FOOBAR_VERSION);
    if (method == http::Method::Post)
      raw += fmt::format("Content-Type: application/jose+json\r\nContent-Length: {}\r\n", body.size());
    raw += "\r\n" + body;
    auto r = co_await http::fetch(ex_, *found.begin(), std::move(raw), method, c_.timeout, 1 << 20, tls_);
    if (r.status == 0) throw AcmeError(fmt::format("ACME: {}: {}", url, r.error));
    co_return r;
  }

  asio::any_io_executor ex_;
  const AcmeConfig c_;
  AccountKey key_;
  std::shared_ptr<const net::TlsClientContext> tls_;
  json directory_;
  std::string nonce_, kid_;
};

}  // namespace

asio::awaitable<Certificate> obtain(asio::any_io_executor ex, AcmeConfig config, PublishChallenge publish) {
  if (config.domains.empty()) throw AcmeError("ACME: no domains");
  Session s(ex, std::move(config));
  Certificate cert = co_await s.run(publish);
  co_return cert;
}

Certificate obtain_blocking(const AcmeConfig& config, PublishChallenge publish) {
  std::exception_ptr failure;
  auto out = core::run_blocking([&](const asio::any_io_executor& ex) -> asio::awaitable<std::optional<Certificate>> {
    try {
      Certificate cert = co_await obtain(ex, config, publish);
      co_return cert;
    } catch (...) {
      failure = std::current_exception();
    }
    co_return std::nullopt;
  });
  if (failure) std::rethrow_exception(failure);
  return std::move(*out);
}

}  // namespace foobar::acme
