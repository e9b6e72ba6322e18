#include "acme/renewer.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include <fmt/chrono.h>
#include <fmt/ranges.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include "core/files.hpp"
#include "net/local_ca.hpp"
#include "net/openssl.hpp"

namespace foobar::acme {

namespace fs = std::filesystem;
using SysClock = std::chrono::system_clock;

namespace {

constexpr std::string_view kLeaf = "cert";  // cert.pem, cert-key.pem
constexpr std::chrono::hours kMaxBackoff{1};

net::ossl::Cert first_cert(const fs::path& file) {
  auto c = net::ossl::read_cert(core::read_file(file));
  ERR_clear_error();
  return c;
}

// As a CA writes a name in a certificate: lower case, no final dot.
std::string canonical(std::string name) {
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name.ends_with('.')) name.pop_back();
  return name;
}

bool pair_matches(const net::LocalCertificates& files) {
  auto key = net::ossl::read_key(core::read_file(files.server_key));
  auto leaf = first_cert(files.server_cert);
  const bool ok = key && leaf && X509_check_private_key(leaf.get(), key.get()) == 1;
  ERR_clear_error();
  return ok;
}

SysClock::time_point as_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return {};
  return SysClock::from_time_t(::timegm(&tm));
}

}  // namespace

ServedFiles prepare_certificate(const AcmeSettings& s) {
  fs::create_directories(s.dir);
  ::chmod(s.dir.c_str(), 0700);  // the account key and the certificate's key live here
  auto files = net::local_certificate_paths(s.dir, kLeaf);
  // Never over a good pair: ensure_local_certificates would replace an ACME certificate.
  if (!pair_matches(files)) {
    fs::remove(files.server_cert);
    files = net::ensure_local_certificates(s.dir, s.client.domains, std::chrono::days(30), kLeaf);
  }
  return {files.server_cert.string(), files.server_key.string()};
}

Renewer::Renewer(AcmeSettings settings, std::shared_ptr<http::AcmeChallenges> challenges,
                 std::function<std::string()> installed)
    : s_(std::move(settings)), challenges_(std::move(challenges)), installed_(std::move(installed)) {}

SysClock::time_point Renewer::due() const {
  const auto files = net::local_certificate_paths(s_.dir, kLeaf);
  auto leaf = first_cert(files.server_cert);
  if (!leaf) return {};
  if (auto placeholder = first_cert(files.ca_cert); placeholder && X509_check_issued(placeholder.get(), leaf.get()) == X509_V_OK)
    return {};
  std::vector<std::string> want;
  for (const auto& d : s_.client.domains) want.push_back("DNS:" + canonical(d));
  std::sort(want.begin(), want.end());
  want.erase(std::unique(want.begin(), want.end()), want.end());
  net::ossl::GeneralNames san(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (net::ossl::san_names(san.get()) != want) return {};
  const auto from = as_time(X509_get0_notBefore(leaf.get())), until = as_time(X509_get0_notAfter(leaf.get()));
  const auto margin = std::min<SysClock::duration>(std::chrono::days(30), (until - from) / 3);
  return until - margin;
}

void Renewer::start(const asio::any_io_executor& ex) {
  timer_ = std::make_unique<asio::steady_timer>(ex);
  asio::co_spawn(ex, run(), asio::detached);
}

void Renewer::stop() {
  *stopped_ = true;
  if (timer_) timer_->cancel();
}

asio::awaitable<void> Renewer::run() {
  auto stopped = stopped_;
  auto backoff = s_.retry;
  auto sleep = [this](SysClock::duration d) -> asio::awaitable<void> {
    // In pieces of at most an hour: a clock that jumps is looked at again.
    timer_->expires_after(std::min<SysClock::duration>(d, std::chrono::hours(1)));
    co_await timer_->async_wait(use_nothrow);
  };
  while (!*stopped) {
    const auto wait = due() - SysClock::now();
    if (wait > SysClock::duration::zero()) {
      co_await sleep(wait);
      continue;
    }
    if (co_await renew()) {
      backoff = s_.retry;
    } else if (!*stopped) {
      spdlog::warn("acme: retrying in {:.1f} s", std::chrono::duration<double>(backoff).count());
      co_await sleep(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
    }
  }
}

asio::awaitable<bool> Renewer::renew() {
  AcmeConfig c = s_.client;
  c.account_key = s_.dir / "account.pem";
  c.stop = stopped_;
  const auto files = net::local_certificate_paths(s_.dir, kLeaf);
  try {
    auto board = challenges_;
    Certificate cert = co_await obtain(timer_->get_executor(), c, [board](const std::string& token, const std::string& answer) {
      board->publish(token, answer);
    });
    // Key first: between the renames the pair does not match, and a reload then keeps the old one.
    core::write_file_atomic(files.server_key, cert.key_pem, 0600);
    core::write_file_atomic(files.server_cert, cert.chain_pem);
    if (auto why = installed_(); !why.empty()) throw std::runtime_error("the new certificate is not in use: " + why);
    // Due at once still (other names than asked, a clock far off): asking again at once would not help.
    if (due() <= SysClock::now())
      throw std::runtime_error("the certificate issued is due for renewal at once (its names or dates are not as asked)");
    spdlog::info("acme: certificate for {} issued by {}, renewal due {:%Y-%m-%d %H:%M:%S} UTC",
                 fmt::join(s_.client.domains, ", "), s_.client.directory, std::chrono::floor<std::chrono::seconds>(due()));
    co_return true;
  } catch (const std::exception& e) {
    spdlog::error("acme: no certificate for {}: {}", fmt::join(s_.client.domains, ", "), e.what());
  }
  co_return false;
}

}  // namespace foobar::acme
