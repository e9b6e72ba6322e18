#include "net/tls_service.hpp"

#include <sys/stat.h>

#include <spdlog/spdlog.h>

#include "core/config.hpp"

namespace foobar::net {
namespace {

std::shared_ptr<TicketKeys> load_keys(const std::string& file) {
  try {
    return std::make_shared<TicketKeys>(file);
  } catch (const std::runtime_error& e) {
    throw core::ConfigError(e.what());
  }
}

}  // namespace

TlsService::TlsService(TlsConfig config)
    : config_(std::move(config)), keys_(load_keys(config_.ticket_key_file)) {
  loaded_stamps_ = file_stamps();
  context_.store(TlsContext::load(config_, keys_));
}

std::vector<std::int64_t> TlsService::file_stamps() const {
  std::vector<std::int64_t> out;
  for (const auto* files : {&config_.certs, &config_.keys}) {
    for (const auto& f : *files) {
      struct stat st {};
      out.push_back(::stat(f.c_str(), &st) == 0 ? st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec : 0);
    }
  }
  return out;
}

std::string TlsService::reload() {
  try {
    auto stamps = file_stamps();
    context_.store(TlsContext::load(config_, keys_));
    loaded_stamps_ = std::move(stamps);
    return {};
  } catch (const core::ConfigError& e) {
    return e.what();
  }
}

void TlsService::maintain() {
  try {
    if (keys_->rotate()) spdlog::info("tls: new session ticket key");
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
  context()->refresh_ocsp();
  if (file_stamps() != loaded_stamps_) {
    if (auto why = reload(); !why.empty()) {
      loaded_stamps_ = file_stamps();  // said once; the next change tries again
      spdlog::error("tls: certificate files changed but do not load, keeping the ones in use: {}", why);
    } else {
      spdlog::info("tls: certificate files changed; reloaded");
    }
  }
}

}  // namespace foobar::net
