#include "net/tls_service.hpp"

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
  context_.store(TlsContext::load(config_, keys_));
}

std::string TlsService::reload() {
  try {
    context_.store(TlsContext::load(config_, keys_));
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
}

}  // namespace foobar::net
