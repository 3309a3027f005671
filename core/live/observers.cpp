// The observers of a command's live figures (see observers.h).
#include "core/live/observers.h"

#include "core/error.h"
#include "core/live/metrics_endpoint.h"
#include "core/live/stats.h"

namespace mqtk {

LiveObservers::LiveObservers(std::string command, LiveOptions options)
    : command_(std::move(command)), options_(std::move(options)) {
    if (!(options_.stats_interval > 0)) throw usage_error("--stats-interval must be positive");
}

LiveObservers::~LiveObservers() {
    stop();
}

void LiveObservers::start() {
    // The endpoint first: binding its port is the likelier usage error, and it must come
    // before anything connects.
    if (!options_.metrics_address.empty()) {
        metrics_ = std::make_unique<MetricsEndpoint>(
            parse_metrics_address(options_.metrics_address), hub_, command_);
        metrics_->start();
    }
    if (!options_.stats_file.empty()) {
        stats_ = std::make_unique<StatsStream>(options_.stats_file, options_.stats_interval,
                                               command_, hub_);
        stats_->start();
    }
}

void LiveObservers::stop() {
    if (stats_) stats_->stop();
    if (metrics_) metrics_->stop();
}

}  // namespace mqtk
