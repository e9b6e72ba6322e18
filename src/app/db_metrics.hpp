#pragma once
// The database as the app's replica monitor sees it, exported in the app's
// registry: primary up, each replica's state, threads and lag. Read from the
// health board at scrape, so they are as fresh as the monitor's last check.
#include <memory>

#include "core/metrics.hpp"
#include "db/health.hpp"

namespace foobar::app {

void add_db_metrics(core::metrics::Registry& registry, std::shared_ptr<const db::HealthBoard> board);

}  // namespace foobar::app
