#pragma once
// Handlers tried in order until one answers (nginx phases, h2o handlers): a
// role's request handling is a chain built from its config.
#include <memory>
#include <string>
#include <vector>

#include "http/exchange.hpp"

namespace foobar::http {

class HandlerChain final : public Handler {
 public:
  void add(std::unique_ptr<Handler> h) { handlers_.push_back(std::move(h)); }
  bool empty() const noexcept { return handlers_.empty(); }
  // The first handler's answer that does not decline; Declined when all do
  // (the server then answers 404).
  asio::awaitable<Outcome> handle(Exchange& ex) override;

 private:
  std::vector<std::unique_ptr<Handler>> handlers_;
};

// Gives requests whose path starts with prefix to inner; declines the others.
class PrefixRoute final : public Handler {
 public:
  PrefixRoute(std::string prefix, std::unique_ptr<Handler> inner)
      : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  const std::string& prefix() const noexcept { return prefix_; }
  asio::awaitable<Outcome> handle(Exchange& ex) override;

 private:
  std::string prefix_;
  std::unique_ptr<Handler> inner_;
};

}  // namespace foobar::http
