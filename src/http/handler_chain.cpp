#include "http/handler_chain.hpp"

namespace foobar::http {

asio::awaitable<Outcome> HandlerChain::handle(Exchange& ex) {
  for (auto& h : handlers_) {
    auto outcome = co_await h->handle(ex);
    if (outcome == Outcome::Handled) co_return Outcome::Handled;
  }
  co_return Outcome::Declined;
}

asio::awaitable<Outcome> PrefixRoute::handle(Exchange& ex) {
  if (!ex.request().path.starts_with(prefix_)) co_return Outcome::Declined;
  auto outcome = co_await inner_->handle(ex);
  co_return outcome;
}

}  // namespace foobar::http
